"""Waiting on a job sends MCP progress notifications to a caller that asked for them."""

from __future__ import annotations

import pytest

from kp_tools import Executor, Sandbox
from tests.conftest import MEMBER
from tests.mcp.conftest import connect, payload

pytestmark = pytest.mark.asyncio


async def test_waiting_on_a_job_reports_rising_progress_until_done(mode: str) -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=1.5), api_key=MEMBER)
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {})
        started = payload(
            await client.call_tool(
                "kp_create_creation", {"type": "slide_deck", "prompt": "Tides", "scene_count": 2}
            )
        )
        job_id = started["result"]["job_id"]
        result = await client.call_tool(
            "kp_get_job_status",
            {"job_id": job_id, "wait_seconds": 20},
            progress_callback=on_progress,
        )
    await executor.aclose()

    assert payload(result)["result"]["done"] is True
    progress = [p for p, _, _ in seen]
    assert len(progress) >= 2, seen
    assert progress == sorted(set(progress)), "MCP progress must rise with every notification"
    assert progress[-1] == 100.0
    assert all(total == 100.0 for _, total, _ in seen)
    assert f"job {job_id}: succeeded" == seen[-1][2]


async def test_a_call_without_a_progress_callback_still_waits_and_answers(mode: str) -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=0.5), api_key=MEMBER)
    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {})
        started = payload(
            await client.call_tool("kp_create_creation", {"type": "image", "prompt": "A fox"})
        )
        result = await client.call_tool(
            "kp_get_job_status", {"job_id": started["result"]["job_id"], "wait_seconds": 10}
        )
    await executor.aclose()
    assert payload(result)["result"]["status"] == "succeeded"

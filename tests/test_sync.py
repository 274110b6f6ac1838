"""The sync facade works from plain code and from inside a running event loop (Jupyter)."""

from __future__ import annotations

import asyncio

from kp_tools import Executor
from tests.conftest import MEMBER


def test_run_sync_from_plain_code() -> None:
    executor = Executor.for_sandbox()
    assert executor.run_sync("kp_me", api_key=MEMBER).ok


def test_run_sync_inside_a_running_loop_like_a_notebook_cell() -> None:
    executor = Executor.for_sandbox()

    async def cell() -> bool:
        return executor.run_sync("kp_me", api_key=MEMBER).ok  # no await: a sync API in a loop

    assert asyncio.run(cell())


async def test_the_same_executor_serves_async_and_sync_callers() -> None:
    executor = Executor.for_sandbox()
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    created = await asyncio.to_thread(
        executor.run_sync,
        "kp_create_creation",
        {"type": "image", "prompt": "A fox"},
        api_key=MEMBER,
    )
    assert created.ok, created

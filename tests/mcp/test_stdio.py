"""``kp-mcp --sandbox`` as a real subprocess over stdio, the way a local MCP host runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.client import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import BROKE, FREE
from tests.mcp.conftest import payload
from tests.processes import KP_MCP

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


def kp_mcp(*args: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    return StdioServerParameters(command=str(KP_MCP), args=["--sandbox", *args], env=env)


async def test_a_host_with_no_account_runs_the_whole_workflow(tmp_path: Path) -> None:
    """No key configured anywhere: the sandbox member key is the default, debug logs hold no key."""
    log = tmp_path / "stderr.log"
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    with log.open("w") as errlog:
        params = kp_mcp("--job-seconds", "1", "--log-level", "debug")
        async with Client(stdio_client(params, errlog=errlog)) as client:
            assert client.protocol_version == "2026-07-28"
            assert len((await client.list_tools()).tools) == 8
            me = payload(await client.call_tool("kp_me", {}))
            assert me["result"]["name"] == "Ada Member"
            started = payload(
                await client.call_tool(
                    "kp_create_creation",
                    {"type": "explainer_video", "prompt": "Why the sky is blue"},
                )
            )
            job = await client.call_tool(
                "kp_get_job_status",
                {"job_id": started["result"]["job_id"], "wait_seconds": 20},
                progress_callback=on_progress,
            )
            assert payload(job)["result"]["done"] is True
            creation = payload(
                await client.call_tool(
                    "kp_get_creation", {"creation_id": started["result"]["creation_id"]}
                )
            )
            assert creation["result"]["main_url"]
            broke = await client.call_tool(
                "kp_create_creation", {"type": "image", "prompt": "x", "api_key": BROKE}
            )
            assert broke.is_error
    assert seen and seen[-1] == 100.0
    logged = log.read_text()
    assert "kp_me key=ApiKey(" in logged  # debug logging did run
    assert "kgp_sandbox_member" not in logged and BROKE not in logged


async def test_the_2025_handshake_works_and_a_configured_key_wins_over_the_sandbox_default() -> (
    None
):
    params = kp_mcp(env={"PARTNER_MCP_DEFAULT_API_KEY": FREE})
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.protocol_version == "2025-11-25"
        assert init.server_info.name == "kpainter"
        assert "kp_me" in (init.instructions or "")
        me = payload(await session.call_tool("kp_me", {}))
        assert me["result"]["name"] == "Fred Free"
        other = payload(await session.call_tool("kp_me", {"api_key": BROKE}))
        assert other["result"]["name"] == "Bo Broke"

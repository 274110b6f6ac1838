"""``kp-mcp --max-wait-seconds`` / ``KP_MCP_MAX_WAIT_SECONDS``: a server-side cap on job waits.

For hosts that give up on a tool call sooner than the usual 60 s (the OpenAI Agents SDK's
stdio client waits 5 s): the call returns by the cap, and everything the model reads about the
wait (the tool's description, its schema maximum, the next-step hint) says the cap.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from kp_tools.mcp.cli import make_executor, max_wait_from_env
from tests.mcp.conftest import payload
from tests.processes import KP_MCP, child_env

JOB_TOOL = "kp_get_job_status"


def job_tool_schema(tools: list[Any]) -> tuple[str, dict[str, Any]]:
    tool = next(t for t in tools if t.name == JOB_TOOL)
    return tool.description or "", tool.input_schema["properties"]["wait_seconds"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env"),
    [(["--max-wait-seconds", "2"], {}), ([], {"KP_MCP_MAX_WAIT_SECONDS": "2"})],
    ids=["flag", "env"],
)
async def test_a_capped_stdio_server_waits_no_longer_and_says_so(
    args: list[str], env: dict[str, str]
) -> None:
    params = StdioServerParameters(
        command=str(KP_MCP),
        args=["--sandbox", "--job-seconds", "120", *args],
        env=child_env(**env),
    )
    async with Client(stdio_client(params)) as client:
        description, wait = job_tool_schema((await client.list_tools()).tools)
        await client.call_tool("kp_me", {})
        started = payload(
            await client.call_tool("kp_create_creation", {"type": "image", "prompt": "A fox"})
        )
        job = payload(
            await client.call_tool(
                JOB_TOOL, {"job_id": started["result"]["job_id"], "wait_seconds": 30}
            )
        )
    assert wait["maximum"] == 2 and "at most 2" in wait["description"]
    assert "up to 2)" in description and "50" not in description
    assert job["ok"] and job["result"]["timed_out"] is True
    # The server stopped at its cap, well before the 30 s asked for (and the 5 s a short host
    # timeout allows), and the hint asks only for what it will do.
    assert job["result"]["waited_seconds"] < 5
    assert "wait_seconds=2," in job["next_step"]
    assert "and wait_seconds=2 until" in started["next_step"]  # the create's hint follows too


async def test_a_cap_of_zero_turns_the_wait_into_plain_polling() -> None:
    executor = make_executor(sandbox=True, job_seconds=60, env={}, max_wait_seconds=0)
    spec = executor.specs[JOB_TOOL]
    await executor.run("kp_me")
    started = await executor.run("kp_create_creation", {"type": "image", "prompt": "A fox"})
    assert started.data is not None
    job = await executor.run(JOB_TOOL, {"job_id": started.data["job_id"], "wait_seconds": 30})
    await executor.aclose()
    assert spec.input_schema()["properties"]["wait_seconds"]["maximum"] == 0
    assert "wait_seconds" not in spec.description
    assert job.ok and job.data is not None and job.data["timed_out"] is False
    assert job.next_step is not None and "does not wait" in job.next_step


async def test_without_a_cap_the_tool_reads_as_before() -> None:
    executor = make_executor(sandbox=True, job_seconds=0, env={})
    from kp_tools.specs import SPECS

    assert executor.specs[JOB_TOOL] is SPECS[JOB_TOOL]
    assert SPECS[JOB_TOOL].input_schema()["properties"]["wait_seconds"]["maximum"] == 50
    await executor.aclose()


@pytest.mark.parametrize("raw", ["-1", "51", "soon", "nan"])
def test_a_bad_cap_in_the_environment_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="KP_MCP_MAX_WAIT_SECONDS"):
        max_wait_from_env({"KP_MCP_MAX_WAIT_SECONDS": raw})


@pytest.mark.slow
def test_kp_mcp_refuses_to_start_with_a_cap_out_of_range() -> None:
    done = subprocess.run(
        [str(KP_MCP), "--sandbox", "--max-wait-seconds", "90"],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "--max-wait-seconds" in done.stderr

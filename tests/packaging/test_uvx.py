"""``uvx --from 'kp-tools[mcp]' kp-mcp``: the host command that needs no install step.

uv builds a throwaway environment from the package index; here the index is the locally built
wheel (``--find-links``) for kp-tools, and the package registry for its dependencies.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

import kp_tools
from kp_tools import SPECS
from tests.mcp.conftest import payload
from tests.packaging.conftest import UVX, Dist, run

pytestmark = pytest.mark.slow


def uvx_args(dist: Dist, *command: str) -> list[str]:
    pinned = f"kp-tools[mcp]=={kp_tools.__version__}"  # the wheel just built, never another
    return ["--find-links", str(dist.folder), "--from", pinned, *command]


def test_uvx_runs_the_version_just_built(
    dist: Dist, user_env: dict[str, str], tmp_path: Path
) -> None:
    done = run([str(UVX), *uvx_args(dist, "kp-mcp", "--version")], user_env, cwd=tmp_path)
    assert done.stdout.strip() == f"kp-mcp {kp_tools.__version__}"


@pytest.mark.asyncio
async def test_uvx_kp_mcp_sandbox_lists_and_calls_the_tools(
    dist: Dist, user_env: dict[str, str], tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=str(UVX),
        args=uvx_args(dist, "kp-mcp", "--sandbox"),
        env=user_env,
        cwd=tmp_path,
    )
    async with Client(stdio_client(params)) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == list(SPECS)
        me = payload(await client.call_tool("kp_me", {}))
    assert me["result"]["name"] == "Ada Member"

"""Every host config in integrations/ works as written: each server is launched the way the host
would launch it (the command looked up on PATH, only the config's env on top of a minimal
environment) and answers over MCP.

Real-API variants get the placeholder replaced by a sandbox key and ``KGP_BASE_URL`` pointed at
``kp-tools sandbox`` on a loopback port, so they run their real code path with no network.
The ``uvx`` variants run the wheel built from this checkout: uv is told where it is
(``UV_FIND_LINKS``) since kp-tools is not on the package index; its dependencies come from there.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from kp_tools import SPECS
from tests.conftest import MEMBER
from tests.mcp.conftest import HttpServer, payload
from tests.packaging.conftest import Dist, dist, uv_cache, uv_settings  # noqa: F401 (fixtures)
from tests.processes import VENV_BIN

pytestmark = pytest.mark.slow

INTEGRATIONS = Path(__file__).resolve().parents[2] / "integrations"
PLACEHOLDER = "<your_api_key>"
UVX_FORM = ["--from", "kp-tools[mcp]", "kp-mcp"]  # the recommended command: uvx, then these
CONFIGS = {
    "claude_desktop": "claude_desktop/claude_desktop_config.json",
    "cursor": "cursor/mcp.json",
    "cline": "cline/cline_mcp_settings.json",
    "codex": "codex/config.toml",
}


@dataclass(frozen=True)
class Configured:
    host: str
    name: str
    entry: dict[str, Any]

    @property
    def sandbox(self) -> bool:
        return "--sandbox" in self.entry.get("args", [])

    @property
    def uvx(self) -> bool:
        return self.entry.get("command") == "uvx"

    def __str__(self) -> str:
        return f"{self.host}:{self.name}"


def servers(host: str) -> dict[str, dict[str, Any]]:
    path = INTEGRATIONS / CONFIGS[host]
    if path.suffix == ".toml":
        return dict(tomllib.loads(path.read_text())["mcp_servers"])
    return dict(json.loads(path.read_text())["mcpServers"])


ALL = [Configured(host, name, entry) for host in CONFIGS for name, entry in servers(host).items()]


def distinct_launches() -> list[Configured]:
    """One of each launch (command, args, env): the hosts' copies of an entry are the same
    launch (the tests above pin every entry), and each uvx start costs seconds of index checks."""
    seen: dict[str, Configured] = {}
    for configured in ALL:
        if "command" in configured.entry:
            launch = {k: configured.entry.get(k) for k in ("command", "args", "env")}
            seen.setdefault(json.dumps(launch, sort_keys=True), configured)
    return list(seen.values())


def fill(values: dict[str, str]) -> dict[str, str]:
    return {k: v.replace(PLACEHOLDER, MEMBER) for k, v in values.items()}


@pytest.mark.parametrize("host", list(CONFIGS))
def test_each_host_has_a_real_api_and_a_sandbox_variant(host: str) -> None:
    launched = [c for c in ALL if c.host == host and "command" in c.entry]
    real = [c for c in launched if not c.sandbox]
    sandboxed = [c for c in launched if c.sandbox]
    assert real and sandboxed
    for configured in real:
        assert configured.entry["env"] == {"KGP_API_KEY": PLACEHOLDER}  # never a real key
    for configured in sandboxed:
        assert not configured.entry.get("env")  # no account needed


@pytest.mark.parametrize("host", list(CONFIGS))
def test_each_host_recommends_uvx_next_to_an_installed_kp_mcp(host: str) -> None:
    entries = servers(host)
    assert entries["kpainter"]["command"] == "uvx"
    assert entries["kpainter"]["args"] == UVX_FORM
    assert entries["kpainter-sandbox"]["command"] == "uvx"
    assert entries["kpainter-sandbox"]["args"] == [*UVX_FORM, "--sandbox"]
    assert entries["kpainter-installed"]["command"] == "kp-mcp"
    assert entries["kpainter-installed"]["args"] == []


def test_auto_approved_tools_are_read_only() -> None:
    approved = {tool for c in ALL for tool in c.entry.get("autoApprove", [])}
    assert approved, "cline's configs should auto-approve the read-only tools"
    assert all(SPECS[tool].read_only for tool in approved)


@pytest.mark.asyncio
@pytest.mark.parametrize("configured", distinct_launches(), ids=str)
async def test_the_configured_command_starts_and_serves_the_tools(
    configured: Configured, sandbox_api: str, request: pytest.FixtureRequest
) -> None:
    entry = configured.entry
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **fill(entry.get("env", {})),
    }
    if configured.uvx:
        built: Dist = request.getfixturevalue("dist")
        env |= uv_settings(request.getfixturevalue("uv_cache"), find_links=built.folder)
    if not configured.sandbox:
        env["KGP_BASE_URL"] = sandbox_api  # stands in for https://api.kpainter.ai/openapi/v1
    params = StdioServerParameters(command=entry["command"], args=entry.get("args", []), env=env)
    async with Client(stdio_client(params)) as client:
        assert [t.name for t in (await client.list_tools()).tools] == list(SPECS)
        me = payload(await client.call_tool("kp_me", {}))
    assert me["result"]["name"] == "Ada Member"


@pytest.mark.asyncio
@pytest.mark.parametrize("configured", [c for c in ALL if "url" in c.entry], ids=str)
async def test_the_configured_http_endpoint_serves_the_tools(
    configured: Configured, http_server: HttpServer
) -> None:
    url = configured.entry["url"]
    assert url == "http://127.0.0.1:8002/mcp"  # kp-mcp --transport http defaults
    headers = fill(configured.entry.get("headers", {}))
    async with (
        httpx2.AsyncClient(headers=headers) as hc,
        Client(streamable_http_client(http_server.url, http_client=hc)) as client,
    ):
        assert [t.name for t in (await client.list_tools()).tools] == list(SPECS)
        me = payload(await client.call_tool("kp_me", {}))
    assert me["result"]["name"] == "Ada Member"

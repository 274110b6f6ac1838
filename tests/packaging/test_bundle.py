"""The Claude Desktop bundle: ``make bundle`` packs it, and the server starts the way the host does.

The bundle is packed and unpacked with the official ``mcpb`` tool. The command to run is the
manifest's ``mcp_config`` after the substitution Claude Desktop applies (``${__dirname}``,
``${user_config.*}``, booleans as ``"true"``/``"false"``), computed by the mcpb library itself.
It then runs with only that env on top of a minimal one. kp-tools is not on the package index, so
uv is pointed at the wheel just built (``UV_FIND_LINKS``); the dependencies come from the index.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from kp_tools import SPECS
from tests.conftest import MEMBER
from tests.mcp.conftest import payload
from tests.packaging.conftest import REPO, Dist, run, uv_settings
from tests.processes import VENV_BIN

pytestmark = pytest.mark.slow

MCPB_PACKAGE = REPO / ".tools" / "mcpb" / "node_modules" / "@anthropic-ai" / "mcpb"
MCPB = REPO / ".tools" / "mcpb" / "node_modules" / ".bin" / "mcpb"
RESOLVE = Path(__file__).with_name("mcp_config.mjs")


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make bundle`` into a temporary file, then ``mcpb unpack`` it as a host would."""
    assert shutil.which("node"), "the bundle tests need Node.js 20+ (for the mcpb tool)"
    out = tmp_path_factory.mktemp("bundle")
    bundle = out / "kp-tools.mcpb"
    run(["make", "--no-print-directory", "bundle", f"BUNDLE={bundle}"], os.environ, cwd=REPO)
    target = out / "unpacked"
    run([str(MCPB), "unpack", str(bundle), str(target)], os.environ, cwd=out)
    return target


def host_command(unpacked: Path, settings: dict[str, Any]) -> dict[str, Any]:
    """What Claude Desktop would launch for these settings (the mcpb library's substitution)."""
    resolve = ["node", str(RESOLVE), str(MCPB_PACKAGE), str(unpacked), json.dumps(settings)]
    done = run(resolve, os.environ, cwd=unpacked)
    resolved = json.loads(done.stdout)
    assert resolved is not None, "the host would refuse to start: a required setting is missing"
    return dict(resolved)


def test_the_bundle_holds_the_manifest_the_launcher_and_the_icon(unpacked: Path) -> None:
    files = sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file())
    assert files == ["icon.png", "manifest.json", "server/main.py"]
    assert (unpacked / "manifest.json").read_text() == (REPO / "bundle/manifest.json").read_text()


def test_default_settings_leave_nothing_unsubstituted(unpacked: Path) -> None:
    command = host_command(unpacked, {})
    assert "${" not in json.dumps(command)
    assert command["env"] == {"KGP_API_KEY": "", "KP_BUNDLE_SANDBOX": "false"}
    assert command["args"][-1] == str(unpacked / "server" / "main.py")


CASES = {
    "sandbox, no key": ({"sandbox": True}, False),
    "sandbox, a real key is not used": ({"sandbox": True, "api_key": "kgp_live_0123456789"}, False),
    "the API with the user's key": ({"sandbox": False, "api_key": MEMBER}, True),
}


@pytest.mark.asyncio
@pytest.mark.parametrize(("settings", "real_api"), list(CASES.values()), ids=list(CASES))
async def test_the_bundle_starts_as_the_manifest_says_and_serves_the_tools(
    unpacked: Path,
    settings: dict[str, Any],
    real_api: bool,
    dist: Dist,
    uv_cache: Path,
    sandbox_api: str,
    tmp_path: Path,
) -> None:
    command = host_command(unpacked, settings)
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # where uvx is found
        **uv_settings(uv_cache, find_links=dist.folder),
        **command["env"],
    }
    if real_api:
        env["KGP_BASE_URL"] = sandbox_api  # stands in for https://api.kpainter.ai/openapi/v1
    params = StdioServerParameters(
        command=command["command"], args=command["args"], env=env, cwd=tmp_path
    )
    async with Client(stdio_client(params)) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == list(SPECS)
        me = payload(await client.call_tool("kp_me", {}))
    assert me["ok"] is True, me
    assert me["result"]["name"] == "Ada Member"

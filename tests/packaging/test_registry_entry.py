"""server.json, the MCP Registry entry: it names the package, version and settings the code has.

A registry client starts a PyPI server as ``<runtimeHint> <runtimeArguments> <identifier>==<version>
<packageArguments>``; the slow test builds that command the same way and runs it.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

import kp_tools
from kp_tools import SPECS, client, keys
from kp_tools.api_contract import DEFAULT_BASE_URL
from kp_tools.mcp.http import ENV_ALLOWED_ORIGINS
from tests.mcp.conftest import payload
from tests.packaging.conftest import REPO, UVX, Dist, uv_settings

SERVER = json.loads((REPO / "server.json").read_text())
(PACKAGE,) = SERVER["packages"]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def registry_command(package: dict[str, Any]) -> list[str]:
    """The command line a registry client builds from a package entry (positional values)."""
    runtime = [argument["value"] for argument in package.get("runtimeArguments", [])]
    arguments = [argument["value"] for argument in package.get("packageArguments", [])]
    pinned = f"{package['identifier']}=={package['version']}"
    return [package["runtimeHint"], *runtime, pinned, *arguments]


def test_the_entry_is_the_pypi_package_at_the_version_of_the_code() -> None:
    assert SERVER["version"] == PACKAGE["version"] == kp_tools.__version__
    assert PACKAGE["registryType"] == "pypi"
    assert PACKAGE["identifier"] == PROJECT["name"]
    assert PACKAGE["transport"] == {"type": "stdio"}
    assert SERVER["$schema"].endswith("/server.schema.json")
    assert len(SERVER["description"]) <= 100  # the registry's limit


def test_the_readme_carries_the_mcp_name_the_registry_checks_on_pypi() -> None:
    # The registry proves ownership of a PyPI package by this line in its description (README).
    names = re.findall(r"mcp-name: (\S+)", (REPO / "README.md").read_text())
    assert names == [SERVER["name"]]
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", SERVER["name"])


def test_the_registry_command_runs_kp_mcp_from_the_mcp_extra_of_this_version() -> None:
    version = kp_tools.__version__
    assert registry_command(PACKAGE) == [
        "uvx",
        "--from",
        f"kp-tools[mcp]=={version}",
        "--with",
        f"kp-tools=={version}",  # the identifier: the same package again, as a requirement
        "kp-mcp",
    ]
    assert "kp-mcp" in PROJECT["scripts"]


def test_the_variables_are_the_ones_the_code_reads_and_only_the_key_is_secret() -> None:
    variables = {variable["name"]: variable for variable in PACKAGE["environmentVariables"]}
    known = {keys.ENV_KEY, keys.ENV_DEFAULT_KEY, client.ENV_BASE_URL, ENV_ALLOWED_ORIGINS}
    assert set(variables) <= known
    assert {keys.ENV_KEY, client.ENV_BASE_URL} <= set(variables)
    secret = {name for name, variable in variables.items() if variable.get("isSecret")}
    assert secret == set(variables) & {keys.ENV_KEY, keys.ENV_DEFAULT_KEY}  # keys, and only keys
    assert variables[keys.ENV_KEY]["isRequired"] is True
    assert variables[client.ENV_BASE_URL]["default"] == DEFAULT_BASE_URL
    assert ENV_ALLOWED_ORIGINS not in variables  # HTTP only; this entry is stdio


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_registry_command_serves_the_tools(
    dist: Dist, uv_cache: Path, user_env: dict[str, str], sandbox_api: str, tmp_path: Path
) -> None:
    command, *args = registry_command(PACKAGE)
    assert command == UVX.name
    env = {
        **user_env,
        **uv_settings(uv_cache, find_links=dist.folder),  # kp-tools is not on the index
        keys.ENV_KEY: "kgp_sandbox_member",
        client.ENV_BASE_URL: sandbox_api,  # stands in for the default, the real API
    }
    params = StdioServerParameters(command=str(UVX), args=args, env=env, cwd=tmp_path)
    async with Client(stdio_client(params)) as session:
        assert [tool.name for tool in (await session.list_tools()).tools] == list(SPECS)
        me = payload(await session.call_tool("kp_me", {}))
    assert me["result"]["name"] == "Ada Member"

"""MCP Apps over the wire: the creation view for clients that negotiate it, nothing for the rest."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.extension import ClientExtension, advertise
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, TextResourceContents

from kp_tools import SPECS, Executor, KPainterClient, Sandbox
from kp_tools.mcp import build_server
from kp_tools.mcp.apps import APP_MIME_TYPE, EXTENSION_ID
from kp_tools.mcp.tools import mcp_tool
from tests.mcp.conftest import connect

pytestmark = pytest.mark.asyncio

VIEW = "ui://kpainter/creation.html"
WITH_APPS = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})]
WITH_VIEWS = {name for name, spec in SPECS.items() if spec.app_view is not None}


@contextlib.asynccontextmanager
async def apps_client(
    executor: Executor, mode: str, extensions: Sequence[ClientExtension] = WITH_APPS
) -> AsyncIterator[Client]:
    async with Client(
        build_server(executor), mode=mode, extensions=list(extensions), raise_exceptions=True
    ) as client:
        yield client


def wire(tools: Sequence[Any]) -> list[dict[str, Any]]:
    return [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]


async def test_an_old_client_without_extensions_sees_exactly_the_tools_it_saw_before(
    sandbox: Sandbox,
) -> None:
    """A 2025-11-25 client that negotiated nothing: the plain tools, no _meta, no ui:// page."""
    async with connect(Executor.for_sandbox(sandbox), "legacy") as client:
        assert client.protocol_version == "2025-11-25"
        tools = (await client.list_tools()).tools
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        with pytest.raises(MCPError) as unknown:
            await client.read_resource(VIEW)
    assert wire(tools) == wire([mcp_tool(spec) for spec in SPECS.values()])
    assert all(tool.meta is None for tool in tools)
    assert not any(uri.startswith("ui://") for uri in uris)
    assert unknown.value.code == INVALID_PARAMS
    assert unknown.value.message == f"Unknown resource: {VIEW}"


async def test_a_client_that_advertises_other_mime_types_gets_no_view(
    sandbox: Sandbox, mode: str
) -> None:
    only_text = [advertise(EXTENSION_ID, {"mimeTypes": ["text/plain"]})]
    async with apps_client(Executor.for_sandbox(sandbox), mode, only_text) as client:
        tools = (await client.list_tools()).tools
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
    assert all(tool.meta is None for tool in tools)
    assert VIEW not in uris


async def test_tools_with_a_declared_view_point_at_it_for_a_client_that_negotiated_apps(
    sandbox: Sandbox, mode: str
) -> None:
    async with apps_client(Executor.for_sandbox(sandbox), mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {"kp_get_creation", "kp_get_job_status"} == WITH_VIEWS
    for name, tool in tools.items():
        if name in WITH_VIEWS:
            assert tool.meta == {"ui": {"resourceUri": VIEW}}
        else:
            assert tool.meta is None
    plain = {t["name"]: t for t in wire([mcp_tool(spec) for spec in SPECS.values()])}
    for name, tool in tools.items():  # the view is added; nothing else changes
        listed = wire([tool])[0]
        listed.pop("_meta", None)
        assert listed == plain[name]


async def test_the_view_is_a_self_contained_app_page_with_its_content_policy(
    sandbox: Sandbox, mode: str
) -> None:
    async with apps_client(Executor.for_sandbox(sandbox), mode) as client:
        listed = [r for r in (await client.list_resources()).resources if str(r.uri) == VIEW]
        read = await client.read_resource(VIEW)
    (resource,) = listed
    (page,) = read.contents
    assert isinstance(page, TextResourceContents)
    assert resource.mime_type == page.mime_type == "text/html;profile=mcp-app"
    assert page.meta == resource.meta
    csp = (page.meta or {})["ui"]["csp"]
    assert set(csp) == {"resourceDomains"}  # no fetches, no frames: connect/frame default to none
    assert {"https://kpainter.ai", "https://*.kpainter.ai"} <= set(csp["resourceDomains"])
    html = page.text
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert not re.search(r"<(script|link|iframe|img)\b[^>]*\b(src|href)\s*=", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "ui/initialize" in html and "ui/notifications/tool-result" in html


async def test_the_pictures_of_the_api_the_server_calls_are_allowed(mode: str) -> None:
    """A sandbox served on a port (``kp-tools sandbox``) has its pictures on its own origin."""
    client = KPainterClient(base_url="http://127.0.0.1:8765/openapi/v1")
    async with apps_client(Executor(client, env={}), mode) as mcp_client:
        read = await mcp_client.read_resource(VIEW)
    await client.aclose()
    (page,) = read.contents
    assert "http://127.0.0.1:8765" in (page.meta or {})["ui"]["csp"]["resourceDomains"]


async def test_the_server_advertises_the_extension_to_2026_clients(sandbox: Sandbox) -> None:
    async with apps_client(Executor.for_sandbox(sandbox), "auto") as client:
        extensions = client.server_capabilities.extensions or {}
    assert EXTENSION_ID in extensions


async def test_a_server_without_views_advertises_no_extension_and_lists_no_page(
    sandbox: Sandbox,
) -> None:
    plain = {name: spec for name, spec in SPECS.items() if spec.app_view is None}
    async with apps_client(Executor.for_sandbox(sandbox, specs=plain), "auto") as client:
        extensions = client.server_capabilities.extensions or {}
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
    assert EXTENSION_ID not in extensions
    assert VIEW not in uris

"""MCP Apps (the ``io.modelcontextprotocol/ui`` extension): pages that show a tool's result.

A read spec may declare an :class:`~kp_tools.specs.views.AppView` (``app_view``). For a client
that negotiated the extension (it lists the ``text/html;profile=mcp-app`` MIME type in its
``extensions`` capability, on either protocol revision), this module

- adds ``_meta.ui.resourceUri`` to those tools in ``tools/list``, so the host knows which page
  renders their results;
- lists and serves each page as a ``ui://`` resource of that MIME type, with the
  content-security policy the extension asks for in the resource's ``_meta.ui.csp``.

Every other client sees exactly what it saw before: the same tools without ``_meta``, no
``ui://`` resource, and reading one is an unknown resource. Nothing here names a tool.

The pages are self-contained HTML files bundled in ``kp_tools/mcp/views/`` (inline CSS and
script, nothing fetched but the pictures the result links to). They speak the MCP Apps
postMessage bridge (``ui/initialize``, then the host's ``ui/notifications/tool-result``) and
render the tool's ``structuredContent``.

Pictures: the page shows the cover and scene pictures from the URLs in the result, so the
policy allows images from KPainter's own domains and from the origin of the API base URL the
server calls (so a sandbox served on a port, ``kp-tools sandbox``, works too). A result whose
pictures live elsewhere shows the narration without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources as package_files
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from mcp.server import ServerRequestContext
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID, client_supports_apps
from mcp.types import Resource, TextResourceContents, Tool

from kp_tools.api_contract import DEFAULT_BASE_URL, MAIN_SITE
from kp_tools.specs.views import AppView

if TYPE_CHECKING:
    from kp_tools.mcp.runner import ToolRunner
    from kp_tools.specs import ToolSpec

__all__ = [
    "APP_MIME_TYPE",
    "EXTENSION_ID",
    "AppViews",
    "extensions",
    "page_html",
    "tools_with_views",
]


_VIEWS_PACKAGE: Final = "kp_tools.mcp"
_VIEWS_FOLDER: Final = "views"
# The client's ENV_BASE_URL, not imported from it: listing tools must not load the HTTP stack.
_ENV_BASE_URL: Final = "KGP_BASE_URL"


def _views(specs: Mapping[str, ToolSpec[Any, Any]]) -> dict[str, AppView]:
    return {spec.app_view.uri: spec.app_view for spec in specs.values() if spec.app_view}


def extensions(specs: Mapping[str, ToolSpec[Any, Any]]) -> dict[str, dict[str, Any]]:
    """What the server advertises under ``capabilities.extensions``.

    MCP Apps only when a served spec declares a view: a client is not offered an extension
    under which it would find nothing.
    """
    return {EXTENSION_ID: {}} if _views(specs) else {}


def tools_with_views(
    ctx: ServerRequestContext[Any, Any],
    specs: Mapping[str, ToolSpec[Any, Any]],
    tools: Sequence[Tool],
) -> list[Tool]:
    """``tools`` as this client should list them: unchanged unless it negotiated MCP Apps.

    For a client that did, each tool whose spec declares an app view carries
    ``_meta.ui.resourceUri`` (next to any ``_meta`` it already had).
    """
    if not client_supports_apps(ctx):
        return list(tools)
    listed = []
    for tool in tools:
        spec = specs.get(tool.name)
        view = spec.app_view if spec is not None else None
        if view is None:
            listed.append(tool)
            continue
        meta = {**(tool.meta or {}), "ui": {"resourceUri": view.uri}}
        listed.append(tool.model_copy(update={"meta": meta}))
    return listed


@cache
def page_html(uri: str) -> str:
    """The bundled page for a ``ui://`` URI: the file named by its last path segment.

    Raises:
        FileNotFoundError: no page of that name is bundled (a spec names a view that the
            package does not ship; caught by the tests, which read every declared view).
    """
    name = urlsplit(uri).path.rsplit("/", 1)[-1]
    page = package_files.files(_VIEWS_PACKAGE).joinpath(_VIEWS_FOLDER, name)
    if not name or not page.is_file():
        raise FileNotFoundError(f"no bundled MCP Apps page for {uri}")
    return page.read_text(encoding="utf-8")


def media_origins(base_url: str | None) -> list[str]:
    """Where a result's pictures may come from: KPainter's domains and the API's own origin."""
    host = urlsplit(MAIN_SITE).netloc
    origins = [f"https://{host}", f"https://*.{host}"]
    parts = urlsplit(base_url or DEFAULT_BASE_URL)
    if parts.scheme in ("http", "https") and parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


def _base_url(executor: ToolRunner) -> str | None:
    """The API base URL ``executor`` calls, when it says; else the one ``kp-mcp`` would use.

    An :class:`~kp_tools.executor.Executor` has a client with a base URL. ``kp-mcp``'s stdio
    stand-in builds its executor on first use, from the environment, so the environment says.
    """
    client = getattr(executor, "client", None)
    base_url = getattr(client, "base_url", None)
    if base_url is not None:
        return str(base_url)
    return os.environ.get(_ENV_BASE_URL) or None


class AppViews:
    """The ``ui://`` pages the served specs declare, shown only to clients that negotiated them."""

    def __init__(self, executor: ToolRunner) -> None:
        self.executor = executor
        self.views = _views(executor.specs)

    def resources(self, ctx: ServerRequestContext[Any, Any]) -> list[Resource]:
        """The pages as resources, for a client that negotiated MCP Apps; else none."""
        if not self.views or not client_supports_apps(ctx):
            return []
        meta = self._meta()
        return [
            Resource(
                uri=view.uri,
                name=urlsplit(view.uri).path.rsplit("/", 1)[-1],
                title=view.title,
                description=view.description,
                mime_type=APP_MIME_TYPE,
                meta=meta,
            )
            for view in self.views.values()
        ]

    def read(self, ctx: ServerRequestContext[Any, Any], uri: str) -> TextResourceContents | None:
        """The page at ``uri`` for a client that negotiated MCP Apps; ``None`` otherwise.

        To any other client the page is an unknown resource, as before the extension existed.
        """
        if uri not in self.views or not client_supports_apps(ctx):
            return None
        return TextResourceContents(
            uri=uri, mime_type=APP_MIME_TYPE, text=page_html(uri), meta=self._meta()
        )

    def _meta(self) -> dict[str, Any]:
        # No connect, frame or base-uri domains: the page fetches nothing and embeds nothing.
        csp = {"resourceDomains": media_origins(_base_url(self.executor))}
        return {"ui": {"csp": csp, "prefersBorder": True}}

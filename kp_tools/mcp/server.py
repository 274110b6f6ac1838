"""The KPainter MCP server: the low-level SDK ``Server`` wired to kp-mcp's handlers.

The tool, resource, prompt and completion handlers are all backed by one
:class:`~kp_tools.executor.Executor`.

The low-level server is used rather than ``MCPServer`` because every schema already exists (the
specs'), arguments are validated by the executor with field-level problems the model can act on,
and failures are already typed outcomes: the decorator layer would only rebuild schemas from
function signatures and reword errors. It also leaves logging configuration to the caller.

The same instance serves stdio and streamable HTTP, and both protocol revisions (the 2026-07-28
per-request envelope and the 2025-11-25 ``initialize`` handshake).
"""

from __future__ import annotations

from typing import Any

from mcp.server import Server, ServerRequestContext
from mcp.types import EmptyResult, SetLevelRequestParams

from kp_tools import __version__
from kp_tools.guide import INSTRUCTIONS
from kp_tools.mcp.apps import extensions as app_extensions
from kp_tools.mcp.completions import CompletionHandlers, server_targets
from kp_tools.mcp.icons import SERVER_ICONS
from kp_tools.mcp.prompts import PromptHandlers
from kp_tools.mcp.request_state import seal_request_state
from kp_tools.mcp.resources import ResourceHandlers
from kp_tools.mcp.runner import ToolRunner
from kp_tools.mcp.tools import ToolHandlers

__all__ = ["SERVER_NAME", "KPainterServer", "ToolRunner", "build_server"]

SERVER_NAME = "kpainter"
"""The name the server gives hosts in its ``initialize`` answer and server card."""

KPainterServer = Server[dict[str, Any]]
"""The low-level SDK server :func:`build_server` returns (its lifespan state is a plain dict)."""


def build_server(executor: ToolRunner, *, name: str = SERVER_NAME) -> KPainterServer:
    """An MCP server for every spec ``executor`` runs. The caller owns (and closes) ``executor``."""
    tools = ToolHandlers(executor)
    resources = ResourceHandlers(executor)
    prompts = PromptHandlers()
    completions = CompletionHandlers(executor, server_targets(prompts, resources))
    server = Server(
        name,
        version=__version__,
        title="KPainter",
        description="Explainer videos, slides, images and interactive lessons from a prompt.",
        instructions=INSTRUCTIONS,
        website_url="https://kpainter.ai",
        icons=SERVER_ICONS,
        get_tool_input_schema=tools.input_schema,
        on_list_tools=tools.list_tools,
        on_call_tool=tools.call_tool,
        on_list_resources=resources.list_resources,
        on_list_resource_templates=resources.list_resource_templates,
        on_read_resource=resources.read_resource,
        on_list_prompts=prompts.list_prompts,
        on_get_prompt=prompts.get_prompt,
        on_completion=completions.complete,
    )
    # 2025-11-25 requires logging/setLevel. kp-mcp's logs go to stderr and it sends the client
    # no log messages at any level, so the level is accepted and there is nothing to filter.
    # Registered directly: the constructor argument warns that logging is gone in 2026-07-28.
    server.add_request_handler("logging/setLevel", SetLevelRequestParams, _accept_log_level)
    server.extensions.update(app_extensions(executor.specs))  # MCP Apps, when views exist
    return seal_request_state(server)  # 2026-07-28 requestState: encrypted and bound


async def _accept_log_level(
    ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams
) -> EmptyResult:
    return EmptyResult()

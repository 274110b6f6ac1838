"""What a model sees of one tool, in each rendering: name, description and JSON schemas.

- ``langchain``: ``convert_to_openai_tool`` of the KPainterToolkit tool (what ``bind_tools`` sends);
- ``llamaindex``: ``tool.metadata.to_openai_tool()`` of the KPainterToolSpec tool;
- ``mcp``: the ``Tool`` the kp-mcp server lists (input schema with ``api_key``, output schema,
  annotations), read through an in-memory MCP client;
- ``openai``: :func:`kp_tools.openai.openai_function`, for the OpenAI API directly.

Each is produced by the real adapter, not described from memory, so it cannot drift.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kp_tools.executor import Executor
from kp_tools.openai import openai_function

__all__ = ["Target", "describe"]


class Target(StrEnum):
    """A rendering ``kp-tools describe`` can show: the tool as that framework sends it."""

    LANGCHAIN = "langchain"
    LLAMAINDEX = "llamaindex"
    MCP = "mcp"
    OPENAI = "openai"


EXTRAS = {
    Target.LANGCHAIN: "langchain",
    Target.LLAMAINDEX: "llamaindex",
    Target.MCP: "mcp",
}


async def describe(executor: Executor, name: str, target: Target) -> dict[str, Any]:
    """The definition of tool ``name`` as ``target`` presents it to a model.

    Raises ``ImportError`` when the framework of ``target`` is not installed.
    """
    if target is Target.LANGCHAIN:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        from kp_tools.langchain import KPainterToolkit

        tool = next(t for t in KPainterToolkit(executor).get_tools() if t.name == name)
        return dict(convert_to_openai_tool(tool))
    if target is Target.LLAMAINDEX:
        from kp_tools.llamaindex import KPainterToolSpec

        (function_tool,) = KPainterToolSpec(executor).to_tool_list([name])
        return dict(function_tool.metadata.to_openai_tool())
    if target is Target.MCP:
        from mcp.client import Client

        from kp_tools.mcp import build_server

        async with Client(build_server(executor)) as client:
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        return listed[name].model_dump(mode="json", by_alias=True, exclude_none=True)
    return openai_function(executor.specs[name])

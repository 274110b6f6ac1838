"""What a model sees of one tool, in each rendering: name, description and JSON schemas.

- ``langchain``: ``convert_to_openai_tool`` of the KPainterToolkit tool (what ``bind_tools`` sends);
- ``llamaindex``: ``tool.metadata.to_openai_tool()`` of the KPainterToolSpec tool;
- ``mcp``: the ``Tool`` the kp-mcp server lists (input schema with ``api_key``, output schema,
  annotations), read through an in-memory MCP client;
- ``openai``: a strict function definition built from the spec, for the OpenAI API directly.

Each is produced by the real adapter, not described from memory, so it cannot drift.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

from kp_tools.executor import Executor
from kp_tools.specs import ToolSpec

__all__ = ["Target", "describe", "openai_function"]

# OpenAI's strict mode rejects these keywords; the executor enforces them anyway.
_NOT_STRICT = frozenset({"title", "default", "minLength", "maxLength"})


class Target(StrEnum):
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


def openai_function(spec: ToolSpec[Any, Any]) -> dict[str, Any]:
    """A Chat Completions tool in strict mode: every argument required, optional ones nullable.

    Strict mode makes the model send every argument, with ``null`` for the ones it leaves out;
    drop the nulls before running the call (the executor applies the defaults).
    """
    schema = _inline(spec.input_schema())
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": _strict(schema),
            "strict": True,
        },
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(copy.deepcopy(definitions[reference.removeprefix("#/$defs/")]))
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _strict(node: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in node.items() if k not in _NOT_STRICT}
    if "anyOf" in cleaned:
        cleaned["anyOf"] = [_strict(option) for option in cleaned["anyOf"]]
    if cleaned.get("type") == "array" and isinstance(cleaned.get("items"), dict):
        cleaned["items"] = _strict(cleaned["items"])
    if cleaned.get("type") != "object":
        return cleaned
    properties: dict[str, Any] = cleaned.get("properties", {})
    required = set(node.get("required", []))
    strict_properties = {}
    for name, prop in properties.items():
        converted = _strict(prop)
        if name not in required and not _nullable(converted):
            converted = _with_null(converted)
        strict_properties[name] = converted
    cleaned["properties"] = strict_properties
    cleaned["required"] = list(strict_properties)
    cleaned["additionalProperties"] = False
    return cleaned


def _nullable(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_nullable(option) for option in node.get("anyOf", []))


def _with_null(node: dict[str, Any]) -> dict[str, Any]:
    kind = node.get("type")
    if isinstance(kind, str) and "enum" not in node:
        return {**node, "type": [kind, "null"]}
    description = node.get("description")
    inner = {k: v for k, v in node.items() if k != "description"}
    wrapped: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped

"""The fourth rendering: OpenAI function-calling definitions, for apps that call a model directly.

No framework is needed: :func:`openai_tools` gives the ``tools`` list for the Chat Completions or
Responses API in strict mode, and :func:`arguments_from_openai` turns a tool call's arguments back
into what :meth:`kp_tools.Executor.run` takes. The executor still validates everything, so the
schema can drop keywords strict mode rejects without loosening any rule.

    tools = openai_tools()
    # ... the model answers with tool_calls ...
    outcome = await executor.run(call.function.name, arguments_from_openai(call.function.arguments))
    reply = {"role": "tool", "tool_call_id": call.id, "content": outcome.text()}
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from kp_tools.specs import SPECS, ToolSpec

__all__ = ["arguments_from_openai", "openai_function", "openai_tools"]

# OpenAI's strict mode rejects these keywords; the executor enforces them anyway.
_NOT_STRICT = frozenset({"title", "default", "minLength", "maxLength"})


def openai_tools(specs: Mapping[str, ToolSpec[Any, Any]] = SPECS) -> list[dict[str, Any]]:
    """Every tool as a strict Chat Completions function definition, in registry order."""
    return [openai_function(spec) for spec in specs.values()]


def arguments_from_openai(arguments: str | Mapping[str, Any]) -> dict[str, Any]:
    """A strict-mode tool call's arguments, without the ``null`` s strict mode makes it send.

    Strict mode requires every argument, so the model sends ``null`` for each one it leaves
    out; dropping them lets the executor apply the defaults. A string is parsed as JSON.
    """
    raw = json.loads(arguments) if isinstance(arguments, str) else arguments
    if not isinstance(raw, Mapping):
        raise ValueError("tool-call arguments must be a JSON object")
    return {name: value for name, value in raw.items() if value is not None}


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

"""Every rendering shows the model the same tools: name, description and argument schema.

Each rendering is reduced to what a model or host is sent (the OpenAI-style function definition
LangChain and LlamaIndex produce themselves; the MCP ``tools/list`` answer, over JSON-RPC) and
compared with the specs. Schemas are compared after dropping what frameworks legitimately
rewrite: ``title`` annotations, ``$ref`` indirection and the ``additionalProperties: false`` the
executor enforces anyway. The one designed difference: MCP tools add the optional ``api_key``
argument of the KPainter MCP contract.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool
from mcp import Client

from kp_tools import SPECS, Executor
from kp_tools.langchain import KPainterToolkit
from kp_tools.llamaindex import KPainterToolSpec
from kp_tools.mcp import build_server

Shown = tuple[str, str, dict[str, Any]]  # name, description, parameters


def _specs() -> list[Shown]:
    return [(spec.name, spec.description, spec.input_schema()) for spec in SPECS.values()]


def _langchain() -> list[Shown]:
    functions = [
        convert_to_openai_tool(tool)["function"]
        for tool in KPainterToolkit.for_sandbox().get_tools()
    ]
    return [(f["name"], f["description"], f["parameters"]) for f in functions]


def _llamaindex() -> list[Shown]:
    functions = [
        tool.metadata.to_openai_tool()["function"]
        for tool in KPainterToolSpec.for_sandbox().to_tool_list()
    ]
    return [(f["name"], f["description"], f["parameters"]) for f in functions]


def _mcp() -> list[Shown]:
    async def list_tools() -> list[Shown]:
        executor = Executor.for_sandbox()
        async with Client(build_server(executor), mode="legacy") as client:  # over JSON-RPC
            tools = (await client.list_tools()).tools
        await executor.aclose()
        return [(t.name, t.description or "", without_mcp_key(t.input_schema)) for t in tools]

    return asyncio.run(list_tools())


def without_mcp_key(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    assert schema["properties"].pop("api_key")["type"] == "string"
    return schema


RENDERINGS: dict[str, Callable[[], list[Shown]]] = {
    "langchain": _langchain,
    "llamaindex": _llamaindex,
    "mcp": _mcp,
}


@cache
def shown(rendering: str) -> dict[str, Shown]:
    return {tool[0]: tool for tool in RENDERINGS[rendering]()}


def comparable(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """The schema with $refs inlined and titles, $defs and additionalProperties dropped."""
    if defs is None and isinstance(schema, dict):
        defs = schema.get("$defs", {})
    if isinstance(schema, list):
        return [comparable(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = (defs or {})[schema["$ref"].rsplit("/", 1)[-1]]
        return comparable({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, defs)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("title", "$defs", "additionalProperties"):
            continue
        if key == "properties":
            out[key] = {name: comparable(prop, defs) for name, prop in value.items()}
        elif key == "required":
            out[key] = sorted(value)
        else:
            out[key] = comparable(value, defs)
    return out


@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_every_rendering_offers_every_spec_in_workflow_order(rendering: str) -> None:
    assert list(shown(rendering)) == list(SPECS)


@pytest.mark.parametrize("rendering", list(RENDERINGS))
@pytest.mark.parametrize("spec", _specs(), ids=lambda spec: spec[0])
def test_rendering_shows_the_model_what_the_spec_says(spec: Shown, rendering: str) -> None:
    name, description, parameters = spec

    shown_name, shown_description, shown_parameters = shown(rendering)[name]

    assert shown_name == name
    assert shown_description == description
    assert comparable(shown_parameters) == comparable(parameters)


def test_the_comparison_sees_a_changed_argument() -> None:
    schema = SPECS["kp_get_job_status"].input_schema()
    changed = {**schema, "properties": {**schema["properties"], "job_id": {"type": "string"}}}

    assert comparable(changed) != comparable(schema)

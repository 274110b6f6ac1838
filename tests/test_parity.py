"""Every rendering shows the model the same tool: name, description and argument schema.

Each rendering is reduced to what a model is sent (the OpenAI-style function definition the
framework itself produces) and compared with the spec. Schemas are compared after dropping
what frameworks legitimately rewrite: ``title`` annotations, ``$ref`` indirection and the
``additionalProperties: false`` the executor enforces anyway. Add the MCP bridge to RENDERINGS
when it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from kp_tools import SPECS, ToolSpec
from kp_tools.langchain import KPainterToolkit
from kp_tools.llamaindex import KPainterToolSpec

Shown = tuple[str, str, dict[str, Any]]  # name, description, parameters


def _spec(spec: ToolSpec[Any, Any]) -> Shown:
    return spec.name, spec.description, spec.input_schema()


def _langchain(spec: ToolSpec[Any, Any]) -> Shown:
    tools = {tool.name: tool for tool in KPainterToolkit.for_sandbox().get_tools()}
    function = convert_to_openai_tool(tools[spec.name])["function"]
    return function["name"], function["description"], function["parameters"]


def _llamaindex(spec: ToolSpec[Any, Any]) -> Shown:
    (tool,) = KPainterToolSpec.for_sandbox().to_tool_list([spec.name])
    function = tool.metadata.to_openai_tool()["function"]
    return function["name"], function["description"], function["parameters"]


RENDERINGS: dict[str, Callable[[ToolSpec[Any, Any]], Shown]] = {
    "langchain": _langchain,
    "llamaindex": _llamaindex,
}


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
@pytest.mark.parametrize("name", list(SPECS))
def test_rendering_shows_the_model_what_the_spec_says(name: str, rendering: str) -> None:
    spec_name, spec_description, spec_parameters = _spec(SPECS[name])

    shown_name, shown_description, shown_parameters = RENDERINGS[rendering](SPECS[name])

    assert shown_name == spec_name
    assert shown_description == spec_description
    assert comparable(shown_parameters) == comparable(spec_parameters)


def test_the_comparison_sees_a_changed_argument() -> None:
    schema = SPECS["kp_get_job_status"].input_schema()
    changed = {**schema, "properties": {**schema["properties"], "job_id": {"type": "string"}}}

    assert comparable(changed) != comparable(schema)


def test_every_rendering_offers_every_spec() -> None:
    assert [t.name for t in KPainterToolkit.for_sandbox().get_tools()] == list(SPECS)
    assert [t.metadata.name for t in KPainterToolSpec.for_sandbox().to_tool_list()] == list(SPECS)

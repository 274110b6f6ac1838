"""Parity: every MCP tool, prompt and instruction agrees with the specs it is rendered from."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kp_tools import SPECS
from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.errors import ErrorCode
from kp_tools.guide import INSTRUCTIONS
from kp_tools.mcp.prompts import GUIDED, render
from kp_tools.mcp.tools import API_KEY_PROPERTY, mcp_tool
from kp_tools.sandbox import CATALOG

CANONICAL = {entry["type"] for entry in CATALOG["content_types"]}


@pytest.mark.parametrize("name", list(SPECS))
def test_tool_name_description_and_input_schema_match_the_spec(name: str) -> None:
    spec = SPECS[name]
    tool = mcp_tool(spec)
    assert (tool.name, tool.title, tool.description) == (spec.name, spec.title, spec.description)
    schema = dict(tool.input_schema)
    properties = dict(schema.pop("properties"))
    assert properties.pop("api_key") == API_KEY_PROPERTY
    expected = spec.input_schema()
    assert properties == expected.get("properties", {})
    assert schema == {k: v for k, v in expected.items() if k != "properties"}


@pytest.mark.parametrize("name", list(SPECS))
def test_output_schema_is_the_outcome_envelope_around_the_spec_output(name: str) -> None:
    spec = SPECS[name]
    schema = mcp_tool(spec).output_schema or {}
    assert schema["type"] == "object" and schema["required"] == ["ok"]
    assert set(schema["properties"]) == {"ok", "result", "error", "next_step"}
    ref = schema["properties"]["result"]["anyOf"][0]["$ref"]
    result = schema["$defs"][ref.removeprefix("#/$defs/")]
    assert set(result["properties"]) == set(spec.output_model.model_fields)
    codes = schema["$defs"]["ErrorCode"]["enum"]
    assert codes == [code.value for code in ErrorCode]


def _required_but_nullable(schema: dict[str, Any]) -> list[str]:
    found = []
    for name, definition in schema.get("$defs", {}).items():
        for field in definition.get("required", []):
            options = definition["properties"][field].get("anyOf", [])
            if {"type": "null"} in options:
                found.append(f"{name}.{field}")
    return found


@pytest.mark.parametrize("name", list(SPECS))
def test_success_data_cannot_drop_a_required_field(name: str) -> None:
    """Success data is dumped without None values, so a required field must never be null."""
    assert _required_but_nullable(mcp_tool(SPECS[name]).output_schema or {}) == []


def test_annotations_are_derived_from_the_effect() -> None:
    for spec in SPECS.values():
        hints = mcp_tool(spec).annotations
        assert hints is not None
        assert hints.read_only_hint is spec.read_only
        assert hints.destructive_hint is spec.destructive
        assert hints.idempotent_hint is spec.idempotent
        assert hints.open_world_hint is True


def test_prompts_use_canonical_types_and_real_create_arguments() -> None:
    create_fields = SPECS["kp_create_creation"].input_model.model_fields
    for guided in GUIDED:
        assert guided.content_type in CANONICAL
        assert guided.content_type not in LEGACY_TYPE_ALIASES
        assert guided.size_argument is None or guided.size_argument in create_fields


def test_every_tool_named_in_instructions_and_prompts_exists() -> None:
    texts = [INSTRUCTIONS, *(render(g, {"topic": "x", "language": "en"}) for g in GUIDED)]
    codes = {code.value for code in ErrorCode}
    named = {n for text in texts for n in re.findall(r"\bkp_[a-z_]+\b", text)} - codes
    assert named and named <= set(SPECS)
    assert not any(alias in text for alias in LEGACY_TYPE_ALIASES for text in texts)

"""``kp-tools describe``: exactly what each rendering shows a model, from the real adapters."""

from __future__ import annotations

import json
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from kp_tools import SPECS, Executor
from kp_tools.langchain import KPainterToolkit
from kp_tools.llamaindex import KPainterToolSpec
from kp_tools.mcp.tools import mcp_tool
from tests.cli.conftest import Cli


def described(cli: Cli, tool: str, target: str) -> dict[str, Any]:
    result = cli("describe", tool, "--target", target)
    assert result.exit_code == 0, result.output
    value: dict[str, Any] = json.loads(result.stdout)
    return value


@pytest.mark.parametrize("tool", list(SPECS))
def test_langchain_is_what_bind_tools_sends(cli: Cli, tool: str) -> None:
    toolkit = KPainterToolkit(Executor.for_sandbox())
    expected = convert_to_openai_tool(next(t for t in toolkit.get_tools() if t.name == tool))
    assert described(cli, tool, "langchain") == expected


@pytest.mark.parametrize("tool", list(SPECS))
def test_llamaindex_is_the_function_tool_metadata(cli: Cli, tool: str) -> None:
    (function_tool,) = KPainterToolSpec(Executor.for_sandbox()).to_tool_list([tool])
    assert described(cli, tool, "llamaindex") == function_tool.metadata.to_openai_tool()


def test_mcp_is_the_listed_tool_with_api_key_output_schema_and_annotations(cli: Cli) -> None:
    tool = described(cli, "kp_create_creation", "mcp")
    assert tool == mcp_tool(SPECS["kp_create_creation"]).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    assert tool["inputSchema"]["properties"]["api_key"]["type"] == "string"
    assert tool["outputSchema"]["properties"]["ok"]["type"] == "boolean"
    assert tool["annotations"]["readOnlyHint"] is False
    assert tool["annotations"]["idempotentHint"] is False


@pytest.mark.parametrize("tool", list(SPECS))
def test_openai_is_strict(cli: Cli, tool: str) -> None:
    definition = described(cli, tool, "openai")
    assert definition["type"] == "function"
    function = definition["function"]
    assert (function["name"], function["strict"]) == (tool, True)
    assert function["description"] == SPECS[tool].description
    parameters = function["parameters"]
    assert parameters["additionalProperties"] is False
    assert parameters["required"] == list(parameters["properties"])
    text = json.dumps(parameters)
    for keyword in ('"title"', '"default"', '"minLength"', '"maxLength"', '"$ref"'):
        assert keyword not in text
    jsonschema.Draft202012Validator.check_schema(parameters)


def test_openai_optional_arguments_take_null_and_the_executor_accepts_them_dropped(
    cli: Cli,
) -> None:
    parameters = described(cli, "kp_list_creations", "openai")["function"]["parameters"]
    model_call = {"page": None, "page_size": 3, "type": None, "status": "ready", "query": None}
    jsonschema.validate(model_call, parameters)  # what a strict model sends
    executor = Executor.for_sandbox(me_policy="off")
    outcome = executor.run_sync(
        "kp_list_creations",
        {k: v for k, v in model_call.items() if v is not None},
        api_key="kgp_sandbox_member",
    )
    assert outcome.ok, outcome.text()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"page_size": 3}, parameters)  # strict: every argument is sent


def test_without_a_tool_every_tool_is_listed(cli: Cli) -> None:
    result = cli("describe")
    assert result.exit_code == 0
    for name, spec in SPECS.items():
        assert name in result.output and spec.title in result.output


def test_an_unknown_tool_is_a_usage_error(cli: Cli) -> None:
    result = cli("describe", "kp_make_video")
    assert result.exit_code == 2
    assert "no tool 'kp_make_video'" in result.output


def test_a_missing_framework_says_which_extra_to_install(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "kp_tools.llamaindex", None)  # import fails as if absent
    result = cli("describe", "kp_me", "--target", "llamaindex")
    assert result.exit_code == 1
    assert "pip install 'kp-tools[llamaindex]'" in result.stderr

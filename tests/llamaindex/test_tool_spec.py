"""The tool spec's shape: one FunctionTool per spec, named, described and typed by the spec."""

from __future__ import annotations

import inspect

import pytest
from llama_index.core.tools import FunctionTool, ToolMetadata
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from kp_tools import SPECS, Executor, Sandbox
from kp_tools.llamaindex import KPainterToolSpec
from tests.conftest import MEMBER


def test_to_tool_list_returns_one_function_tool_per_spec_in_workflow_order() -> None:
    tool_spec = KPainterToolSpec.for_sandbox()

    tools = tool_spec.to_tool_list()

    assert isinstance(tool_spec, BaseToolSpec)
    assert all(isinstance(tool, FunctionTool) for tool in tools)
    assert [tool.metadata.name for tool in tools] == list(SPECS)


@pytest.mark.parametrize("name", list(SPECS))
def test_each_tool_takes_name_description_and_schema_from_its_spec(name: str) -> None:
    spec = SPECS[name]
    tool = KPainterToolSpec.for_sandbox().to_tool_list([name])[0]

    assert tool.metadata.description == spec.description
    assert tool.metadata.fn_schema is spec.input_model
    assert not [p for p in tool.metadata.get_parameters_dict()["properties"] if "key" in p]


def test_every_tool_has_a_sync_and_an_async_function() -> None:
    for tool in KPainterToolSpec.for_sandbox().to_tool_list():
        assert callable(tool.fn)
        assert inspect.iscoroutinefunction(tool.async_fn)


def test_spec_functions_pick_tools_by_name_and_unknown_names_are_refused() -> None:
    tool_spec = KPainterToolSpec.for_sandbox()

    assert [t.metadata.name for t in tool_spec.to_tool_list(["kp_me", "kp_health"])] == [
        "kp_me",
        "kp_health",
    ]
    with pytest.raises(ValueError, match="kp_nope"):
        tool_spec.to_tool_list(["kp_nope"])


def test_metadata_can_be_overridden_per_tool_as_in_any_tool_spec() -> None:
    metadata = ToolMetadata(name="kpainter_whoami", description="Who am I on KPainter?")

    tool = KPainterToolSpec.for_sandbox(api_key=MEMBER).to_tool_list(
        ["kp_me"], func_to_metadata_mapping={"kp_me": metadata}
    )[0]

    assert tool.metadata.name == "kpainter_whoami"
    assert tool.call().tool_name == "kpainter_whoami"
    assert not tool.call().is_error


def test_tool_spec_builds_its_executor_on_a_sandbox_it_is_given() -> None:
    sandbox = Sandbox()

    KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER).to_tool_list(["kp_me"])[0].call()

    assert sandbox.count("GET", "/me") == 1


def test_an_executor_and_options_to_build_one_are_refused_together(executor: Executor) -> None:
    with pytest.raises(ValueError, match="not both"):
        KPainterToolSpec(executor, me_policy="off")


def test_tool_spec_repr_shows_no_key() -> None:
    assert MEMBER not in repr(KPainterToolSpec.for_sandbox(api_key=MEMBER))

"""The toolkit's shape: one LangChain tool per spec, named, described and typed by the spec."""

from __future__ import annotations

import pytest
from langchain_core.tools import BaseTool, BaseToolkit
from langchain_core.utils.function_calling import convert_to_openai_tool

from kp_tools import SPECS, Executor, Sandbox
from kp_tools.langchain import KPainterTool, KPainterToolkit
from tests.conftest import MEMBER


def test_get_tools_returns_one_tool_per_spec_in_workflow_order() -> None:
    toolkit = KPainterToolkit.for_sandbox()

    tools = toolkit.get_tools()

    assert isinstance(toolkit, BaseToolkit)
    assert all(isinstance(tool, BaseTool) for tool in tools)
    assert [tool.name for tool in tools] == list(SPECS)


@pytest.mark.parametrize("name", list(SPECS))
def test_each_tool_takes_name_description_and_arguments_from_its_spec(name: str) -> None:
    spec = SPECS[name]
    tool = {t.name: t for t in KPainterToolkit.for_sandbox().get_tools()}[name]

    assert tool.description == spec.description
    assert tool.args_schema is spec.input_model
    assert tool.response_format == "content_and_artifact"


@pytest.mark.parametrize("name", list(SPECS))
def test_the_model_is_never_shown_a_key_argument(name: str) -> None:
    tool = {t.name: t for t in KPainterToolkit.for_sandbox().get_tools()}[name]

    parameters = convert_to_openai_tool(tool)["function"]["parameters"]

    assert not [p for p in parameters.get("properties", {}) if "key" in p.lower()]


async def test_tools_work_sync_and_async(executor: Executor) -> None:
    tool = {t.name: t for t in KPainterToolkit(executor, api_key=MEMBER).get_tools()}["kp_me"]

    assert '"ok":true' in tool.invoke({})
    assert '"ok":true' in await tool.ainvoke({})


def test_toolkit_builds_its_executor_on_a_sandbox_it_is_given() -> None:
    sandbox = Sandbox()
    toolkit = KPainterToolkit.for_sandbox(sandbox, api_key=MEMBER)

    toolkit.get_tools()[1].invoke({})

    assert sandbox.count("GET", "/me") == 1


def test_toolkit_builds_an_executor_for_kpainter_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KGP_BASE_URL", raising=False)
    toolkit = KPainterToolkit()

    assert toolkit.executor.client.base_url.startswith("https://api.kpainter.ai")


def test_an_executor_and_options_to_build_one_are_refused_together(executor: Executor) -> None:
    with pytest.raises(ValueError, match="not both"):
        KPainterToolkit(executor, sandbox=True)


def test_toolkit_and_tool_reprs_show_no_key() -> None:
    toolkit = KPainterToolkit.for_sandbox(api_key=MEMBER)
    tool = toolkit.get_tools()[0]

    assert MEMBER not in repr(toolkit)
    assert MEMBER not in repr(tool)
    assert isinstance(tool, KPainterTool)

"""What a LangChain tool call returns: the outcome's JSON, rendered the LangChain way."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from kp_tools import Executor, Sandbox
from kp_tools.langchain import KPainterToolError, KPainterToolkit, kp_config
from tests.conftest import MEMBER


def tool_call(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"call_{name}", "name": name, "args": args}


@pytest.fixture
def tools(executor: Executor) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in KPainterToolkit(executor, api_key=MEMBER).get_tools()}


async def test_success_is_a_tool_message_with_the_outcome_text_and_payload_artifact(
    tools: dict[str, BaseTool], executor: Executor
) -> None:
    message = await tools["kp_me"].ainvoke(tool_call("kp_me"))
    expected = await executor.run("kp_me", {}, api_key=MEMBER)

    assert isinstance(message, ToolMessage)
    assert message.status == "success"
    assert message.tool_call_id == "call_kp_me"
    assert message.text == expected.text()
    assert message.artifact == expected.payload()
    assert message.artifact["result"]["name"] == "Ada Member"


async def test_an_error_is_a_tool_message_with_status_error_and_keeps_the_artifact(
    tools: dict[str, BaseTool],
) -> None:
    message = await tools["kp_get_catalog"].ainvoke(tool_call("kp_get_catalog"))

    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert message.tool_call_id == "call_kp_get_catalog"
    assert message.name == "kp_get_catalog"
    assert json.loads(message.text)["error"]["code"] == "kp_me_required"
    assert message.artifact == json.loads(message.text)


def test_sync_errors_are_tool_messages_too(tools: dict[str, BaseTool]) -> None:
    message = tools["kp_get_catalog"].invoke(tool_call("kp_get_catalog"))

    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert message.artifact["error"]["code"] == "kp_me_required"


def test_called_without_a_tool_call_it_returns_the_json_text(tools: dict[str, BaseTool]) -> None:
    refused = tools["kp_get_catalog"].invoke({})
    ok = tools["kp_me"].invoke({})

    assert json.loads(ok)["ok"] is True
    assert json.loads(refused)["error"]["code"] == "kp_me_required"


def test_with_error_handling_off_an_error_raises_a_tool_exception(
    tools: dict[str, BaseTool],
) -> None:
    tool = tools["kp_get_catalog"]
    tool.handle_tool_error = False

    with pytest.raises(KPainterToolError) as raised:
        tool.invoke(tool_call("kp_get_catalog"))

    assert raised.value.outcome.code == "kp_me_required"


async def test_invalid_arguments_come_back_as_an_error_naming_the_field(
    tools: dict[str, BaseTool],
) -> None:
    await tools["kp_me"].ainvoke({})

    message = await tools["kp_get_job_status"].ainvoke(
        tool_call("kp_get_job_status", job_id="seven", colour="red")
    )

    assert message.status == "error"
    problems = {p["field"]: p for p in message.artifact["error"]["problems"]}
    assert set(problems) == {"job_id", "colour"}
    assert problems["colour"]["problem"] == "is not an argument of this tool"


async def test_a_key_the_model_invents_is_ignored_not_used(sandbox: Sandbox) -> None:
    tools = {t.name: t for t in KPainterToolkit.for_sandbox(sandbox).get_tools()}

    message = await tools["kp_me"].ainvoke(tool_call("kp_me", api_key=MEMBER))

    assert message.status == "error"
    assert message.artifact["error"]["code"] == "missing_api_key"
    assert MEMBER not in message.text
    assert sandbox.count() == 0


async def test_an_invented_key_does_not_replace_the_call_key(sandbox: Sandbox) -> None:
    tools = {t.name: t for t in KPainterToolkit.for_sandbox(sandbox).get_tools()}

    message = await tools["kp_get_catalog"].ainvoke(
        tool_call("kp_get_catalog", type="image", api_key="kgp_sandbox_free", apiKey="x"),
        config=kp_config(MEMBER),
    )

    # refused for MEMBER (kp_me not called yet); an invented key is neither used nor an error
    assert message.artifact["error"]["code"] == "kp_me_required"
    assert message.artifact["error"].get("problems") is None


async def test_sync_tools_work_inside_a_running_event_loop(tools: dict[str, BaseTool]) -> None:
    asyncio.get_running_loop()  # the situation in Jupyter

    message = tools["kp_me"].invoke(tool_call("kp_me"))

    assert message.status == "success"


async def test_a_string_input_fills_the_first_argument(tools: dict[str, BaseTool]) -> None:
    await tools["kp_me"].ainvoke({})

    catalog = json.loads(await tools["kp_get_catalog"].ainvoke("image"))

    assert [t["type"] for t in catalog["result"]["content_types"]] == ["image"]


async def test_an_unknown_argument_is_refused_as_over_mcp_not_dropped(sandbox: Sandbox) -> None:
    toolkit = KPainterToolkit(executor=Executor.for_sandbox(sandbox), api_key=MEMBER)
    tools = {tool.name: tool for tool in toolkit.get_tools()}
    await tools["kp_me"].ainvoke({})

    message = await tools["kp_list_creations"].ainvoke(
        {"type": "tool_call", "id": "1", "name": "kp_list_creations", "args": {"keywords": "cats"}}
    )

    assert message.status == "error"
    assert "keywords" in message.content and "invalid_arguments" in message.content

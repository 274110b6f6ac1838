"""Consent in LangChain: a LangGraph interrupt in a resumable graph, a callback elsewhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from kp_tools import Sandbox
from kp_tools.langchain import KPainterToolkit, kp_config
from kp_tools.spending import SpendRequest
from kp_tools.testing import Planner
from kp_tools.testing.langchain import ScriptedChatModel
from tests.conftest import MEMBER

ASK = "Make a slide video about tides."


def toolkit(sandbox: Sandbox, **options: Any) -> KPainterToolkit:
    return KPainterToolkit.for_sandbox(sandbox, confirm_above_credits=0, **options)


def agent(kit: KPainterToolkit, *, checkpointer: InMemorySaver | None = None) -> Any:
    model = ScriptedChatModel(planner=Planner(topic="Tides", prompt=None, rewrite=None))
    return create_agent(model, kit.get_tools(), checkpointer=checkpointer)


def create_results(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    return [
        json.loads(m.text)
        for m in messages
        if isinstance(m, ToolMessage) and m.name == "kp_create_creation"
    ]


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
@pytest.mark.parametrize("approved", [True, False], ids=["approved", "declined"])
async def test_a_graph_with_a_checkpointer_is_interrupted_and_resumed(
    sandbox: Sandbox, sync: bool, approved: bool
) -> None:
    graph = agent(toolkit(sandbox), checkpointer=InMemorySaver())
    config = kp_config(MEMBER, {"configurable": {"thread_id": f"tides-{sync}-{approved}"}})

    async def invoke(value: Any) -> dict[str, Any]:
        if sync:
            return graph.invoke(value, config)  # type: ignore[no-any-return]
        return await graph.ainvoke(value, config)  # type: ignore[no-any-return]

    paused = await invoke({"messages": [HumanMessage(ASK)]})

    (interrupt,) = paused["__interrupt__"]
    request = interrupt.value
    assert request["kind"] == "kp_spend_approval"
    assert request["tool"] == "kp_create_creation"
    assert request["cost"] == 20
    assert "20 credits" in request["question"] and "Tides" in request["question"]
    assert sandbox.count("POST", "/creations") == 0

    finished = await invoke(Command(resume={"approved": approved}))

    (created,) = create_results(finished["messages"])
    if approved:
        assert created["ok"] and created["result"]["job_id"]
        assert sandbox.count("POST", "/creations") == 1
    else:
        assert created["error"]["code"] == "declined_by_user"
        assert sandbox.count("POST", "/creations") == 0


@pytest.mark.parametrize(
    "answer", ["yes", {"approved": "true"}, {"approve": True}, {"approved": 1}, True]
)
async def test_a_resume_value_that_is_not_an_approval_declines(
    sandbox: Sandbox, answer: object
) -> None:
    graph = agent(toolkit(sandbox), checkpointer=InMemorySaver())
    config = kp_config(MEMBER, {"configurable": {"thread_id": "t"}})
    await graph.ainvoke({"messages": [HumanMessage(ASK)]}, config)

    finished = await graph.ainvoke(Command(resume=answer), config)

    (created,) = create_results(finished["messages"])
    assert created["error"]["code"] == "declined_by_user"
    assert sandbox.count("POST", "/creations") == 0


async def test_outside_a_graph_the_toolkits_approver_is_asked(sandbox: Sandbox) -> None:
    asked: list[SpendRequest] = []

    async def approve(request: SpendRequest) -> bool:
        asked.append(request)
        return True

    tools = {tool.name: tool for tool in toolkit(sandbox, approver=approve).get_tools()}
    config = kp_config(MEMBER)
    await tools["kp_me"].ainvoke({}, config)
    text = await tools["kp_create_creation"].ainvoke(
        {"type": "slides_video", "prompt": "Tides", "scene_count": 4}, config
    )
    assert json.loads(text)["ok"]
    assert [r.tool for r in asked] == ["kp_create_creation"]
    assert sandbox.count("POST", "/creations") == 1


async def test_a_graph_without_a_checkpointer_and_no_approver_cannot_ask(
    sandbox: Sandbox,
) -> None:
    graph = agent(toolkit(sandbox))  # an interrupt here could never be resumed
    result = await graph.ainvoke({"messages": [HumanMessage(ASK)]}, kp_config(MEMBER))
    (created,) = create_results(result["messages"])
    assert created["error"]["code"] == "confirmation_unavailable"
    assert sandbox.count("POST", "/creations") == 0


async def test_the_model_cannot_approve_with_an_argument(sandbox: Sandbox) -> None:
    tools = {tool.name: tool for tool in toolkit(sandbox).get_tools()}
    config = kp_config(MEMBER)
    await tools["kp_me"].ainvoke({}, config)
    call = {
        "name": "kp_create_creation",
        "args": {"type": "slides_video", "prompt": "Tides", "approved": True, "approve": True},
        "id": "call_1",
        "type": "tool_call",
    }
    message = await tools["kp_create_creation"].ainvoke(call, config)
    assert json.loads(message.text)["error"]["code"] == "invalid_arguments"
    assert sandbox.count("POST", "/creations") == 0

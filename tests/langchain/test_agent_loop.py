"""Whole agent loops on the sandbox: a scripted model, the KPainter tools, four loop runners.

The runners are a hand-written loop (async, and sync inside a running event loop) and
langchain's prebuilt ``create_agent`` (async and sync). The key travels per call in the config.
"""

from __future__ import annotations

import json

import pytest

from kp_tools import Sandbox
from kp_tools.langchain import KPainterToolkit, kp_config
from tests.agent_scripts import (
    create_before_kp_me,
    documented_workflow,
    obedient_creator,
    stubborn_creator,
)
from tests.conftest import BROKE, MEMBER
from tests.langchain.agents import RUNNERS, AgentRunner, ScriptedChatModel, tool_messages


@pytest.fixture(params=list(RUNNERS))
def run_agent(request: pytest.FixtureRequest) -> AgentRunner:
    return RUNNERS[request.param]


async def test_documented_workflow_ends_in_a_finished_creation(
    sandbox: Sandbox, run_agent: AgentRunner
) -> None:
    toolkit = KPainterToolkit.for_sandbox(sandbox)
    model = ScriptedChatModel(documented_workflow())

    messages = await run_agent(model, toolkit.get_tools(), kp_config(MEMBER))

    assert [m.name for m in tool_messages(messages)] == [
        "kp_me",
        "kp_get_catalog",
        "kp_create_creation",
        "kp_get_job_status",
        "kp_get_creation",
    ]
    assert all(m.status == "success" for m in tool_messages(messages))
    assert messages[-1].text.startswith("Your video is ready: http")
    assert sandbox.count("POST", "/creations") == 1
    creation = tool_messages(messages, "kp_get_creation")[0].artifact
    assert creation["result"]["status"] == "ready"
    assert len(creation["result"]["scenes"]) == 3


async def test_create_before_kp_me_is_refused_then_agent_recovers(
    sandbox: Sandbox, run_agent: AgentRunner
) -> None:
    toolkit = KPainterToolkit.for_sandbox(sandbox)
    model = ScriptedChatModel(create_before_kp_me())

    messages = await run_agent(model, toolkit.get_tools(), kp_config(MEMBER))

    refused, *_ = tool_messages(messages)
    assert refused.name == "kp_create_creation"
    assert refused.status == "error"
    assert json.loads(refused.text)["error"]["code"] == "kp_me_required"
    assert refused.artifact["error"]["code"] == "kp_me_required"
    assert messages[-1].text.startswith("Your video is ready")
    assert sandbox.count("POST", "/creations") == 1  # the refused one never left the process
    assert sandbox.requests[0].path == "/me"


async def test_broke_account_is_told_to_stop_after_kp_me(
    sandbox: Sandbox, run_agent: AgentRunner
) -> None:
    toolkit = KPainterToolkit.for_sandbox(sandbox)
    model = ScriptedChatModel(obedient_creator())

    messages = await run_agent(model, toolkit.get_tools(), kp_config(BROKE))

    assert [m.name for m in tool_messages(messages)] == ["kp_me"]
    assert "no credits" in messages[-1].text
    assert sandbox.count("POST", "/creations") == 0


async def test_agent_that_ignores_stop_gets_refused_without_reaching_kpainter(
    sandbox: Sandbox, run_agent: AgentRunner
) -> None:
    toolkit = KPainterToolkit.for_sandbox(sandbox)
    model = ScriptedChatModel(stubborn_creator(attempts=3))

    messages = await run_agent(model, toolkit.get_tools(), kp_config(BROKE))

    creates = tool_messages(messages, "kp_create_creation")
    assert len(creates) == 3
    for refused in creates:
        assert refused.status == "error"
        error = refused.artifact["error"]
        assert (error["code"], error["must_stop"]) == ("insufficient_credits", True)
    assert sandbox.count("POST", "/creations") == 0
    assert messages[-1].text.startswith("Stopped: ")


async def test_after_a_402_no_further_create_reaches_kpainter(
    sandbox: Sandbox, run_agent: AgentRunner
) -> None:
    # Without the kp_me gate the first create does reach KPainter and gets 402 Payment Required.
    toolkit = KPainterToolkit.for_sandbox(sandbox, me_policy="off")
    model = ScriptedChatModel(stubborn_creator(attempts=3, verify=False))

    messages = await run_agent(model, toolkit.get_tools(), kp_config(BROKE))

    creates = tool_messages(messages, "kp_create_creation")
    assert [m.artifact["error"]["code"] for m in creates] == ["insufficient_credits"] * 3
    assert all(m.artifact["error"]["must_stop"] for m in creates)
    assert sandbox.count("POST", "/creations") == 1

"""Whole FunctionAgent loops on the sandbox, with a scripted MockFunctionCallingLLM."""

from __future__ import annotations

import json

from kp_tools import Sandbox
from kp_tools.llamaindex import KPainterToolSpec
from tests.agent_scripts import (
    create_before_kp_me,
    documented_workflow,
    obedient_creator,
    stubborn_creator,
)
from tests.conftest import BROKE, MEMBER
from tests.llamaindex.agents import QUIET_WORKFLOWS, run_function_agent

pytestmark = QUIET_WORKFLOWS


async def test_documented_workflow_ends_in_a_finished_creation(sandbox: Sandbox) -> None:
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER).to_tool_list()

    run = await run_function_agent(tools, documented_workflow())

    assert [o.tool_name for o in run.outputs] == [
        "kp_me",
        "kp_get_catalog",
        "kp_create_creation",
        "kp_get_job_status",
        "kp_get_creation",
    ]
    assert not [o for o in run.outputs if o.is_error]
    assert run.answer.startswith("Your video is ready: http")
    creation = run.named("kp_get_creation")[0].raw_output
    assert creation["result"]["status"] == "ready"
    assert sandbox.count("POST", "/creations") == 1


async def test_create_before_kp_me_is_refused_then_agent_recovers(sandbox: Sandbox) -> None:
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER).to_tool_list()

    run = await run_function_agent(tools, create_before_kp_me())

    refused = run.outputs[0]
    assert refused.tool_name == "kp_create_creation"
    assert refused.is_error
    assert json.loads(refused.content)["error"]["code"] == "kp_me_required"
    assert run.answer.startswith("Your video is ready")
    assert sandbox.count("POST", "/creations") == 1
    assert sandbox.requests[0].path == "/me"


async def test_broke_account_is_told_to_stop_after_kp_me(sandbox: Sandbox) -> None:
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=BROKE).to_tool_list()

    run = await run_function_agent(tools, obedient_creator())

    assert [o.tool_name for o in run.outputs] == ["kp_me"]
    assert "no credits" in run.answer
    assert sandbox.count("POST", "/creations") == 0


async def test_agent_that_ignores_stop_gets_refused_without_reaching_kpainter(
    sandbox: Sandbox,
) -> None:
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=BROKE).to_tool_list()

    run = await run_function_agent(tools, stubborn_creator(attempts=3))

    creates = run.named("kp_create_creation")
    assert len(creates) == 3
    for refused in creates:
        assert refused.is_error
        error = refused.raw_output["error"]
        assert (error["code"], error["must_stop"]) == ("insufficient_credits", True)
    assert sandbox.count("POST", "/creations") == 0
    assert run.answer.startswith("Stopped: ")


async def test_after_a_402_no_further_create_reaches_kpainter(sandbox: Sandbox) -> None:
    spec = KPainterToolSpec.for_sandbox(sandbox, api_key=BROKE, me_policy="off")

    run = await run_function_agent(spec.to_tool_list(), stubborn_creator(3, verify=False))

    creates = run.named("kp_create_creation")
    assert [o.raw_output["error"]["code"] for o in creates] == ["insufficient_credits"] * 3
    assert sandbox.count("POST", "/creations") == 1

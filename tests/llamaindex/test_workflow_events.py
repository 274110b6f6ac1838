"""Inside a FunctionAgent run: consent by InputRequiredEvent/HumanResponseEvent, job progress."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.workflow import HumanResponseEvent

from kp_tools import Sandbox
from kp_tools.llamaindex import JobProgress, KPainterToolSpec, SpendApprovalRequired
from kp_tools.spending import SpendRequest
from kp_tools.testing import Planner
from kp_tools.testing.llamaindex import scripted_llm
from tests.conftest import MEMBER
from tests.llamaindex.agents import QUIET_WORKFLOWS

pytestmark = [QUIET_WORKFLOWS]


async def run_agent(
    spec: KPainterToolSpec, answer: str | None
) -> tuple[list[Any], dict[str, list[dict[str, Any]]]]:
    """Run a FunctionAgent; a scripted human answers every approval request with ``answer``."""
    planner = Planner(topic="Tides", prompt=None, rewrite=None)
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=scripted_llm(planner), timeout=60)
    handler = agent.run(user_msg=planner.request())
    events: list[Any] = []
    results: dict[str, list[dict[str, Any]]] = {}
    async for event in handler.stream_events():
        events.append(event)
        if isinstance(event, SpendApprovalRequired) and answer is not None:
            handler.ctx.send_event(HumanResponseEvent(response=answer))  # type: ignore[union-attr]
        if isinstance(event, ToolCallResult):
            results.setdefault(event.tool_name, []).append(json.loads(event.tool_output.content))
    await handler
    return events, results


@pytest.mark.parametrize(("answer", "approved"), [("yes", True), ("no", False), ("YES ", True)])
async def test_the_agent_run_asks_through_its_event_stream(
    sandbox: Sandbox, answer: str, approved: bool
) -> None:
    spec = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER, confirm_above_credits=0)

    events, results = await run_agent(spec, answer)

    (asked,) = [e for e in events if isinstance(e, SpendApprovalRequired)]
    assert asked.kind == "kp_spend_approval" and asked.tool == "kp_create_creation"
    assert asked.cost == 20 and "20 credits" in asked.prefix and "Tides" in asked.prefix
    (created,) = results["kp_create_creation"]
    if approved:
        assert created["ok"]
        assert sandbox.count("POST", "/creations") == 1
    else:
        assert created["error"]["code"] == "declined_by_user"
        assert sandbox.count("POST", "/creations") == 0


@pytest.mark.parametrize("answer", ["", "sure", "y", "approve"])
async def test_any_answer_but_yes_declines(sandbox: Sandbox, answer: str) -> None:
    spec = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER, confirm_above_credits=0)
    _, results = await run_agent(spec, answer)
    assert results["kp_create_creation"][0]["error"]["code"] == "declined_by_user"
    assert sandbox.count("POST", "/creations") == 0


async def test_a_job_wait_writes_progress_to_the_run_stream(sandbox: Sandbox) -> None:
    spec = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER)
    events, results = await run_agent(spec, None)
    progress = [e for e in events if isinstance(e, JobProgress)]
    assert progress, "no progress event reached the stream"
    assert {e.tool for e in progress} == {"kp_get_job_status"}
    assert progress[-1].progress == 100.0 and "succeeded" in (progress[-1].message or "")
    assert results["kp_get_job_status"][-1]["result"]["done"] is True


async def test_outside_a_workflow_the_tool_specs_approver_is_asked(sandbox: Sandbox) -> None:
    asked: list[SpendRequest] = []

    def approve(request: SpendRequest) -> bool:
        asked.append(request)
        return True

    spec = KPainterToolSpec.for_sandbox(
        sandbox, api_key=MEMBER, approver=approve, confirm_above_credits=0
    )
    tools = {tool.metadata.name: tool for tool in spec.to_tool_list()}
    await tools["kp_me"].acall()
    output = await tools["kp_create_creation"].acall(
        type="slides_video", prompt="Tides", scene_count=5
    )
    assert not output.is_error
    assert [r.tool for r in asked] == ["kp_create_creation"]
    assert sandbox.count("POST", "/creations") == 1


async def test_outside_a_workflow_without_an_approver_consent_is_unavailable(
    sandbox: Sandbox,
) -> None:
    spec = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER, confirm_above_credits=0)
    tools = {tool.metadata.name: tool for tool in spec.to_tool_list()}
    tools["kp_me"].call()
    output = tools["kp_create_creation"].call(type="slides_video", prompt="Tides", scene_count=5)
    assert output.is_error
    assert json.loads(output.content)["error"]["code"] == "confirmation_unavailable"

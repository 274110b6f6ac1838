"""What a LlamaIndex tool call returns: a ToolOutput carrying the outcome, JSON not repr."""

from __future__ import annotations

import asyncio
import contextvars
import json

import pytest
from llama_index.core.tools import FunctionTool
from llama_index.core.tools.calling import acall_tool

from kp_tools import Executor, Outcome, Sandbox
from kp_tools.llamaindex import KPainterToolSpec
from tests.agent_scripts import obedient_creator
from tests.conftest import FREE, MEMBER
from tests.llamaindex.agents import QUIET_WORKFLOWS, run_function_agent

pytestmark = QUIET_WORKFLOWS


@pytest.fixture
def tools(executor: Executor) -> dict[str, FunctionTool]:
    tools = KPainterToolSpec(executor, api_key=MEMBER).to_tool_list()
    return {tool.metadata.name: tool for tool in tools}


async def test_content_is_the_outcome_json_and_raw_output_its_payload(
    tools: dict[str, FunctionTool], executor: Executor
) -> None:
    output = await tools["kp_me"].acall()
    expected = await executor.run("kp_me", {}, api_key=MEMBER)

    assert output.content == expected.text()
    assert output.raw_output == expected.payload()
    assert output.raw_output["result"]["name"] == "Ada Member"
    assert not output.is_error


def test_errors_set_is_error_and_keep_the_structured_data(
    tools: dict[str, FunctionTool],
) -> None:
    output = tools["kp_get_catalog"].call()

    assert output.is_error
    assert json.loads(output.content)["error"]["code"] == "kp_me_required"
    assert output.raw_output == json.loads(output.content)


async def test_arguments_are_validated_against_the_spec(tools: dict[str, FunctionTool]) -> None:
    await tools["kp_me"].acall()

    output = await tools["kp_get_job_status"].acall(job_id="seven", wait_second=3)

    assert output.is_error
    problems = {p["field"] for p in output.raw_output["error"]["problems"]}
    assert problems == {"job_id", "wait_second"}


async def test_spec_defaults_apply_when_the_model_leaves_arguments_out(
    tools: dict[str, FunctionTool],
) -> None:
    await tools["kp_me"].acall()

    output = await tools["kp_list_creations"].acall(page_size=5)

    assert not output.is_error
    assert (output.raw_output["result"]["page"], output.raw_output["result"]["page_size"]) == (
        1,
        5,
    )


async def test_a_key_the_model_invents_is_ignored_and_never_in_raw_input(
    sandbox: Sandbox,
) -> None:
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=MEMBER).to_tool_list()
    kp_me = {tool.metadata.name: tool for tool in tools}["kp_me"]

    output = await kp_me.acall(api_key=FREE)

    assert output.raw_output["result"]["name"] == "Ada Member"
    assert output.raw_input == {"args": (), "kwargs": {}}
    assert FREE not in repr(output)


async def test_no_key_in_raw_input_of_a_call_with_arguments(
    tools: dict[str, FunctionTool],
) -> None:
    await tools["kp_me"].acall()

    output = await tools["kp_get_catalog"].acall(type="image", api_key="kgp_made_up_by_model")

    assert output.raw_input == {"args": (), "kwargs": {"type": "image"}}
    assert MEMBER not in repr(output.model_dump())


async def test_sync_call_works_inside_a_running_event_loop(
    tools: dict[str, FunctionTool],
) -> None:
    asyncio.get_running_loop()  # the situation in Jupyter

    assert not tools["kp_me"].call().is_error


async def test_llama_index_call_helpers_see_the_error(tools: dict[str, FunctionTool]) -> None:
    output = await acall_tool(tools["kp_get_catalog"], {})

    assert output.is_error
    assert output.content.startswith('{"ok":false')


def test_fn_returns_the_outcome(tools: dict[str, FunctionTool]) -> None:
    outcome = tools["kp_health"].fn()

    assert isinstance(outcome, Outcome)
    assert outcome.ok


async def test_a_key_function_gives_each_concurrent_user_their_own_key(
    sandbox: Sandbox,
) -> None:
    user_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("key", default=None)
    tools = KPainterToolSpec.for_sandbox(sandbox, api_key=user_key.get).to_tool_list()

    async def serve(key: str) -> str:
        user_key.set(key)  # e.g. in your web request handler
        return (await run_function_agent(tools, obedient_creator())).answer

    member, free = await asyncio.gather(serve(MEMBER), serve(FREE))

    assert member.startswith("Started job")
    assert free.startswith("Started job")
    assert {r.key_prefix for r in sandbox.requests if r.path == "/creations"} == {
        MEMBER[:8],
        FREE[:8],
    }

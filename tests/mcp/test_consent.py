"""Consent before spending over MCP: form-mode elicitation with a real mcp client.

Both revisions: ``auto`` lands on 2026-07-28 (the question comes back as an
``InputRequiredResult`` and the client retries with the answer and the sealed state), ``legacy``
on 2025-11-25 (the server sends ``elicitation/create`` mid-call). A scripted person answers. What
is asserted is what the user gets: one POST after an approval, none otherwise, and a typed
error the model can read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
from mcp import MCPError
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    ErrorData,
    InputRequiredResult,
    Request,
)
from pydantic import BaseModel, ConfigDict, Field

from kp_tools import Executor, Sandbox
from kp_tools.mcp import build_server
from kp_tools.mcp.consent import (
    CONSENT_INPUT_KEY,
    ConsentRequired,
    answered_approver,
    is_approval,
    suspend_for_consent,
)
from kp_tools.spending.consent import SpendRequest
from tests.conftest import FREE, MEMBER
from tests.mcp.conftest import error_code, payload
from tests.mcp.scripted_human import APPROVE, CANCEL, DECLINE, ScriptedHuman, answer_consent
from tests.processes import KP_MCP, child_env

SLIDES = {
    "type": "slides_video",
    "prompt": "How vaccines train the immune system",
    "scene_count": 3,
    "api_key": MEMBER,
}
POSTS = ("POST", "/creations")


@pytest.fixture
async def asking(sandbox: Sandbox) -> AsyncIterator[Executor]:
    """An executor that asks before every paid request (``confirm_above_credits=0``)."""
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=0)
    yield executor
    await executor.aclose()


async def create(client: Client) -> CallToolResult:
    await client.call_tool("kp_me", {"api_key": MEMBER})
    return await client.call_tool("kp_create_creation", SLIDES)


# -- the person decides ----------------------------------------------------------------------


async def test_an_approved_create_is_sent_once(
    asking: Executor, sandbox: Sandbox, mode: str
) -> None:
    human = ScriptedHuman(APPROVE)
    async with Client(build_server(asking), mode=mode, elicitation_callback=human) as client:
        result = await create(client)
    assert payload(result)["ok"] is True
    assert sandbox.count(*POSTS) == 1
    (form,) = human.asked
    assert isinstance(form, ElicitRequestFormParams)
    assert "How vaccines train the immune system" in form.message
    assert "credits" in form.message and MEMBER not in form.message
    assert list(form.requested_schema["properties"]) == ["approve"]
    assert form.requested_schema["properties"]["approve"]["type"] == "boolean"
    assert form.requested_schema["required"] == ["approve"]


@pytest.mark.parametrize(
    "answer",
    [
        DECLINE,
        CANCEL,
        ElicitResult(action="accept", content={"approve": False}),
        ElicitResult(action="accept"),  # accepted, but no content
        ElicitResult(action="accept", content={"approve": "true"}),
        ElicitResult(action="accept", content={"approve": 1}),
        ElicitResult(action="accept", content={"approve": True, "budget": "any"}),
        ElicitResult(action="accept", content={"ok": True}),
    ],
    ids=["decline", "cancel", "false", "no-content", "string", "one", "extra", "other-field"],
)
async def test_anything_but_an_approval_sends_nothing(
    asking: Executor, sandbox: Sandbox, mode: str, answer: ElicitResult
) -> None:
    human = ScriptedHuman(answer)
    async with Client(build_server(asking), mode=mode, elicitation_callback=human) as client:
        result = await create(client)
        assert error_code(result) == "declined_by_user"
        assert payload(result)["error"]["must_stop"] is True
        assert sandbox.count(*POSTS) == 0
        # the server keeps serving the same client
        assert payload(await client.call_tool("kp_me", {"api_key": MEMBER}))["ok"] is True
    assert len(human.asked) == 1


async def test_a_client_that_answers_the_question_with_an_error_sends_nothing(
    asking: Executor, sandbox: Sandbox
) -> None:
    """2025-11-25: the failed elicitation is a decline (on 2026-07-28 the client itself gives up
    before retrying; see the next test)."""
    human = ScriptedHuman(ErrorData(code=-1, message="the host could not show the form"))
    async with Client(build_server(asking), mode="legacy", elicitation_callback=human) as client:
        result = await create(client)
    assert error_code(result) == "declined_by_user"
    assert sandbox.count(*POSTS) == 0


async def test_a_2026_client_whose_form_fails_never_retries_and_nothing_is_sent(
    asking: Executor, sandbox: Sandbox
) -> None:
    human = ScriptedHuman(ErrorData(code=-1, message="the host could not show the form"))
    async with Client(build_server(asking), mode="auto", elicitation_callback=human) as client:
        with pytest.raises(MCPError):
            await create(client)
        assert payload(await client.call_tool("kp_me", {"api_key": MEMBER}))["ok"] is True
    assert sandbox.count(*POSTS) == 0


async def test_a_client_without_elicitation_is_refused_with_confirmation_unavailable(
    asking: Executor, sandbox: Sandbox, mode: str
) -> None:
    async with Client(build_server(asking), mode=mode) as client:
        result = await create(client)
    assert error_code(result) == "confirmation_unavailable"
    assert sandbox.count(*POSTS) == 0


async def test_nothing_is_asked_when_no_consent_is_configured(
    executor: Executor, sandbox: Sandbox, mode: str
) -> None:
    human = ScriptedHuman()
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        result = await create(client)
    assert payload(result)["ok"] is True
    assert human.asked == []
    assert sandbox.count(*POSTS) == 1


async def test_reads_never_ask(asking: Executor, sandbox: Sandbox, mode: str) -> None:
    human = ScriptedHuman()
    async with Client(build_server(asking), mode=mode, elicitation_callback=human) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        assert payload(await client.call_tool("kp_get_catalog", {"api_key": MEMBER}))["ok"]
        assert payload(await client.call_tool("kp_list_creations", {"api_key": MEMBER}))["ok"]
    assert human.asked == []


# -- 2026-07-28: the request state -----------------------------------------------------------


def driving(executor: Executor) -> Client:
    """A 2026-07-28 client that declares elicitation; the test drives the rounds itself."""
    return Client(build_server(executor), mode="auto", elicitation_callback=ScriptedHuman())


async def first_round(client: Client) -> InputRequiredResult:
    await client.call_tool("kp_me", {"api_key": MEMBER})
    result = await client.session.call_tool("kp_create_creation", SLIDES, allow_input_required=True)
    assert isinstance(result, InputRequiredResult)
    return result


async def test_the_question_is_one_form_and_the_state_is_opaque(
    asking: Executor, sandbox: Sandbox
) -> None:
    async with driving(asking) as client:
        asked = await first_round(client)
    assert sandbox.count(*POSTS) == 0
    assert list(asked.input_requests or {}) == [CONSENT_INPUT_KEY]
    request = (asked.input_requests or {})[CONSENT_INPUT_KEY]
    assert isinstance(request, ElicitRequest)
    assert isinstance(request.params, ElicitRequestFormParams)
    state = asked.request_state
    assert state is not None and state.startswith("v1.")  # the SDK's AES-GCM token
    for plain in ("kp_create_creation", "consent", "nonce", "expires", MEMBER):
        assert plain not in state


async def test_a_replayed_approval_is_refused_and_spends_nothing_more(
    asking: Executor, sandbox: Sandbox
) -> None:
    async with driving(asking) as client:
        asked = await first_round(client)
        assert payload(await answer_consent(client, SLIDES, asked.request_state))["ok"] is True
        assert sandbox.count(*POSTS) == 1
        with pytest.raises(MCPError) as refused:
            await answer_consent(client, SLIDES, asked.request_state)
        assert refused.value.code == INVALID_PARAMS
        assert payload(await client.call_tool("kp_me", {"api_key": MEMBER}))["ok"] is True
    assert sandbox.count(*POSTS) == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda state: "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        lambda state: state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB"),
        lambda state: (
            '{"kind":"consent","tool":"kp_create_creation","key":null,'
            '"expires":9999999999,"nonce":"n"}'
        ),
        lambda state: "",
    ],
    ids=["made-up", "tampered", "plain-claims", "empty"],
)
async def test_a_forged_state_is_refused_before_anything_runs(
    asking: Executor, sandbox: Sandbox, forge: Any
) -> None:
    async with driving(asking) as client:
        asked = await first_round(client)
        with pytest.raises(MCPError) as refused:
            await answer_consent(client, SLIDES, forge(asked.request_state))
        assert refused.value.code == INVALID_PARAMS
        # the genuine state still works afterwards: the forgery consumed nothing
        assert payload(await answer_consent(client, SLIDES, asked.request_state))["ok"] is True
    assert sandbox.count(*POSTS) == 1


async def test_an_approval_carried_to_other_arguments_is_refused(
    asking: Executor, sandbox: Sandbox
) -> None:
    async with driving(asking) as client:
        asked = await first_round(client)
        for changed in ({**SLIDES, "scene_count": 9}, {**SLIDES, "api_key": FREE}):
            with pytest.raises(MCPError) as refused:
                await answer_consent(client, changed, asked.request_state)
            assert refused.value.code == INVALID_PARAMS
    assert sandbox.count(*POSTS) == 0


async def test_an_answer_without_the_state_is_not_an_approval(
    asking: Executor, sandbox: Sandbox
) -> None:
    """A client cannot skip the question: answers sent with no state ask it anew."""
    async with driving(asking) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        result = await client.session.call_tool(
            "kp_create_creation",
            SLIDES,
            input_responses={CONSENT_INPUT_KEY: APPROVE},
            allow_input_required=True,
        )
    assert isinstance(result, InputRequiredResult)
    assert sandbox.count(*POSTS) == 0


class RawToolCall(Request[dict[str, Any], Literal["tools/call"]]):
    """A ``tools/call`` whose params go out as written: what a buggy or hostile client sends."""

    method: Literal["tools/call"] = "tools/call"


class RawResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    request_state: str | None = Field(None, alias="requestState")


async def raw_call(client: Client, params: dict[str, Any]) -> RawResult:
    return await client.session.send_request(RawToolCall(params=params), RawResult)


@pytest.mark.parametrize(
    "answer",
    [{"action": "maybe"}, "yes", {"action": "accept", "content": {"approve": {"a": 1}}}, None],
    ids=["unknown-action", "a-string", "nested-content", "null"],
)
async def test_an_answer_of_the_wrong_shape_on_the_wire_is_a_protocol_error(
    asking: Executor, sandbox: Sandbox, answer: object
) -> None:
    async with driving(asking) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        asked = await raw_call(client, {"name": "kp_create_creation", "arguments": SLIDES})
        state = asked.request_state
        bad = {CONSENT_INPUT_KEY: answer}
        with pytest.raises(MCPError) as refused:
            await raw_call(
                client,
                {
                    "name": "kp_create_creation",
                    "arguments": SLIDES,
                    "inputResponses": bad,
                    "requestState": state,
                },
            )
        assert refused.value.code == INVALID_PARAMS
        assert sandbox.count(*POSTS) == 0
        # the server keeps serving
        assert payload(await answer_consent(client, SLIDES, state))["ok"] is True
    assert sandbox.count(*POSTS) == 1


# -- the approver pieces ---------------------------------------------------------------------


def spend(fingerprint: str = "f1") -> SpendRequest:
    return SpendRequest(
        tool="kp_create_creation",
        title="Create content",
        summary="a slides_video",
        cost=30,
        credits_left=1000,
        budget_left=None,
        fingerprint=fingerprint,
    )


def test_only_accept_with_approve_true_is_an_approval() -> None:
    assert is_approval(APPROVE)
    for answer in (DECLINE, CANCEL, None, {"action": "accept", "content": {"approve": True}}):
        assert not is_approval(answer)


def test_an_answer_approves_once_and_only_the_request_it_was_given_for() -> None:
    approve = answered_approver("f1", APPROVE)
    assert approve(spend("f2")) is False
    assert approve(spend("f1")) is True
    assert approve(spend("f1")) is False
    assert answered_approver("f1", DECLINE)(spend("f1")) is False


def test_the_2026_approver_suspends_the_call_with_the_request() -> None:
    request = spend()
    with pytest.raises(ConsentRequired) as paused:
        suspend_for_consent(request)
    assert paused.value.request is request


# -- kp-mcp itself, over stdio ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "answer", "made"),
    [("auto", APPROVE, 1), ("auto", DECLINE, 0), ("legacy", APPROVE, 1), ("legacy", CANCEL, 0)],
    ids=["2026-yes", "2026-no", "2025-yes", "2025-cancel"],
)
async def test_kp_mcp_asks_before_spending_when_the_operator_set_a_threshold(
    mode: str, answer: ElicitResult, made: int
) -> None:
    """``KP_CONFIRM_ABOVE_CREDITS=0`` in the server's environment, a host that can ask."""
    env = child_env(KP_CONFIRM_ABOVE_CREDITS="0")
    server = StdioServerParameters(command=str(KP_MCP), args=["--sandbox"], env=env)
    human = ScriptedHuman(answer)
    async with Client(server, mode=mode, elicitation_callback=human) as client:
        await client.call_tool("kp_me", {})
        without_key = {name: value for name, value in SLIDES.items() if name != "api_key"}
        result = await client.call_tool("kp_create_creation", without_key)
        listed = payload(await client.call_tool("kp_list_creations", {}))
    assert len(human.forms) == 1 and "credits" in human.forms[0].message
    assert result.is_error is (made == 0)
    assert listed["result"]["total"] == made

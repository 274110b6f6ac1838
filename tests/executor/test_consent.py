"""Consent before spending, at the executor: the approver decides, nothing else can."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.spending import SpendRequest
from tests.conftest import MEMBER

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 5}


class SuspendedError(Exception):
    """What a rendering raises to suspend a call until the user answers (like a LangGraph
    interrupt)."""


@pytest.fixture
async def asking(sandbox: Sandbox) -> AsyncIterator[Executor]:
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=0)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    yield executor
    await executor.aclose()


async def test_an_approved_create_is_sent_once(asking: Executor, sandbox: Sandbox) -> None:
    asked: list[SpendRequest] = []

    def approve(request: SpendRequest) -> bool:
        asked.append(request)
        return True

    outcome = await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=approve)

    assert outcome.ok, outcome
    assert sandbox.count("POST", "/creations") == 1
    (request,) = asked
    assert request.cost == 20 and request.tool == "kp_create_creation"
    assert "20 credits" in request.question and "Plate tectonics" in request.question
    assert "1000 credits" in request.question  # what the account had at kp_me


async def test_an_async_approver_is_awaited(asking: Executor, sandbox: Sandbox) -> None:
    async def approve(request: SpendRequest) -> bool:
        return True

    outcome = await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=approve)
    assert outcome.ok and sandbox.count("POST", "/creations") == 1


@pytest.mark.parametrize("answer", [False, None, "yes", 1, {"approved": True}])
async def test_anything_but_true_declines_and_sends_nothing(
    asking: Executor, sandbox: Sandbox, answer: object
) -> None:
    outcome = await asking.run(
        "kp_create_creation",
        VIDEO,
        api_key=MEMBER,
        approver=lambda request: answer,  # type: ignore[arg-type, return-value]
    )
    assert outcome.code is ErrorCode.DECLINED_BY_USER
    assert outcome.error is not None and outcome.error.must_stop
    assert sandbox.count("POST", "/creations") == 0


async def test_consent_asked_for_with_no_way_to_ask_is_refused(
    asking: Executor, sandbox: Sandbox
) -> None:
    outcome = await asking.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.CONFIRMATION_UNAVAILABLE
    assert sandbox.count("POST", "/creations") == 0


async def test_below_the_threshold_nobody_is_asked(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=21)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)  # costs 20
    assert outcome.ok and sandbox.count("POST", "/creations") == 1


async def test_the_executors_own_approver_answers_when_the_call_brings_none(
    sandbox: Sandbox,
) -> None:
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=0, approver=lambda r: False)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.DECLINED_BY_USER


async def test_an_approver_that_suspends_the_call_propagates_unchanged_and_holds_nothing(
    asking: Executor, sandbox: Sandbox
) -> None:
    raised = SuspendedError("waiting for the user")

    def suspend(request: SpendRequest) -> bool:
        raise raised

    with pytest.raises(SuspendedError) as caught:
        await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=suspend)
    assert caught.value is raised
    assert sandbox.count("POST", "/creations") == 0

    # Resumed with the answer: the same request is not held as in flight, so it is sent.
    resumed = await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=lambda r: True)
    assert resumed.ok, resumed
    assert resumed.data is not None and resumed.data["deduplicated"] is False
    assert sandbox.count("POST", "/creations") == 1


async def test_a_suspending_approver_propagates_from_the_sync_facade(
    asking: Executor, sandbox: Sandbox
) -> None:
    def suspend(request: SpendRequest) -> bool:
        raise SuspendedError

    with pytest.raises(SuspendedError):
        asking.run_sync("kp_create_creation", VIDEO, api_key=MEMBER, approver=suspend)
    assert sandbox.count("POST", "/creations") == 0


async def test_a_deduplicated_request_asks_nobody(asking: Executor, sandbox: Sandbox) -> None:
    asked: list[SpendRequest] = []

    def approve(request: SpendRequest) -> bool:
        asked.append(request)
        return True

    await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=approve)
    again = await asking.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=approve)
    assert again.data is not None and again.data["deduplicated"] is True
    assert len(asked) == 1

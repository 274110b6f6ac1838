"""Budgets at the executor, against the sandbox: what is refused, what is reserved, and when."""

from __future__ import annotations

import httpx
import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.client import KPainterClient
from kp_tools.keys import ApiKey
from kp_tools.retry import RetryPolicy
from kp_tools.sandbox import IN_PROCESS_BASE_URL, Fault
from kp_tools.spending import Budget
from tests.clock import ManualClock
from tests.conftest import MEMBER

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 5}  # 20 credits
HOUR = 3600.0


EPOCH = 1_800_000_000.0  # the clock's start, in epoch seconds (budget windows are wall time)


def video(prompt: str) -> dict[str, object]:
    return {**VIDEO, "prompt": prompt}


async def budgeted(sandbox: Sandbox, budget: Budget, clock: ManualClock | None = None) -> Executor:
    executor = Executor.for_sandbox(sandbox, budget=budget, clock=clock or ManualClock(EPOCH))
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    return executor


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(EPOCH)


async def test_creates_at_the_ceiling_are_refused_without_reaching_kpainter(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    executor = await budgeted(sandbox, Budget(credits=40, window_seconds=HOUR), clock)
    assert (await executor.run("kp_create_creation", video("one"), api_key=MEMBER)).ok
    clock.now += 600
    assert (await executor.run("kp_create_creation", video("two"), api_key=MEMBER)).ok

    refused = await executor.run("kp_create_creation", video("three"), api_key=MEMBER)

    assert refused.code is ErrorCode.BUDGET_EXCEEDED
    assert refused.error is not None and refused.error.must_stop
    assert "0 of this key's 40 credits per 1 h are left" in refused.error.message
    assert "in 50 min" in refused.error.message  # the first create leaves the window then
    assert sandbox.count("POST", "/creations") == 2
    assert sandbox.account(MEMBER).credits == 1000 - 40


async def test_the_window_rolls(sandbox: Sandbox, clock: ManualClock) -> None:
    executor = await budgeted(sandbox, Budget(credits=20, window_seconds=HOUR), clock)
    assert (await executor.run("kp_create_creation", video("one"), api_key=MEMBER)).ok
    clock.now += HOUR - 1
    early = await executor.run("kp_create_creation", video("two"), api_key=MEMBER)
    clock.now += 1
    on_time = await executor.run("kp_create_creation", video("two"), api_key=MEMBER)

    assert early.code is ErrorCode.BUDGET_EXCEEDED
    assert on_time.ok, on_time
    assert sandbox.count("POST", "/creations") == 2


async def test_a_call_over_the_per_call_maximum_is_refused(sandbox: Sandbox) -> None:
    executor = await budgeted(sandbox, Budget(max_per_call=19))
    refused = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert refused.code is ErrorCode.BUDGET_EXCEEDED
    assert refused.error is not None and "limit of 19 credits per call" in refused.error.message
    assert sandbox.count("POST", "/creations") == 0


async def test_a_request_larger_than_the_whole_budget_says_it_never_fits(
    sandbox: Sandbox,
) -> None:
    executor = await budgeted(sandbox, Budget(credits=10))
    refused = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert refused.error is not None and "never fit" in refused.error.message


async def test_the_reservation_is_kept_when_the_outcome_is_unknown(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    executor = await budgeted(sandbox, Budget(credits=30), clock)
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    unknown = await executor.run("kp_create_creation", video("one"), api_key=MEMBER)
    assert unknown.code is ErrorCode.OUTCOME_UNKNOWN

    # It may have started (here it did): the 20 credits stay counted, so 10 are left.
    after = await executor.run("kp_create_creation", video("two"), api_key=MEMBER)
    assert after.code is ErrorCode.BUDGET_EXCEEDED
    assert after.error is not None and "10 of this key's 30 credits" in after.error.message
    assert sandbox.count("POST", "/creations") == 1


async def test_the_reservation_is_released_when_kpainter_refuses_without_charging(
    sandbox: Sandbox,
) -> None:
    executor = await budgeted(sandbox, Budget(credits=20))
    sandbox.faults.add(Fault("status", path="/creations", method="POST", status=422))
    refused = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert refused.code is ErrorCode.INVALID_ARGUMENTS

    again = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert again.ok, again
    assert sandbox.count("POST", "/creations") == 2


class _NoConnectionForCreates(httpx.AsyncBaseTransport):
    """The sandbox, except that a create cannot connect: the request provably never left."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = sandbox.transport
        self.failing = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failing and request.method == "POST" and request.url.path.endswith("/creations"):
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


async def test_the_reservation_is_released_when_the_request_never_left(
    sandbox: Sandbox,
) -> None:
    transport = _NoConnectionForCreates(sandbox)
    client = KPainterClient(IN_PROCESS_BASE_URL, transport=transport, retry=RetryPolicy(attempts=1))
    executor = Executor(client, budget=Budget(credits=20), env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok

    never_left = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert never_left.code is ErrorCode.UPSTREAM_UNAVAILABLE
    transport.failing = False
    sent = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)

    assert sent.ok, sent  # the 20 credits were given back, so the budget still allows it
    assert sandbox.count("POST", "/creations") == 1


async def test_a_declined_request_gives_its_reservation_back(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(sandbox, budget=Budget(credits=20), confirm_above_credits=0)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    declined = await executor.run(
        "kp_create_creation", VIDEO, api_key=MEMBER, approver=lambda request: False
    )
    approved = await executor.run(
        "kp_create_creation", VIDEO, api_key=MEMBER, approver=lambda request: True
    )
    assert declined.code is ErrorCode.DECLINED_BY_USER
    assert approved.ok, approved


async def test_the_consent_question_tells_the_budget_left(sandbox: Sandbox) -> None:
    questions: list[str] = []

    def approve(request: object) -> bool:
        questions.append(request.question)  # type: ignore[attr-defined]
        return True

    executor = Executor.for_sandbox(sandbox, budget=Budget(credits=50), confirm_above_credits=0)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    await executor.run("kp_create_creation", video("one"), api_key=MEMBER, approver=approve)
    await executor.run("kp_create_creation", video("two"), api_key=MEMBER, approver=approve)
    assert "50 credits are left in this key's budget window" in questions[0]
    assert "30 credits are left in this key's budget window" in questions[1]


async def test_each_key_gets_the_budget_the_function_gives_it(sandbox: Sandbox) -> None:
    sandbox.add_account("kgp_generous_user")

    def budget_for(key: ApiKey) -> Budget | None:
        return None if key.reveal() == "kgp_generous_user" else Budget(credits=0)

    executor = Executor.for_sandbox(sandbox, budget=budget_for)
    for key in (MEMBER, "kgp_generous_user"):
        assert (await executor.run("kp_me", api_key=key)).ok
    limited = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    free = await executor.run("kp_create_creation", VIDEO, api_key="kgp_generous_user")
    assert limited.code is ErrorCode.BUDGET_EXCEEDED
    assert free.ok


async def test_a_deduplicated_create_costs_nothing_against_the_budget(sandbox: Sandbox) -> None:
    executor = await budgeted(sandbox, Budget(credits=20))
    first = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    again = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert first.ok and again.ok
    assert again.data is not None and again.data["deduplicated"] is True


async def test_an_edit_is_held_to_the_budget_too(sandbox: Sandbox) -> None:
    executor = await budgeted(sandbox, Budget(credits=20))
    created = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert created.data is not None
    edit = {
        "creation_id": created.data["creation_id"],
        "scene_id": "s1",
        "action": "update_scene_narration",
        "narration_text": "Plates float on the mantle.",
    }
    refused = await executor.run("kp_edit_scene", edit, api_key=MEMBER)
    assert refused.code is ErrorCode.BUDGET_EXCEEDED
    assert sandbox.count("POST", "/creations/1/edit") == 0

"""docs/workflow.md rule 6: a credit-spending request is never sent twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.errors import StateUnavailableError
from kp_tools.sandbox import Fault
from kp_tools.state import MemoryStateStore
from tests.conftest import MEMBER

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 5}


@pytest.fixture
async def ready(executor: Executor) -> Executor:
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    return executor


async def test_a_create_whose_connection_drops_after_sending_is_not_retried(
    ready: Executor, sandbox: Sandbox
) -> None:
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    outcome = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.OUTCOME_UNKNOWN
    assert outcome.error is not None and "kp_list_creations" in outcome.error.message
    assert sandbox.count("POST", "/creations") == 1
    listed = await ready.run("kp_list_creations", api_key=MEMBER)
    assert listed.data is not None and listed.data["total"] == 1  # it did start, once


async def test_repeating_a_create_whose_outcome_is_unknown_sends_nothing(
    ready: Executor, sandbox: Sandbox
) -> None:
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    again = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert again.code is ErrorCode.OUTCOME_UNKNOWN
    assert sandbox.count("POST", "/creations") == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", path="/creations", method="POST", status=503),
        Fault("status", path="/creations", method="POST", status=500),
        Fault("malformed", path="/creations", method="POST"),
        Fault("truncated", path="/creations", method="POST"),
        Fault("drop", path="/creations", method="POST"),
    ],
    ids=lambda f: f"{f.kind}-{f.status}",
)
async def test_no_create_failure_after_sending_is_retried(
    ready: Executor, sandbox: Sandbox, fault: Fault
) -> None:
    sandbox.faults.add(fault)
    outcome = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.OUTCOME_UNKNOWN
    assert sandbox.count("POST", "/creations") == 1


async def test_a_create_timing_out_after_it_was_accepted_is_outcome_unknown(
    sandbox: Sandbox,
) -> None:
    executor = Executor(sandbox.client(timeout=0.2), env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    sandbox.faults.add(
        Fault("latency", path="/creations", method="POST", seconds=1, after_processing=True)
    )
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.code is ErrorCode.OUTCOME_UNKNOWN
    assert sandbox.count("POST", "/creations") == 1


async def test_a_rate_limited_create_is_retried_after_retry_after(
    ready: Executor, sandbox: Sandbox
) -> None:
    sandbox.faults.add(
        Fault("status", path="/creations", method="POST", status=429, retry_after=0.05)
    )
    outcome = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.ok, outcome
    assert sandbox.count("POST", "/creations") == 2  # the 429 was refused before doing anything
    assert len(sandbox.world.creations) == 1


async def test_an_identical_create_repeated_at_once_returns_the_job_already_started(
    ready: Executor, sandbox: Sandbox
) -> None:
    first = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    second = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert first.ok and second.ok
    assert first.data is not None and second.data is not None
    assert second.data["job_id"] == first.data["job_id"]
    assert second.data["deduplicated"] is True
    assert "no credits were spent again" in (second.next_step or "")
    assert sandbox.count("POST", "/creations") == 1
    assert sandbox.account(MEMBER).credits == 1000 - 20


async def test_identical_creates_sent_concurrently_start_one_job(
    ready: Executor, sandbox: Sandbox
) -> None:
    outcomes = await asyncio.gather(
        *(ready.run("kp_create_creation", VIDEO, api_key=MEMBER) for _ in range(8))
    )
    assert all(o.ok for o in outcomes), outcomes
    assert len({o.data["job_id"] for o in outcomes if o.data}) == 1
    assert sandbox.count("POST", "/creations") == 1


async def test_a_different_prompt_is_a_different_creation(
    ready: Executor, sandbox: Sandbox
) -> None:
    await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    await ready.run("kp_create_creation", {**VIDEO, "prompt": "Volcanoes"}, api_key=MEMBER)
    assert sandbox.count("POST", "/creations") == 2


async def test_alias_and_canonical_name_are_the_same_request(
    ready: Executor, sandbox: Sandbox
) -> None:
    lesson = {"prompt": "Fractions", "instructions": "Quiz at the end"}
    await ready.run("kp_create_creation", {"type": "web_app", **lesson}, api_key=MEMBER)
    again = await ready.run(
        "kp_create_creation", {"type": "interactive_lesson", **lesson}, api_key=MEMBER
    )
    assert again.data is not None and again.data["deduplicated"] is True
    assert sandbox.count("POST", "/creations") == 1


async def test_the_same_create_by_two_keys_starts_two_jobs(
    ready: Executor, sandbox: Sandbox
) -> None:
    sandbox.add_account("kgp_second_user")
    assert (await ready.run("kp_me", api_key="kgp_second_user")).ok
    await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    other = await ready.run("kp_create_creation", VIDEO, api_key="kgp_second_user")
    assert other.data is not None and other.data["deduplicated"] is False
    assert sandbox.count("POST", "/creations") == 2


async def test_a_refused_create_can_be_sent_again_once_fixed(
    ready: Executor, sandbox: Sandbox
) -> None:
    sandbox.faults.add(Fault("status", path="/creations", method="POST", status=422))
    refused = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert refused.code is ErrorCode.INVALID_ARGUMENTS
    outcome = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert outcome.ok and outcome.data is not None and outcome.data["deduplicated"] is False


async def test_the_dedupe_window_expires(sandbox: Sandbox) -> None:
    from kp_tools.state import MemoryStateStore, StateTTL

    executor = Executor(sandbox.client(), store=MemoryStateStore(StateTTL(dedupe=0.05)), env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    await asyncio.sleep(0.1)
    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert sandbox.count("POST", "/creations") == 2


async def test_an_identical_scene_edit_is_sent_once(ready: Executor, sandbox: Sandbox) -> None:
    created = await ready.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert created.data is not None
    edit = {
        "creation_id": created.data["creation_id"],
        "scene_id": "s1",
        "action": "update_scene_narration",
        "narration_text": "Plates float on the mantle.",
    }
    first = await ready.run("kp_edit_scene", edit, api_key=MEMBER)
    second = await ready.run("kp_edit_scene", edit, api_key=MEMBER)
    assert first.ok and second.ok and second.data is not None and second.data["deduplicated"]
    assert sandbox.count("POST", "/creations/1/edit") == 1


class _StoreThatFailsAfterTheCreate(MemoryStateStore):
    """Redis going away while KPainter was answering the create."""

    async def settle(self, key_id: str, fingerprint: str, result: dict[str, Any] | None) -> None:
        raise StateUnavailableError()


async def test_a_started_job_is_reported_even_when_the_store_cannot_record_it(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    executor = Executor(sandbox.client(), store=_StoreThatFailsAfterTheCreate(), env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok

    outcome = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)

    # Reporting state_unavailable ("refused, retry") would have the model pay for a second job.
    assert outcome.ok and outcome.data is not None and outcome.data["job_id"]
    assert sandbox.count("POST", "/creations") == 1
    assert "could not record it" in caplog.text

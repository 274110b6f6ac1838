"""docs/workflow.md rule 7: a bounded wait on a job, with progress, and when to poll next."""

from __future__ import annotations

import asyncio
import time

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.executor.waiting import WaitPolicy, wait_for_job
from kp_tools.models import JobStatus
from kp_tools.sandbox import Fault
from tests.conftest import MEMBER


async def started_job(executor: Executor, prompt: str = "Tides. The moon pulls water.") -> int:
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    created = await executor.run(
        "kp_create_creation", {"type": "slides_video", "prompt": prompt}, api_key=MEMBER
    )
    assert created.ok and created.data is not None, created
    return int(created.data["job_id"])


async def test_waiting_reports_progress_and_ends_when_the_job_does() -> None:
    sandbox = Sandbox(job_seconds=1.2)
    executor = Executor.for_sandbox(sandbox)
    job_id = await started_job(executor)
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    outcome = await executor.run(
        "kp_get_job_status",
        {"job_id": job_id, "wait_seconds": 10},
        api_key=MEMBER,
        progress=progress,
    )
    assert outcome.ok, outcome
    assert outcome.data is not None
    assert outcome.data["done"] is True and outcome.data["status"] == "succeeded"
    assert outcome.data["waited_seconds"] < 5
    assert len(seen) >= 2
    assert [p for p, _, _ in seen] == sorted(p for p, _, _ in seen)
    assert seen[-1][:2] == (100.0, 100.0)
    assert "kp_get_creation" in (outcome.next_step or "")


async def test_the_first_wait_after_a_create_takes_the_create_as_its_first_sample() -> None:
    sandbox = Sandbox(job_seconds=1.5)
    executor = Executor.for_sandbox(sandbox)
    job_id = await started_job(executor)
    await asyncio.sleep(0.3)  # the model's next turn

    outcome = await executor.run(
        "kp_get_job_status", {"job_id": job_id, "wait_seconds": 10}, api_key=MEMBER
    )

    assert outcome.ok and outcome.data is not None and outcome.data["done"] is True
    # the first answer (with the create's 0%) shows the rate; the second is at the end
    assert sandbox.count("GET", "/creations/jobs/") == 2


async def test_a_wait_that_runs_out_returns_the_last_status_and_when_to_poll() -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=30))
    job_id = await started_job(executor)
    started = time.monotonic()
    outcome = await executor.run(
        "kp_get_job_status", {"job_id": job_id, "wait_seconds": 1}, api_key=MEMBER
    )
    assert time.monotonic() - started < 2.5
    assert outcome.ok and outcome.data is not None
    assert outcome.data["done"] is False and outcome.data["timed_out"] is True
    assert outcome.data["poll_after_seconds"] > 0
    assert "wait_seconds" in (outcome.next_step or "")


async def test_no_wait_asks_once(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=30))
    job_id = await started_job(executor)
    outcome = await executor.run("kp_get_job_status", {"job_id": job_id}, api_key=MEMBER)
    assert outcome.data is not None and outcome.data["timed_out"] is False
    assert outcome.data["done"] is False


async def test_a_failed_job_is_job_failed_with_the_job_attached(executor: Executor) -> None:
    job_id = await started_job(executor, prompt="Make this fail #fail")
    outcome = await executor.run("kp_get_job_status", {"job_id": job_id}, api_key=MEMBER)
    assert outcome.code is ErrorCode.JOB_FAILED
    assert outcome.data is not None and outcome.data["status"] == "failed"


async def test_the_wait_aims_at_the_estimated_finish_instead_of_polling_often() -> None:
    """A job at a steady 10%/s: after two samples, the next poll lands near 100%."""
    now = [0.0]
    polls: list[float] = []

    async def fetch() -> JobStatus:
        polls.append(now[0])
        progress = min(int(now[0] * 10), 100)
        return JobStatus(
            job_id=1, status="succeeded" if progress >= 100 else "processing", progress=progress
        )

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    result = await wait_for_job(
        fetch,
        60,
        policy=WaitPolicy(first_interval=1.0, max_interval=20.0),
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert result.done
    assert result.polls <= 4, polls
    assert result.waited_seconds < 12


async def test_a_broken_progress_consumer_does_not_fail_the_call() -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=0.3))
    job_id = await started_job(executor)

    async def broken(done: float, total: float | None, message: str | None) -> None:
        raise RuntimeError("display went away")

    outcome = await executor.run(
        "kp_get_job_status", {"job_id": job_id, "wait_seconds": 5}, api_key=MEMBER, progress=broken
    )
    assert outcome.ok and outcome.data is not None and outcome.data["done"]


async def test_a_slow_upstream_does_not_stretch_a_wait_past_what_was_asked() -> None:
    sandbox = Sandbox(job_seconds=300)
    executor = Executor.for_sandbox(sandbox)
    job_id = await started_job(executor)

    async def slow_down_after_the_first_answer(*_: object) -> None:
        if not sandbox.faults:  # from now on each answer takes 12 s, under the read timeout
            sandbox.faults.add(Fault("latency", path="/creations/jobs", seconds=12, times=None))

    started = time.monotonic()
    outcome = await executor.run(
        "kp_get_job_status",
        {"job_id": job_id, "wait_seconds": 1},
        api_key=MEMBER,
        progress=slow_down_after_the_first_answer,
    )

    assert time.monotonic() - started < 1 + WaitPolicy().last_poll_seconds + 1
    assert outcome.ok and outcome.data is not None
    assert outcome.data["done"] is False and outcome.data["status"] in ("queued", "processing")
    sandbox.faults.clear()
    await executor.aclose()

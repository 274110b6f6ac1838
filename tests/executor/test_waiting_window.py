"""The bounded wait aims its polls at the window the job can end in, and remembers it per caller."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable
from datetime import UTC, datetime

from kp_tools.executor.waiting import WaitPolicy, remember_started_job, wait_for_job
from kp_tools.models import JobStatus

EPOCH = 1_800_000_000.0


class LinearJob:
    """A job that moves at a steady rate on a fake clock, answering like the API does."""

    def __init__(self, seconds: float, *, timestamps: bool = False) -> None:
        self.seconds = seconds
        self.timestamps = timestamps
        self.now = 0.0
        self.asked_at: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def fetch(self) -> JobStatus:
        self.asked_at.append(self.now)
        share = min(self.now / self.seconds, 1.0)
        stamps = {}
        if self.timestamps:
            stamps = {"created_at": _iso(0.0), "updated_at": _iso(self.now)}
        return JobStatus(
            job_id=7,
            status="succeeded" if share >= 1 else "processing",
            progress=int(share * 100),
            **stamps,
        )

    async def wait(self, seconds: float, memory_key: Hashable | None = None) -> bool:
        result = await wait_for_job(
            self.fetch,
            seconds,
            policy=WaitPolicy(),
            clock=self.clock,
            sleep=self.sleep,
            memory_key=memory_key,
        )
        return result.done


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(EPOCH + seconds, UTC).isoformat(timespec="milliseconds")


CALLER = ("caller", "7")  # the memory key: who asks, and about which job


def created(seconds: float, *, first_wait_at: float, timestamps: bool = False) -> LinearJob:
    """A job its create has just started (remembered as 0% at 0 s), first waited on later."""
    job = LinearJob(seconds, timestamps=timestamps)
    remember_started_job(CALLER, "queued", clock=job.clock)  # what a create does
    job.now = first_wait_at
    return job


async def test_a_job_that_reports_its_timestamps_is_found_done_by_the_second_request() -> None:
    job = LinearJob(20.0, timestamps=True)
    job.now = 5.0  # a quarter done: the share and the server's elapsed time give the end

    assert await job.wait(30)

    assert len(job.asked_at) == 2
    assert 20.0 <= job.asked_at[-1] <= 20.0 * 1.1  # noticed within a tenth of the job


async def test_the_end_is_noticed_within_a_tenth_of_the_job_from_progress_alone() -> None:
    job = LinearJob(12.0)

    assert await job.wait(30)

    assert job.asked_at[-1] >= 12.0
    assert job.asked_at[-1] - 12.0 <= 1.2
    assert len(job.asked_at) <= 4


async def test_a_wait_that_ends_before_the_job_asks_once_more_at_its_end() -> None:
    job = LinearJob(60.0, timestamps=True)
    job.now = 10.0

    assert not await job.wait(15)

    assert job.asked_at == [10.0, 25.0]  # no polls in between: the end cannot fall there


async def test_the_next_wait_on_the_same_job_by_the_same_caller_does_not_ask_first() -> None:
    job = LinearJob(60.0, timestamps=True)
    job.now = 10.0
    assert not await job.wait(15, memory_key=CALLER)
    asked = len(job.asked_at)

    assert not await job.wait(15, memory_key=CALLER)

    assert job.asked_at[asked:] == [40.0]  # only the fresh answer at the end of the wait


async def test_another_caller_on_the_same_job_asks_first() -> None:
    job = LinearJob(60.0, timestamps=True)
    job.now = 10.0
    assert not await job.wait(15, memory_key=CALLER)
    asked = len(job.asked_at)

    assert not await job.wait(15, memory_key=("someone else", "7"))

    assert job.asked_at[asked] == 25.0  # at once: nothing of the first caller's is reused


async def test_without_a_memory_key_every_wait_starts_with_a_request() -> None:
    job = LinearJob(60.0, timestamps=True)
    job.now = 10.0
    assert not await job.wait(15)
    asked = len(job.asked_at)

    assert not await job.wait(15)

    assert job.asked_at[asked] == 25.0


async def test_the_first_wait_after_the_create_learns_the_rate_from_its_first_answer() -> None:
    job = created(2.0, first_wait_at=0.3)  # the agent's next call, a moment later

    assert await job.wait(30, memory_key=CALLER)

    assert job.asked_at[0] == 0.3  # asked at once: a job may be over already
    assert len(job.asked_at) == 2  # that answer and the 0% at the create give the rate
    assert 2.0 <= job.asked_at[-1] <= 2.0 * 1.1


async def test_an_end_the_first_rate_overestimates_is_still_noticed_within_a_tenth() -> None:
    # One request 1 s in says 6% of a 14.94 s job: read as an estimate, that is a 17 s job, and
    # a tenth of 17 s would have let the end go by 1.65 s (11%) unnoticed.
    job = created(14.94, first_wait_at=0.04)

    assert await job.wait(30, memory_key=CALLER)

    assert job.asked_at[-1] - 14.94 <= 0.1 * 14.94


async def test_a_job_its_create_reports_ended_is_not_taken_as_just_started() -> None:
    job = LinearJob(0.5)
    job.now = 1.0
    remember_started_job(CALLER, "succeeded", clock=job.clock)

    assert await job.wait(30, memory_key=CALLER)

    assert job.asked_at == [1.0]  # asked at once, as with nothing remembered


async def test_a_job_still_at_nothing_is_not_asked_about_before_it_could_end() -> None:
    # 0% half a second after the create: it moves under 2% a second, so it cannot end within
    # 50 s, and the 30 s wait asks only once more, at its end.
    job = created(90.0, first_wait_at=0.5)

    assert not await job.wait(30, memory_key=CALLER)

    assert job.asked_at == [0.5, 30.5]


async def test_an_answer_still_fresh_at_the_end_of_the_wait_is_not_asked_for_again() -> None:
    # 0% at 0.25 s: the job cannot end before 25 s, so the next request goes at 27.5 s
    job = created(84.0, first_wait_at=0.25)

    assert not await job.wait(30, memory_key=CALLER)

    assert job.now == 30.25  # it waited the full time
    assert job.asked_at == [0.25, 27.5]  # 2.75 s before the end: fresh enough to return


async def test_a_long_job_takes_one_request_per_wait_and_one_at_its_end() -> None:
    for offset in (0.3, 0.5, 0.7, 0.9):  # the agent's first wait, a moment after the create
        job = created(85.0, first_wait_at=offset)

        while not await job.wait(30, memory_key=CALLER):
            pass

        assert len(job.asked_at) == 4, offset  # at once, at 30 s, at 60 s, at the end
        assert len(set(job.asked_at)) == len(job.asked_at)  # never twice at one moment
        assert 85.0 <= job.asked_at[-1] <= 85.0 * 1.1


async def test_a_wait_that_learns_the_job_ends_within_one_more_wait_returns_at_once() -> None:
    # 1% at 0.45 s: the job could end at 22.5 s, so the wait asks at 24.75 s (57%). That answer
    # puts the end between 42.7 s and 43.8 s: after this wait, within the next. Sleeping out the
    # wait would only buy a request at 30.45 s to be fresh; the agent's next call is its last
    # either way.
    job = created(43.0, first_wait_at=0.45)

    first = await job.wait(30, memory_key=CALLER)

    assert not first
    assert job.asked_at == [0.45, 24.75]
    assert job.now == 24.75  # handed back at once, not at 30.45 s
    assert await job.wait(30, memory_key=CALLER)
    assert len(job.asked_at) == 3  # the next wait asks only once, at the end
    assert 43.0 <= job.asked_at[-1] <= 43.0 * 1.1


async def test_a_job_under_two_seconds_is_still_noticed_within_a_tenth() -> None:
    # 99% at 1.73 s puts the end a hair later; a fixed least sleep of 0.2 s between polls (more
    # than a tenth of this job) made the next poll 0.18 s late.
    job = created(1.74, first_wait_at=0.157)

    assert await job.wait(30, memory_key=CALLER)

    assert 1.74 <= job.asked_at[-1] <= 1.74 * 1.1


async def test_every_end_is_noticed_within_a_tenth_whatever_the_length_and_first_wait() -> None:
    rng = random.Random(16)
    for _ in range(400):
        seconds = math.exp(rng.uniform(math.log(0.5), math.log(120.0)))  # as many short as long
        timestamps = rng.random() < 0.5
        first_wait_at = rng.uniform(0.0, min(1.0, seconds / 2))
        job = created(seconds, first_wait_at=first_wait_at, timestamps=timestamps)

        while not await job.wait(30, memory_key=CALLER):
            pass

        assert seconds <= job.asked_at[-1] <= seconds * 1.1, (seconds, job.asked_at)
        assert len(set(job.asked_at)) == len(job.asked_at), job.asked_at

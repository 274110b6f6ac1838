"""A bounded wait on a job that polls as rarely as it can.

Fixed-interval polling either wastes requests on long jobs or notices short ones late. Here the
interval grows geometrically, and once two samples show progress moving, the next poll is aimed
at the estimated finish. Every sleep and every poll after the first is capped by what is left of
the wait, so a slow upstream stretches it by at most ``last_poll_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kp_tools.api_contract import JOB_TERMINAL
from kp_tools.models import JobStatus
from kp_tools.specs.base import WaitResult

__all__ = ["ProgressCallback", "WaitPolicy", "wait_for_job"]

logger = logging.getLogger("kp_tools.executor")

ProgressCallback = Callable[[float, float | None, str | None], Awaitable[None]]
"""``(progress, total, message)``; the shape MCP progress notifications take."""


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    first_interval: float = 1.0
    backoff: float = 1.6
    min_interval: float = 0.2
    max_interval: float = 5.0
    eta_margin: float = 1.1
    last_poll_seconds: float = 2.0
    """The least time a poll after the first gets, even when the wait is almost over."""


async def wait_for_job(
    fetch: Callable[[], Awaitable[JobStatus]],
    wait_seconds: float,
    *,
    policy: WaitPolicy = WaitPolicy(),
    progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> WaitResult:
    started = clock()
    deadline = started + max(wait_seconds, 0.0)
    interval = policy.first_interval
    samples: list[tuple[float, int]] = []
    polls = 0
    job = await fetch()  # the first answer may take the client's full deadline: nothing to show yet
    while True:
        polls += 1
        now = clock()
        done = job.status in JOB_TERMINAL
        if job.progress is not None:
            samples.append((now, job.progress))
        await _report(progress, job)
        eta = _eta(samples)
        suggested = interval if eta is None else eta * policy.eta_margin
        suggested = min(max(suggested, policy.min_interval), policy.max_interval)
        remaining = deadline - now
        if done or remaining <= 0:
            return _result(job, wait_seconds, started, now, polls, suggested)
        await sleep(min(suggested, remaining))
        interval = min(interval * policy.backoff, policy.max_interval)
        try:
            # Later polls only have what is left of the wait: a slow upstream must not stretch
            # the call past what the model asked for (and past a host's tool timeout).
            async with asyncio.timeout(max(deadline - clock(), policy.last_poll_seconds)):
                job = await fetch()
        except TimeoutError:
            return _result(job, wait_seconds, started, clock(), polls, suggested)


def _result(
    job: JobStatus, wait_seconds: float, started: float, now: float, polls: int, suggested: float
) -> WaitResult:
    """What the wait learned: the last status it saw, and when to ask again if unfinished."""
    done = job.status in JOB_TERMINAL
    return WaitResult(
        job=job,
        done=done,
        timed_out=not done and wait_seconds > 0,
        waited_seconds=now - started,
        polls=polls,
        poll_after_seconds=None if done else round(suggested, 1),
    )


def _eta(samples: list[tuple[float, int]]) -> float | None:
    """Seconds to 100%, from the progress rate between the first and last samples."""
    if len(samples) < 2:
        return None
    (t0, p0), (t1, p1) = samples[0], samples[-1]
    if p1 <= p0 or t1 <= t0:
        return None
    rate = (p1 - p0) / (t1 - t0)
    return (100 - p1) / rate


async def _report(progress: ProgressCallback | None, job: JobStatus) -> None:
    if progress is None:
        return
    try:
        await progress(float(job.progress or 0), 100.0, f"job {job.job_id}: {job.status}")
    except Exception:
        # A broken progress consumer must not fail the job it is watching.
        logger.warning("progress callback failed", exc_info=True)

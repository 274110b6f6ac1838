"""A bounded wait on a job that polls as rarely as it can and still notices the end promptly.

Fixed-interval polling either wastes requests on long jobs or notices short ones late. Here each
answer's progress (an integer percent) narrows down *when the job can end*: from the progress
rate between the first and the last answer seen, and, when the job reports its ``created_at``
and ``updated_at``, from the share done in the time the server says has passed. Both bounds
account for the rounding of the percent and of the timestamps. Once that window is narrow (a
share of the job's length, :attr:`WaitPolicy.notice_share`), the next poll is aimed at its end,
so it finds the job done and notices the end at most that late; while it is wide, the next poll
goes just past its start (by that share: a job ending that early is still noticed in time), and
the answer there narrows it. A job that has not moved since the first answer still bounds the
window from below (it moves less than 1% in that time), so a job at 0% half a second after its
create is not asked about again for 50 s. Before any answer bounds it, intervals grow
geometrically. The bounds take a job to move evenly from its first sample on, as the sandbox's
jobs do; KPainter documents an integer, monotonic progress and nothing of its pace (a job that
waits in a queue at 0% and then runs fast can be noticed late: by the end of the wait).

When the job will not end before the wait does, the wait sleeps to its end and asks once there,
so the answer is fresh; an answer at most :attr:`WaitPolicy.fresh_seconds` old by then is fresh
enough and is returned instead. When the window puts the end after this wait but within another
one started now, the wait hands back the answer it has just got at once: the agent's next call
is its last either way, and sleeping out the wait would only buy a request to be fresh. An agent
then calls again at once (the tool tells it to); given a ``memory_key`` (the caller's key and the
job), what was learned is kept between calls, and a call that starts that soon after the last
answer does not ask again first: its first request goes where the window says. The create or
edit that started the job counts as a first sample (:func:`remember_started_job`: 0% at that
moment).

Every sleep and every poll after the first is capped by what is left of the wait, so a slow
upstream stretches it by at most ``last_poll_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from kp_tools.api_contract import JOB_QUEUED, JOB_TERMINAL
from kp_tools.models import JobStatus
from kp_tools.specs.base import WaitResult

__all__ = ["ProgressCallback", "WaitPolicy", "remember_started_job", "wait_for_job"]

logger = logging.getLogger("kp_tools.executor")

ProgressCallback = Callable[[float, float | None, str | None], Awaitable[None]]
"""``(progress, total, message)``; the shape MCP progress notifications take."""

_REMEMBERED_JOBS = 1024


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    """How a job wait paces its polls: the defaults are for real jobs, tests pass faster ones.

    ``backoff`` grows the interval while no progress rate is known yet. Once a poll aimed at the
    end finds the job still running (it is not moving as its progress said), polls are at least
    ``min_interval`` apart, growing by ``backoff`` with each such poll. Until then the window alone
    paces them: a fixed least sleep would notice a job shorter than ten times it too late.
    """

    first_interval: float = 1.0
    """The first sleep, before two answers show how fast the job moves."""
    backoff: float = 1.6
    min_interval: float = 0.2
    max_interval: float = 60.0
    """The longest sleep between two polls (polls are aimed at the end, not spread out)."""
    notice_share: float = 0.1
    """Aim at the end once the window it can fall in is this share of the job's length."""
    fresh_seconds: float = 5.0
    """An answer this old is fresh: a wait starting or ending this soon after it does not ask."""
    last_poll_seconds: float = 2.0
    """The least time a poll after the first gets, even when the wait is almost over."""


@dataclass(slots=True)
class _Track:
    """What the answers so far say about one job."""

    first: tuple[float, int] | None = None  # (local time, progress) of the first moving sample
    last: tuple[float, int] | None = None
    server_window: tuple[float, float, float] | None = None  # from the job's own timestamps
    job: JobStatus | None = None
    seen_at: float = -math.inf

    def add(self, now: float, job: JobStatus) -> None:
        self.job, self.seen_at = job, now
        if job.progress is None:
            return
        sample = (now, job.progress)
        if self.first is None or (self.last is not None and job.progress < self.last[1]):
            self.first = sample  # a restarted job (progress went back) starts over
        self.last = sample
        self.server_window = _server_window(job, now) or self.server_window

    def window(self) -> tuple[float, float, float] | None:
        """``(earliest, latest, shortest)``: when the job can end (local clock), its least length.

        Margins are shares of the least length the answers allow, not of an estimate, so "within
        10% of the job's length" holds however long the job turns out to be.
        """
        candidates = [w for w in (self._rate_window(), self.server_window) if w is not None]
        return min(candidates, key=lambda w: w[1] - w[0]) if candidates else None

    def _rate_window(self) -> tuple[float, float, float] | None:
        if self.first is None or self.last is None:
            return None
        (t0, p0), (t1, p1) = self.first, self.last
        if t1 <= t0:
            return None
        # Each percent is floored: the true share moved by (p1 - p0) +/- 1 in t1 - t0. A job
        # that has not moved since the first answer moved by less than 1%: still a bound.
        fast, slow = (p1 - p0 + 1) / (t1 - t0), (p1 - p0 - 1) / (t1 - t0)
        earliest = t1 + max(99 - p1, 0) / fast
        latest = t1 + (100 - p1) / slow if slow > 0 else math.inf
        return earliest, latest, 100 / fast


@dataclass(slots=True)
class _Memory:
    """Tracks of recent jobs, by the caller's ``memory_key``; bounded, oldest dropped first."""

    tracks: OrderedDict[Hashable, _Track] = field(default_factory=OrderedDict)

    def get(self, key: Hashable | None) -> _Track:
        if key is None:
            return _Track()
        track = self.tracks.pop(key, None) or _Track()
        self.tracks[key] = track
        while len(self.tracks) > _REMEMBERED_JOBS:
            self.tracks.popitem(last=False)
        return track

    def start(self, key: Hashable) -> _Track:
        self.tracks.pop(key, None)
        return self.get(key)

    def forget(self, key: Hashable | None) -> None:
        if key is not None:
            self.tracks.pop(key, None)


_memory = _Memory()


def remember_started_job(
    memory_key: Hashable,
    status: str | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Remember that a create or an edit has just started a job: 0% done at this moment.

    The first wait on the job still asks at once (it may have ended already), but that first
    answer, with this one, already shows how fast the job moves, so the wait needs no second
    request to learn it: one request less per job when the wait starts a moment after the create
    (as an agent's next tool call does). Taking 0% at this moment can only make the job look
    faster than it is (it cannot be less than 0% done), so polls come early, never late. A job
    the answer says has already ended is not remembered.
    """
    if (status or JOB_QUEUED) in JOB_TERMINAL:
        return
    _memory.start(memory_key).first = (clock(), 0)


async def wait_for_job(
    fetch: Callable[[], Awaitable[JobStatus]],
    wait_seconds: float,
    *,
    policy: WaitPolicy = WaitPolicy(),
    progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    memory_key: Hashable | None = None,
) -> WaitResult:
    """Poll ``fetch`` until the job ends or ``wait_seconds`` pass; the last status and a hint.

    ``memory_key`` identifies the job *and who asks* (for example the key's fingerprint and the
    job id): answers are remembered under it for the next wait on the same job. None keeps
    nothing between calls.
    """
    started = clock()
    deadline = started + max(wait_seconds, 0.0)
    track = _memory.get(memory_key)
    interval, floor, polls = policy.first_interval, 0.0, 0
    job = track.job
    if job is None or wait_seconds <= 0 or started - track.seen_at > policy.fresh_seconds:
        # the first answer may take the client's full deadline: nothing to show yet
        job = await fetch()
        polls = 1
        track.add(clock(), job)
        await _report(progress, job)
    aimed_at_end = at_deadline = False
    while True:
        now = clock()
        done = job.status in JOB_TERMINAL
        window = track.window()
        # (a sleep aimed at the deadline may wake a hair before it)
        over = at_deadline or now >= deadline
        if (
            done
            or (over and now - track.seen_at <= policy.fresh_seconds)
            or _ends_in_next_wait(window, now, deadline, deadline - started)
        ):
            if done:
                _memory.forget(memory_key)
            return _result(job, wait_seconds, started, now, polls, _hint(window, now, interval))
        if aimed_at_end:  # the last poll was aimed at the end and the job was still running:
            # the job is not moving as its progress said; back off instead of closing in
            floor = min(max(floor * policy.backoff, policy.min_interval), policy.max_interval)
        if window is None:
            target, aimed_at_end = now + interval, False
            interval = min(interval * policy.backoff, policy.max_interval)
        else:
            earliest, latest, shortest = window
            margin = policy.notice_share * shortest
            aimed_at_end = latest - earliest <= margin
            target = latest if aimed_at_end else min(earliest + margin, latest)
        target = min(max(target, now + floor), now + policy.max_interval, deadline)
        at_deadline = target >= deadline
        await sleep(max(target - now, 0.0))
        if at_deadline and deadline - track.seen_at <= policy.fresh_seconds:
            continue  # the answer in hand is still fresh at the wait's end: no request for it
        try:
            # Later polls only have what is left of the wait: a slow upstream must not stretch
            # the call past what the model asked for (and past a host's tool timeout).
            async with asyncio.timeout(max(deadline - clock(), policy.last_poll_seconds)):
                job = await fetch()
        except TimeoutError:
            now = clock()
            return _result(job, wait_seconds, started, now, polls, _hint(window, now, interval))
        polls += 1
        track.add(clock(), job)
        await _report(progress, job)


def _ends_in_next_wait(
    window: tuple[float, float, float] | None, now: float, deadline: float, wait_seconds: float
) -> bool:
    """Whether the job ends after this wait but within another one started now.

    The agent's next call is then its last either way, so this one can hand back the answer it
    has just got instead of sleeping out its time to ask again (to be fresh) at its end.
    """
    return window is not None and window[0] > deadline and window[1] <= now + wait_seconds


def _hint(window: tuple[float, float, float] | None, now: float, interval: float) -> float:
    """When to ask again: where the end can first fall, or the next interval without a rate."""
    if window is None or not math.isfinite(window[0]):
        return interval
    return max(window[0] - now, 1.0)


def _server_window(job: JobStatus, now: float) -> tuple[float, float, float] | None:
    """The end window from the job's own clock: ``progress`` percent done in ``updated - created``.

    Timestamps are rounded to their last digit (whole seconds when they have no fraction), so
    the elapsed time is known to within one such step each way.
    """
    if job.progress is None or not 0 < job.progress < 100:
        return None
    created, updated = _instant(job.created_at), _instant(job.updated_at)
    if created is None or updated is None:
        return None
    step = max(created[1], updated[1])
    elapsed = updated[0] - created[0]
    if elapsed <= step:
        return None
    p = job.progress
    short, long = (elapsed - step) * 100 / (p + 1), (elapsed + step) * 100 / p
    earliest = now + max(short - (elapsed + step), 0.0)
    latest = now + long - (elapsed - step)
    return earliest, latest, short


def _instant(text: str | None) -> tuple[float, float] | None:
    """An ISO 8601 timestamp as (POSIX seconds, resolution in seconds), or None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    clock_part = text.split("T", 1)[-1]
    digits = len(clock_part.split(".", 1)[1].rstrip("Z").split("+")[0]) if "." in clock_part else 0
    return moment.timestamp(), 10.0**-digits


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


async def _report(progress: ProgressCallback | None, job: JobStatus) -> None:
    if progress is None:
        return
    try:
        await progress(float(job.progress or 0), 100.0, f"job {job.job_id}: {job.status}")
    except Exception:
        # A broken progress consumer must not fail the job it is watching.
        logger.warning("progress callback failed", exc_info=True)

"""Waiting on a job with a live progress bar, fed by the executor's progress reports.

The bar goes to stderr, so ``--json`` output on stdout stays clean (and with ``--json`` there is
no bar at all). The wait is ``kp_get_job_status`` with ``wait_seconds``, repeated until the job is
done or the command's own time limit passes: the same bounded waits an agent makes.
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from kp_tools.cli.session import Session
from kp_tools.outcome import Outcome

__all__ = ["ProgressBar", "wait_for_job"]

MAX_WAIT_PER_CALL = 30


class ProgressBar:
    """A rich progress bar; :meth:`report` has the executor's progress-callback signature."""

    def __init__(self, console: Console, description: str, *, disable: bool = False) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            disable=disable,
        )
        self._task: TaskID = self._progress.add_task(description, total=100, status="")

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(
        self, progress: float, total: float | None = 100.0, message: str | None = None
    ) -> None:
        """Show ``progress`` of ``total`` and the job's status (the message after ``job N: ``)."""
        status = (message or "").split(": ", 1)[-1]
        self._progress.update(self._task, completed=progress, total=total or 100.0, status=status)

    async def report(self, progress: float, total: float | None, message: str | None) -> None:
        """:meth:`update` as the executor's progress callback (it is awaited)."""
        self.update(progress, total, message)


async def wait_for_job(session: Session, job_id: int, *, limit_seconds: float = 600.0) -> Outcome:
    """``kp_get_job_status`` with waits until the job is done (or ``limit_seconds`` pass)."""
    deadline = time.monotonic() + limit_seconds
    with ProgressBar(session.err, f"job {job_id}", disable=session.as_json) as bar:
        while True:
            remaining = deadline - time.monotonic()
            wait = int(max(1, min(MAX_WAIT_PER_CALL, remaining)))
            outcome = await session.call(
                "kp_get_job_status", {"job_id": job_id, "wait_seconds": wait}, progress=bar.report
            )
            if not outcome.ok or (outcome.data or {}).get("done") or remaining <= wait:
                return outcome

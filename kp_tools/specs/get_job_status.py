"""kp_get_job_status: where a create or edit job is, optionally waiting a bounded time for it."""

from __future__ import annotations

from pydantic import Field

from kp_tools.errors import JobFailedError
from kp_tools.models import JobStatus
from kp_tools.specs.base import Effect, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.views import CREATION_VIEW

MAX_WAIT_SECONDS = 50  # under the 60 s tool timeout of common MCP hosts


class GetJobStatusArguments(ToolArguments):
    job_id: int = Field(ge=1, description="The job_id from kp_create_creation or kp_edit_scene.")
    wait_seconds: int = Field(
        0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=f"Wait up to this many seconds (at most {MAX_WAIT_SECONDS}) for the job to "
        "finish before answering. 0 answers at once.",
    )


class JobProgress(JobStatus):
    done: bool = Field(description="True once the job succeeded or failed.")
    timed_out: bool = Field(False, description="True when the wait ended before the job did.")
    waited_seconds: float = 0.0
    poll_after_seconds: float | None = Field(
        None, description="When the job is not done: a good delay before asking again."
    )


async def _run(ctx: ToolContext, args: GetJobStatusArguments) -> JobProgress:
    waited = await ctx.wait_for_job(args.job_id, args.wait_seconds)
    progress = JobProgress(
        **waited.job.model_dump(),
        done=waited.done,
        timed_out=waited.timed_out,
        waited_seconds=round(waited.waited_seconds, 2),
        poll_after_seconds=waited.poll_after_seconds,
    )
    if waited.done and progress.status != "succeeded":
        reason = progress.error if isinstance(progress.error, str) else None
        raise JobFailedError(
            f"Job {progress.job_id} failed" + (f": {reason}" if reason else "."), data=progress
        )
    return progress


def _next_step(job: JobProgress) -> str:
    if job.done:
        return f"Done. Call kp_get_creation with creation_id={job.creation_id} for the result."
    after = f"{job.poll_after_seconds:.0f}" if job.poll_after_seconds else "10"
    return (
        f"Still {job.status} ({job.progress or 0}%). Call kp_get_job_status again with "
        f"wait_seconds=30, or after about {after} s."
    )


SPEC = ToolSpec(
    name="kp_get_job_status",
    title="Check a generation job",
    description=(
        "Report a create or edit job's status and progress (0-100). Set wait_seconds (up to "
        f"{MAX_WAIT_SECONDS}) to wait for it in one call instead of polling many times. When "
        "done is true, call kp_get_creation; a failed job comes back as job_failed."
    ),
    input_model=GetJobStatusArguments,
    output_model=JobProgress,
    effect=Effect.READ,
    run=_run,
    next_step=_next_step,
    app_view=CREATION_VIEW,
)

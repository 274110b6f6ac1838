"""kp_get_job_status: where a create or edit job is, optionally waiting a bounded time for it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from kp_tools.api_contract import JOB_SUCCEEDED
from kp_tools.errors import JobFailedError
from kp_tools.models import JobStatus
from kp_tools.specs.base import Effect, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.views import CREATION_VIEW

MAX_WAIT_SECONDS = 50  # under the 60 s tool timeout of common MCP hosts
SUGGESTED_WAIT_SECONDS = 30
"""The wait the hints suggest: long enough for most jobs, well inside a 60 s host timeout."""


def wait_hint(limit: int = MAX_WAIT_SECONDS) -> str:
    """The ``wait_seconds`` a next-step hint suggests for this tool under a wait limit."""
    return f"wait_seconds={min(SUGGESTED_WAIT_SECONDS, limit)}"


def _wait_field(limit: int) -> Any:
    # Validation always accepts up to MAX_WAIT_SECONDS (a longer wait is cut to the server's
    # limit by the executor, not refused); the schema shows the model the limit.
    return Field(
        0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        json_schema_extra={"maximum": limit},
        description=f"Wait up to this many seconds (at most {limit}) for the job to finish "
        "before answering. 0 answers at once.",
    )


class GetJobStatusArguments(ToolArguments):
    """A job and how long to wait for it; a server with a lower limit shows a smaller maximum."""

    job_id: int = Field(ge=1, description="The job_id from kp_create_creation or kp_edit_scene.")
    wait_seconds: int = _wait_field(MAX_WAIT_SECONDS)


class JobProgress(JobStatus):  # noqa: D101 - a docstring here would enter the tool's MCP outputSchema
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
    if waited.done and progress.status != JOB_SUCCEEDED:
        reason = progress.error if isinstance(progress.error, str) else None
        raise JobFailedError(
            f"Job {progress.job_id} failed" + (f": {reason}" if reason else "."), data=progress
        )
    return progress


def _next_step(limit: int) -> Any:
    suggested = min(SUGGESTED_WAIT_SECONDS, limit)

    def next_step(job: JobProgress) -> str:
        if job.done:
            return f"Done. Call kp_get_creation with creation_id={job.creation_id} for the result."
        after = f"{job.poll_after_seconds:.0f}" if job.poll_after_seconds else "10"
        again = f"with wait_seconds={suggested}" if suggested > 0 else "(this server does not wait)"
        return (
            f"Still {job.status} ({job.progress or 0}%). Call kp_get_job_status again {again}, "
            f"or after about {after} s."
        )

    return next_step


def job_status_spec(limit: int = MAX_WAIT_SECONDS) -> ToolSpec[Any, Any]:
    """This tool as a server that waits at most ``limit`` seconds per call shows it.

    The operator's limit (``kp-mcp --max-wait-seconds``) is for hosts that give up on a tool
    call sooner than the usual 60 s: the description, the schema's maximum and the next-step
    hint then never ask for a longer wait than the server will do.
    """
    limit = min(max(limit, 0), MAX_WAIT_SECONDS)
    arguments: type[GetJobStatusArguments] = GetJobStatusArguments
    if limit < MAX_WAIT_SECONDS:
        arguments = create_model(
            "GetJobStatusArguments",
            __base__=GetJobStatusArguments,
            __module__=__name__,
            wait_seconds=(int, _wait_field(limit)),
        )
    how = (
        f"Set wait_seconds (up to {limit}) to wait for it in one call instead of polling many "
        "times."
        if limit > 0
        else "Call it again after the poll_after_seconds it suggests."
    )
    return ToolSpec(
        name="kp_get_job_status",
        title="Check a generation job",
        description=(
            f"Report a create or edit job's status and progress (0-100). {how} When done is "
            "true, call kp_get_creation; a failed job comes back as job_failed."
        ),
        input_model=arguments,
        output_model=JobProgress,
        effect=Effect.READ,
        run=_run,
        next_step=_next_step(limit),
        app_view=CREATION_VIEW,
        with_wait_limit=job_status_spec,
    )


SPEC = job_status_spec()

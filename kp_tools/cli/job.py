"""``kp-tools job``: where a create or edit job is; --wait follows it with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from kp_tools.cli.options import ApiKeyOption, JsonOption, SandboxOption, WaitOption
from kp_tools.cli.render import failed
from kp_tools.cli.session import Options, Session, run_command
from kp_tools.cli.waiting import wait_for_job


def job(
    job_id: Annotated[int, typer.Argument(help="From kp-tools create or edit-scene.")],
    wait: WaitOption = False,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
) -> None:
    """A job's status and progress (kp_get_job_status)."""

    async def body(session: Session) -> int:
        if wait:
            outcome = await wait_for_job(session, job_id)
        else:
            outcome = await session.call("kp_get_job_status", {"job_id": job_id})
        if not outcome.ok:
            return failed(session, outcome)
        if session.as_json:
            session.emit_json(outcome.payload())
            return 0
        data = outcome.data or {}
        colour = "green" if data.get("done") else "yellow"
        session.out.print(
            f"Job {data.get('job_id')} ({data.get('kind')}) for creation "
            f"{data.get('creation_id')}: [{colour}]{data.get('status')}[/{colour}] "
            f"{data.get('progress', 0)}%"
        )
        if data.get("done"):
            flag = " --sandbox" if session.sandbox is not None else ""
            session.out.print(f"[dim]Next:[/dim] kp-tools get {data.get('creation_id')}{flag}")
        else:
            session.out.print(Text(outcome.next_step or "", style="dim"))
        return 0

    run_command(Options(sandbox, api_key, json), body)

"""After a create or an edit: wait for the job, show the creation, save its pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from kp_tools.cli.pictures import save_pictures, why_not_saved
from kp_tools.cli.render import failed, plain, show_creation, show_me_line
from kp_tools.cli.session import Session
from kp_tools.cli.waiting import wait_for_job
from kp_tools.outcome import Outcome

__all__ = ["follow_job", "show_creation_and_pictures", "spend_and_follow"]


async def spend_and_follow(
    session: Session,
    tool: str,
    arguments: dict[str, Any],
    *,
    wait: bool,
    save_previews: Path | None,
) -> int:
    """Show whose key pays (kp_me), send the create or edit, then follow its job."""
    me = await session.call("kp_me")
    if not me.ok:
        return failed(session, me)
    show_me_line(session, me.data or {})
    started = await session.call(tool, {k: v for k, v in arguments.items() if v is not None})
    if not started.ok:
        return failed(session, started)
    return await follow_job(session, started, wait=wait, save_previews=save_previews)


async def follow_job(
    session: Session, started: Outcome, *, wait: bool, save_previews: Path | None
) -> int:
    """Report a started job; with ``wait`` (or pictures to save), see it through."""
    data = started.data or {}
    job_id, creation_id = int(data["job_id"]), int(data["creation_id"])
    if not session.as_json:
        cost = f" ({data['cost']} credits)" if data.get("cost") is not None else ""
        again = " [yellow](the same request moments ago: no new charge)[/yellow]"
        session.out.print(
            f"[green]Started[/green] job {job_id} for creation {creation_id}{cost}"
            + (again if data.get("deduplicated") else "")
        )
    if not wait and save_previews is None:
        if session.as_json:
            session.emit_json(started.payload())
        else:
            flag = " --sandbox" if session.sandbox is not None else ""
            session.out.print(
                f"[dim]Next:[/dim] kp-tools job {job_id} --wait{flag}   "
                f"[dim]then[/dim] kp-tools get {creation_id}{flag}"
            )
        return 0
    job = await wait_for_job(session, job_id)
    if not job.ok:
        return failed(session, job)
    if not (job.data or {}).get("done"):
        if session.as_json:
            session.emit_json(job.payload())
        else:
            session.out.print(Text.assemble(("Still running: ", "yellow"), job.next_step or ""))
        return 0
    return await show_creation_and_pictures(session, creation_id, save_previews)


async def show_creation_and_pictures(
    session: Session, creation_id: int, save_previews: Path | None
) -> int:
    """Show a creation and, given a directory, save its pictures there.

    Returns:
        The command's exit code.
    """
    outcome = await session.call("kp_get_creation", {"creation_id": creation_id})
    if not outcome.ok:
        return failed(session, outcome)
    detail = outcome.data or {}
    if session.as_json:
        session.emit_json(outcome.payload())
    else:
        show_creation(session.out, detail)
    if save_previews is not None:
        try:
            saved = await save_pictures(session.media(), detail, save_previews)
        except OSError as error:  # checked before the call, but the disk can still say no
            reason = why_not_saved(error, save_previews)
            session.err.print(
                Text.assemble(
                    ("Could not save the pictures", "red"),
                    f" in {save_previews}: {reason}. The creation is fine; "
                    f"save them elsewhere with: kp-tools get {creation_id} --save-previews DIR"
                    + (" --sandbox" if session.sandbox is not None else ""),
                )
            )
            return 1
        console = session.err if session.as_json else session.out
        table = Table(title="Pictures", title_justify="left", header_style="bold")
        table.add_column("picture")
        table.add_column("saved as", overflow="fold")
        for item in saved:
            where = plain(item.path) if item.path else Text(f"skipped: {item.skipped}", "yellow")
            table.add_row(item.name, where)
        if not saved:
            table.add_row("-", "[yellow]this creation has no pictures yet[/yellow]")
        console.print(table)
    return 0

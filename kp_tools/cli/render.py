"""How outcomes look in a terminal: error panels that say what to do, the account line, details.

With ``--json`` a command prints the outcome JSON instead (``{ok, result|error, next_step}``, the
text a model reads), so scripts get the same thing agents get.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kp_tools.api_contract import CREATION_FAILED, CREATION_READY, JOB_SUCCEEDED
from kp_tools.cli.session import Session
from kp_tools.outcome import Outcome

__all__ = ["cli_hint", "failed", "plain", "show_creation", "show_me_line", "show_outcome"]


def plain(value: object) -> Text:
    """A table cell or line of data: shown as is, never read as rich markup."""
    return Text("" if value is None else str(value))


def failed(session: Session, outcome: Outcome) -> int:
    """Show a failed outcome (message, what to do, field problems) and return exit code 1."""
    if session.as_json:
        session.emit_json(outcome.payload())
        return 1
    error = outcome.error
    if error is None:  # pragma: no cover - only called for failures
        return 1
    # With field problems, the table below says what the message lists; keep its lead only.
    message = error.message.split(": ", 1)[0] + "." if error.problems else error.message
    parts: list[Any] = [Text(message.replace("..", "."))]
    if error.tell_user:
        parts.append(Text.assemble("\n", ("What to do: ", "bold"), error.tell_user))
    hint = cli_hint(session, error.code)
    if hint:
        parts.append(Text.assemble("\n", ("Hint: ", "bold"), hint))
    if error.retryable:
        after = f" after {error.retry_after_seconds:g} s" if error.retry_after_seconds else ""
        parts.append(Text(f"\nThis may work if you try again{after}."))
    if error.problems:
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 0, 0))
        table.add_column("field")
        table.add_column("problem")
        table.add_column("allowed", overflow="fold")
        for problem in error.problems:
            allowed = ", ".join(str(a) for a in problem.allowed) if problem.allowed else ""
            table.add_row(plain(problem.field), plain(problem.problem), plain(allowed))
        parts += [Text(""), table]
    title = f"[bold]{outcome.tool} failed: {error.code.value}[/bold]"
    session.err.print(Panel(Group(*parts), title=title, title_align="left", border_style="red"))
    return 1


def cli_hint(session: Session, code: str) -> str | None:
    """The error's next step in kp-tools terms, when there is a more direct one."""
    sandbox = session.sandbox is not None
    hints = {
        "missing_api_key": "pass --api-key, or export KGP_API_KEY=... "
        "No account yet? Add --sandbox to try any command on the embedded sandbox.",
        "invalid_api_key": (
            "the sandbox accepts only its seeded keys (kgp_sandbox_member, kgp_sandbox_free, "
            "kgp_sandbox_broke, kgp_sandbox_readonly); drop --api-key to use kgp_sandbox_member."
            if sandbox
            else None
        ),
        "insufficient_credits": (
            "in the sandbox, use a key with credits (kgp_sandbox_member), or start over with "
            "kp-tools sandbox --reset."
            if sandbox
            else None
        ),
        "outcome_unknown": "run kp-tools list to see whether it started before trying again.",
        "not_found": "kp-tools list shows the creations this key can see.",
        "upstream_unavailable": (
            None if sandbox else f"check the network and KGP_BASE_URL ({session.where})."
        ),
    }
    return hints.get(code)


def show_outcome(session: Session, outcome: Outcome) -> int:
    """A generic result: the outcome JSON (for ``call`` and ``--json``); exit code 0 or 1."""
    if session.as_json or outcome.ok:
        session.emit_json(outcome.payload())
        return 0 if outcome.ok else 1
    return failed(session, outcome)


def show_me_line(session: Session, me: Mapping[str, Any]) -> None:
    """One line saying whose key this is and what it can do (before anything spends credits)."""
    if session.as_json:
        return
    can = "can create" if me.get("can_manage_creations") else "[red]cannot create[/red]"
    credits = me.get("credits")
    credits_text = f"{credits} credits" if credits else "[red]0 credits[/red]"
    session.out.print(
        f"[dim]Key[/dim] {escape(_prefix(session))} [dim]·[/dim] {escape(str(me.get('name')))} "
        f"[dim]({escape(str(me.get('plan')))} plan) ·[/dim] {credits_text} [dim]·[/dim] {can} "
        f"[dim]· {escape(session.where)}[/dim]"
    )


def _prefix(session: Session) -> str:
    key = session.key
    return key.prefix if key is not None else "(no key)"


def show_creation(console: Console, detail: Mapping[str, Any]) -> None:
    """A creation's detail: what it is, its result URLs, its scenes and how to edit them."""
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold")
    info.add_column(overflow="fold")
    info.add_row("title", plain(detail.get("title")))
    info.add_row("status", _status(str(detail.get("status"))))
    for label, key in (("main", "main_url"), ("cover", "thumbnail_url")):
        if detail.get(key):
            info.add_row(label, plain(detail[key]))
    for artifact in detail.get("artifacts") or []:
        if artifact.get("url") not in (detail.get("main_url"), detail.get("thumbnail_url")):
            info.add_row(plain(artifact.get("kind")), plain(artifact.get("url")))
    info.add_row("created", plain(detail.get("created_at")))
    parts: list[Any] = [info]
    scenes = detail.get("scenes") or []
    if scenes:
        table = Table(header_style="bold", expand=False, show_lines=False)
        table.add_column("scene")
        table.add_column("rev", justify="right")
        table.add_column("narration", ratio=3)
        table.add_column("picture", overflow="fold", ratio=2)
        for scene in scenes:
            table.add_row(
                plain(scene.get("scene_id")),
                plain(scene.get("revision", "")),
                plain(scene.get("narration_text")),
                plain(scene.get("image_url")),
            )
        parts += [Text(""), table]
    actions = detail.get("editable_actions") or []
    if actions and scenes:
        command = f"kp-tools edit-scene {detail.get('creation_id')} {scenes[0].get('scene_id')}"
        parts.append(
            Text.assemble(
                ("\nEdit a scene: ", "dim"),
                f"{command} --narration '...'",
                ("   (or --regenerate)", "dim"),
            )
        )
    title = (
        f"[bold]Creation {escape(str(detail.get('creation_id')))}[/bold] · "
        f"{escape(str(detail.get('type')))} · "
        f"{_status(str(detail.get('status')))}"
    )
    console.print(Panel(Group(*parts), title=title, title_align="left", border_style="cyan"))


def _status(status: str) -> str:
    # A job's and a creation's statuses, both shown here: done is green, failed red.
    colour = {CREATION_READY: "green", JOB_SUCCEEDED: "green", CREATION_FAILED: "red"}.get(
        status, "yellow"
    )
    return f"[{colour}]{escape(status)}[/{colour}]"

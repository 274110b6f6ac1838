"""``kp-tools me``: whose key this is, what it may do, and the credits left."""

from __future__ import annotations

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kp_tools.cli.options import ApiKeyOption, JsonOption, SandboxOption
from kp_tools.cli.render import failed, plain
from kp_tools.cli.session import Options, Session, run_command


def me(
    sandbox: SandboxOption = False, api_key: ApiKeyOption = None, json: JsonOption = False
) -> None:
    """Verify the key (kp_me): the account, its plan, whether it may create, its credits."""
    run_command(Options(sandbox, api_key, json), _me)


async def _me(session: Session) -> int:
    outcome = await session.call("kp_me")
    if not outcome.ok:
        return failed(session, outcome)
    if session.as_json:
        session.emit_json(outcome.payload())
        return 0
    data = outcome.data or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("key", session.key.prefix if session.key else "(none)")
    for field in ("name", "email", "plan", "user_id"):
        if data.get(field) is not None:
            table.add_row(field, plain(data[field]))
    can = data.get("can_manage_creations")
    table.add_row("can create", "[green]yes[/green]" if can else "[red]no[/red]")
    credits = data.get("credits")
    table.add_row("credits", Text(str(credits), style="green" if credits else "red"))
    table.add_row("api", plain(session.where))
    stop = str(outcome.next_step or "").startswith("STOP")
    session.out.print(
        Panel(
            table,
            title="[bold]kp_me[/bold]",
            title_align="left",
            border_style="red" if stop else "green",
        )
    )
    if outcome.next_step:
        session.out.print(Text(outcome.next_step, style="red" if stop else "dim"))
    return 0

"""``kp-tools list``: the key owner's creations, newest first, as a table."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kp_tools.api_contract import CREATION_FAILED, CREATION_READY
from kp_tools.cli.options import ApiKeyOption, JsonOption, SandboxOption
from kp_tools.cli.render import failed, plain
from kp_tools.cli.session import Options, Session, run_command


def list_creations(
    page: Annotated[int, typer.Option(min=1, help="Page number.")] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=100, help="Creations per page.")] = 10,
    content_type: Annotated[
        str | None, typer.Option("--type", help="Only this content type.", show_default=False)
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(help="queued, processing, ready, failed or invalid.", show_default=False),
    ] = None,
    query: Annotated[
        str | None, typer.Option(help="Words in the title.", show_default=False)
    ] = None,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
) -> None:
    """List your creations (kp_list_creations), newest first."""
    arguments = {
        "page": page,
        "page_size": page_size,
        "type": content_type,
        "status": status,
        "query": query,
    }

    async def body(session: Session) -> int:
        outcome = await session.call(
            "kp_list_creations", {k: v for k, v in arguments.items() if v is not None}
        )
        if not outcome.ok:
            return failed(session, outcome)
        if session.as_json:
            session.emit_json(outcome.payload())
            return 0
        data = outcome.data or {}
        items = data.get("items") or []
        total = data.get("total")
        table = Table(
            title=f"Creations (page {data.get('page', page)}, {total} in all)",
            title_justify="left",
            header_style="bold",
        )
        for column in ("id", "type", "status", "title", "created", "main"):
            table.add_column(column, overflow="fold")
        for item in items:
            status_text = str(item.get("status"))
            colour = {CREATION_READY: "green", CREATION_FAILED: "red"}.get(status_text, "yellow")
            table.add_row(
                plain(item.get("creation_id")),
                plain(item.get("type")),
                Text(status_text, style=colour),
                plain(item.get("title")),
                plain(item.get("created_at")),
                plain(item.get("main_url")),
            )
        if items:
            session.out.print(table)
            flag = " --sandbox" if session.sandbox is not None else ""
            session.out.print(f"[dim]Details:[/dim] kp-tools get ID{flag}")
        else:
            hint = "make one with kp-tools create" if page == 1 else "try an earlier page"
            session.out.print(f"No creations match; {hint}.")
        return 0

    run_command(Options(sandbox, api_key, json), body)

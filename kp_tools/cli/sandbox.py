"""``kp-tools sandbox``: serve the KPainter emulator on a loopback port, or reset the saved one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from kp_tools.cli import saved_sandbox
from kp_tools.sandbox import SEEDED_ACCOUNTS, Sandbox

SERVED_JOB_SECONDS = 5.0


def sandbox(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
    host: Annotated[str, typer.Option(help="Interface; keep it on loopback.")] = "127.0.0.1",
    job_seconds: Annotated[
        float | None,
        typer.Option(
            help="How long each job takes: 5 s when serving, 3 s with --reset.",
            show_default=False,
        ),
    ] = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Instead of serving: start the sandbox that --sandbox commands share over "
            "(seeded credits, no creations).",
        ),
    ] = False,
) -> None:
    """Serve the sandbox on a port (point clients at it with KGP_BASE_URL), or --reset."""
    console = Console(stderr=True, highlight=False)
    if reset:
        path = saved_sandbox.state_path()
        seconds = saved_sandbox.DEFAULT_JOB_SECONDS if job_seconds is None else job_seconds
        saved_sandbox.reset(path, seconds)
        console.print(f"Reset the --sandbox world at {path} (jobs take {seconds:g} s).")
        return
    console.print(f"KPainter sandbox on [bold]http://{host}:{port}/openapi/v1[/bold]")
    console.print(f"  export KGP_BASE_URL=http://{host}:{port}/openapi/v1")
    for account in SEEDED_ACCOUNTS:
        console.print(
            f"  key [cyan]{account.key}[/cyan]: {account.plan}, {account.credits} credits"
            + ("" if account.can_manage_creations else ", cannot create")
            + ("" if account.active else ", revoked")
        )
    Sandbox(job_seconds=SERVED_JOB_SECONDS if job_seconds is None else job_seconds).serve(
        host=host, port=port
    )

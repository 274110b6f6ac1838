"""``kp-tools sandbox``: serve the KPainter emulator on a loopback port."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from kp_tools.sandbox import SEEDED_ACCOUNTS, Sandbox


def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    host: Annotated[str, typer.Option(help="Interface; keep it on loopback.")] = "127.0.0.1",
    job_seconds: Annotated[float, typer.Option(help="How long each job takes.")] = 5.0,
) -> None:
    """Serve the sandbox; point clients at it with KGP_BASE_URL."""
    console = Console(stderr=True)
    console.print(f"KPainter sandbox on [bold]http://{host}:{port}/openapi/v1[/bold]")
    console.print(f"  export KGP_BASE_URL=http://{host}:{port}/openapi/v1")
    for account in SEEDED_ACCOUNTS:
        console.print(
            f"  key [cyan]{account.key}[/cyan]: {account.plan}, {account.credits} credits"
        )
    Sandbox(job_seconds=job_seconds).serve(host=host, port=port)

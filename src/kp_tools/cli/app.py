"""``kp-tools``: try the toolkit, serve the sandbox, and call tools from a shell."""

from __future__ import annotations

import typer

from kp_tools.cli import demo, sandbox

app = typer.Typer(
    name="kp-tools",
    help="KPainter tools for AI agents. Every command runs on the embedded sandbox with --sandbox.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("demo")(demo.demo)
app.command("sandbox")(sandbox.sandbox)


def main() -> None:
    app()

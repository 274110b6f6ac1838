"""``kp-tools``: try the toolkit, call KPainter from a shell, and see what models see.

Every command that calls KPainter works against the real API (``--api-key`` or ``KGP_API_KEY``,
``KGP_BASE_URL``) and against the embedded sandbox with ``--sandbox``. Command modules are
imported by typer when the app is built, but frameworks (LangChain, LlamaIndex, MCP) only when
a command needs them, so ``kp-tools --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kp_tools import __version__
from kp_tools.cli import (
    call,
    catalog,
    create,
    demo,
    describe,
    doctor,
    edit,
    get,
    job,
    listing,
    me,
    sandbox,
    spending,
)
from kp_tools.redaction import install_log_redaction

app = typer.Typer(
    name="kp-tools",
    help="KPainter tools for AI agents. Start with: kp-tools demo. "
    "Every command that calls KPainter also runs on the embedded sandbox with --sandbox.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kp-tools {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """KPainter tools for AI agents."""
    install_log_redaction()


app.command("demo")(demo.demo)
app.command("me")(me.me)
app.command("catalog")(catalog.catalog)
app.command("create")(create.create)
app.command("list")(listing.list_creations)
app.command("get")(get.get)
app.command("job")(job.job)
app.command("edit-scene")(edit.edit_scene)
app.command("call")(call.call)
app.command("describe")(describe.describe_tool)
app.command("sandbox")(sandbox.sandbox)
app.command("doctor")(doctor.doctor)
app.command("spending")(spending.spending)


def main() -> None:
    """The ``kp-tools`` console script."""
    app()

"""Options shared by the commands that call KPainter, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kp_tools.cli.pictures import prepare_directory, why_not_saved

__all__ = [
    "ApiKeyOption",
    "JsonOption",
    "SandboxOption",
    "SavePreviewsOption",
    "WaitOption",
    "ready_to_save_previews",
]

SandboxOption = Annotated[
    bool,
    typer.Option(
        "--sandbox",
        help="Use the embedded sandbox (no account, no network). Its state is kept between "
        "commands; kp-tools sandbox --reset starts over.",
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="Your KPainter API key. Default: PARTNER_MCP_DEFAULT_API_KEY, then KGP_API_KEY "
        "(with --sandbox: kgp_sandbox_member). Never printed.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the outcome JSON (what a model reads), for scripts."),
]
WaitOption = Annotated[
    bool, typer.Option("--wait", help="Wait for the job, with a progress bar, and show the result.")
]
SavePreviewsOption = Annotated[
    Path | None,
    typer.Option(
        "--save-previews",
        help="Save the pictures (main, cover, each scene) into this directory.",
        file_okay=False,
        dir_okay=True,
        writable=True,
        show_default=False,
    ),
]


def ready_to_save_previews(directory: Path | None) -> None:
    """Create the ``--save-previews`` directory now, before anything is spent.

    A directory that cannot be created or written to is a command-line mistake (exit code 2),
    reported with the reason, not a traceback after the job has been paid for.
    """
    if directory is None:
        return
    try:
        prepare_directory(directory)
    except OSError as error:
        reason = why_not_saved(error, directory)
        raise typer.BadParameter(
            f"cannot save pictures in {directory}: {reason}. Nothing was sent; give a directory "
            "you can create and write to.",
            param_hint="'--save-previews'",
        ) from None

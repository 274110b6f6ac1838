"""Options shared by the commands that call KPainter, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["ApiKeyOption", "JsonOption", "SandboxOption", "SavePreviewsOption", "WaitOption"]

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

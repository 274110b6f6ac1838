"""The ``kp-tools doctor`` command: run the checks, show them as lines or JSON, exit 1 on a FAIL."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from kp_tools.cli.doctor.checks import show, to_json
from kp_tools.cli.doctor.diagnose import diagnose
from kp_tools.cli.options import ApiKeyOption, JsonOption

__all__ = ["doctor"]


def doctor(
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Check a fresh embedded sandbox instead of KGP_BASE_URL: shows whether this "
            "install works at all, with no network and no account.",
        ),
    ] = False,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the install, the key, the route to KPainter and every answer kp-tools relies on."""
    report = asyncio.run(diagnose(api_key=api_key, sandbox=sandbox, env=os.environ))
    if as_json:
        sys.stdout.write(to_json(report) + "\n")
    else:
        show(report, Console(highlight=False))
    raise typer.Exit(0 if report.ok else 1)

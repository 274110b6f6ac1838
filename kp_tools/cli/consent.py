"""Consent at the terminal: a y/N prompt showing what will be made and what it costs.

``--yes`` approves every paid request of the command. Without ``--yes``, the prompt needs a
terminal on stdin; a command run without one (a script, a pipe, CI) cannot ask, so a request
that needs consent is refused with ``confirmation_unavailable``, never silently approved.
Consent is asked only when the executor requires it (``KP_CONFIRM_ABOVE_CREDITS``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.prompt import Confirm

from kp_tools.spending.consent import Approver, SpendRequest

__all__ = ["YesOption", "terminal_approver"]

YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Approve spending credits without asking (when KP_CONFIRM_ABOVE_CREDITS asks).",
    ),
]


def terminal_approver(yes: bool, console: Console) -> Approver | None:
    """``--yes``: approve; a terminal: ask y/N on ``console``; neither: no way to ask (None)."""
    if yes:
        return lambda request: True
    if not sys.stdin.isatty():
        return None

    def ask(request: SpendRequest) -> bool:
        return Confirm.ask(request.question, console=console, default=False)

    return ask

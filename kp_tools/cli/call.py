"""``kp-tools call``: call any tool by name with JSON arguments, and print its outcome JSON."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Annotated, Any

import typer

from kp_tools.cli.consent import YesOption
from kp_tools.cli.options import ApiKeyOption, JsonOption, SandboxOption
from kp_tools.cli.render import show_outcome
from kp_tools.cli.session import Options, Session, run_command
from kp_tools.cli.waiting import ProgressBar


def call(
    tool: Annotated[str, typer.Argument(help="A tool name, e.g. kp_get_job_status.")],
    arguments: Annotated[
        str,
        typer.Argument(
            help="The arguments as a JSON object, e.g. '{\"job_id\": 2}'; - reads stdin."
        ),
    ] = "{}",
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Call one tool exactly as an agent would, and print the outcome JSON the model reads."""
    parsed = _arguments(sys.stdin.read() if arguments == "-" else arguments)

    async def body(session: Session) -> int:
        waits = bool(parsed.get("wait_seconds")) and not session.as_json
        with ProgressBar(session.err, tool, disable=not waits) as bar:
            outcome = await session.call(tool, parsed, progress=bar.report)
        return show_outcome(session, outcome)

    run_command(Options(sandbox, api_key, json, yes), body)


def _arguments(text: str) -> dict[str, Any]:
    try:
        value = jsonlib.loads(text or "{}")
    except ValueError as error:
        raise typer.BadParameter(f"not JSON: {error}", param_hint="ARGUMENTS") from None
    if not isinstance(value, dict):
        raise typer.BadParameter("must be a JSON object", param_hint="ARGUMENTS")
    return value

"""``kp-tools get``: one creation's detail, and its pictures saved with --save-previews."""

from __future__ import annotations

from typing import Annotated

import typer

from kp_tools.cli.follow import show_creation_and_pictures
from kp_tools.cli.options import (
    ApiKeyOption,
    JsonOption,
    SandboxOption,
    SavePreviewsOption,
    ready_to_save_previews,
)
from kp_tools.cli.session import Options, Session, run_command


def get(
    creation_id: Annotated[int, typer.Argument(help="The creation (kp-tools list).")],
    save_previews: SavePreviewsOption = None,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
) -> None:
    """Read a creation (kp_get_creation): status, result URLs, scenes, what can be edited."""
    ready_to_save_previews(save_previews)

    async def body(session: Session) -> int:
        return await show_creation_and_pictures(session, creation_id, save_previews)

    run_command(Options(sandbox, api_key, json), body)

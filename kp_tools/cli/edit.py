"""``kp-tools edit-scene``: rewrite or regenerate one scene of a ready creation."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kp_tools.cli.consent import YesOption
from kp_tools.cli.follow import spend_and_follow
from kp_tools.cli.options import (
    ApiKeyOption,
    JsonOption,
    SandboxOption,
    SavePreviewsOption,
    WaitOption,
    ready_to_save_previews,
)
from kp_tools.cli.session import Options, Session, run_command


def edit_scene(
    creation_id: Annotated[int, typer.Argument(help="The creation (kp-tools list).")],
    scene_id: Annotated[str, typer.Argument(help="The scene, e.g. s2 (kp-tools get ID).")],
    narration: Annotated[
        str | None,
        typer.Option(help="Replace the scene's narration with this text.", show_default=False),
    ] = None,
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="Generate the scene again instead.")
    ] = False,
    prompt: Annotated[
        str | None, typer.Option(help="With --regenerate: what to change.", show_default=False)
    ] = None,
    voice_id: Annotated[
        str | None, typer.Option(help="From the catalog.", show_default=False)
    ] = None,
    wait: WaitOption = False,
    save_previews: SavePreviewsOption = None,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Edit one scene (kp_edit_scene): --narration TEXT, or --regenerate. Spends credits."""
    if (narration is None) == (not regenerate):
        raise typer.BadParameter("give either --narration TEXT or --regenerate (not both)")
    if prompt is not None and not regenerate:
        raise typer.BadParameter("--prompt goes with --regenerate")
    arguments: dict[str, Any] = {
        "creation_id": creation_id,
        "scene_id": scene_id,
        "action": "regenerate_scene" if regenerate else "update_scene_narration",
        "narration_text": narration,
        "prompt": prompt,
        "voice_id": voice_id,
    }

    ready_to_save_previews(save_previews)

    async def body(session: Session) -> int:
        return await spend_and_follow(
            session, "kp_edit_scene", arguments, wait=wait, save_previews=save_previews
        )

    run_command(Options(sandbox, api_key, json, yes), body)

"""``kp-tools create``: start a creation (spends credits), optionally wait for it."""

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


def create(
    content_type: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="explainer_video, slides_video, vector_animation, slide_deck, image or "
            "interactive_lesson (kp-tools catalog lists them and their options).",
        ),
    ],
    prompt: Annotated[str, typer.Argument(metavar="PROMPT", help="What to make, in your words.")],
    scene_count: Annotated[
        int | None, typer.Option(help="slides_video and slide_deck: pages.", show_default=False)
    ] = None,
    duration_seconds: Annotated[
        int | None, typer.Option(help="explainer_video: length.", show_default=False)
    ] = None,
    language: Annotated[str | None, typer.Option(help="e.g. en, zh.", show_default=False)] = None,
    aspect_ratio: Annotated[
        str | None, typer.Option(help="e.g. 16:9, 9:16.", show_default=False)
    ] = None,
    voice_id: Annotated[
        str | None, typer.Option(help="From the catalog.", show_default=False)
    ] = None,
    style_id: Annotated[
        str | None, typer.Option(help="From the catalog.", show_default=False)
    ] = None,
    quality: Annotated[
        str | None, typer.Option(help="Videos: 1K/2K/4K; images: per model.", show_default=False)
    ] = None,
    image_model: Annotated[
        str | None, typer.Option(help="image: e.g. nano-banana-2.", show_default=False)
    ] = None,
    instructions: Annotated[
        str | None, typer.Option(help="interactive_lesson: how it behaves.", show_default=False)
    ] = None,
    wait: WaitOption = False,
    save_previews: SavePreviewsOption = None,
    sandbox: SandboxOption = False,
    api_key: ApiKeyOption = None,
    json: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Start a creation (kp_create_creation). Spends credits; options are checked first."""
    arguments: dict[str, Any] = {
        "type": content_type,
        "prompt": prompt,
        "scene_count": scene_count,
        "duration_seconds": duration_seconds,
        "language": language,
        "aspect_ratio": aspect_ratio,
        "voice_id": voice_id,
        "style_id": style_id,
        "quality": quality,
        "image_model": image_model,
        "instructions": instructions,
    }

    ready_to_save_previews(save_previews)

    async def body(session: Session) -> int:
        return await spend_and_follow(
            session, "kp_create_creation", arguments, wait=wait, save_previews=save_previews
        )

    run_command(Options(sandbox, api_key, json, yes), body)

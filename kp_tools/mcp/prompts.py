"""Guided-creation prompts: one per content type worth walking through, expanded into the workflow.

Each prompt is a row of :data:`GUIDED`: the canonical content type, and the ``kp_create_creation``
argument that sizes it (``duration_seconds`` or ``scene_count``). The text it expands into is the
same workflow as the server instructions, with the type and the user's choices filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    PaginatedRequestParams,
    Prompt,
    PromptArgument,
    PromptMessage,
    TextContent,
)

from kp_tools.guide import STOP_RULES

__all__ = ["GUIDED", "GuidedCreation", "PromptHandlers", "render"]


@dataclass(frozen=True, slots=True)
class GuidedCreation:
    name: str
    title: str
    content_type: str  # canonical name only
    what: str
    size_argument: str | None = None
    size_description: str = ""


GUIDED: tuple[GuidedCreation, ...] = (
    GuidedCreation(
        name="create_explainer_video",
        title="Make an explainer video",
        content_type="explainer_video",
        what="a narrated explainer video",
        size_argument="duration_seconds",
        size_description="Length in seconds (the catalog gives the allowed range).",
    ),
    GuidedCreation(
        name="create_slides_video",
        title="Make a slide-based video",
        content_type="slides_video",
        what="a slide-by-slide narrated video",
        size_argument="scene_count",
        size_description="Number of slides (the catalog gives the allowed range).",
    ),
    GuidedCreation(
        name="create_slide_deck",
        title="Make a slide deck",
        content_type="slide_deck",
        what="a slide deck (PPT / PDF)",
        size_argument="scene_count",
        size_description="Number of slides (the catalog gives the allowed range).",
    ),
)


def _arguments(guided: GuidedCreation) -> list[PromptArgument]:
    arguments = [
        PromptArgument(name="topic", description="What it is about, and for whom.", required=True),
        PromptArgument(
            name="language",
            description="Language code from the catalog, e.g. en or zh (default: the user's).",
            required=False,
        ),
    ]
    if guided.size_argument is not None:
        arguments.append(
            PromptArgument(
                name=guided.size_argument, description=guided.size_description, required=False
            )
        )
    return arguments


def render(guided: GuidedCreation, arguments: dict[str, str]) -> str:
    """The workflow for one guided creation, with the user's choices filled in."""
    topic = (arguments.get("topic") or "").strip()
    if not topic:
        raise MCPError(code=INVALID_PARAMS, message=f"{guided.name}: topic is required")
    language = (arguments.get("language") or "").strip()
    options = [f'type="{guided.content_type}"', "prompt=<a clear brief of the topic>"]
    lines = [f"Make {guided.what} with KPainter about: {topic}"]
    if language:
        lines.append(f"Language: {language}")
        options.append(f'language="{language}"')
    size_check = ""
    if guided.size_argument is not None:
        raw = (arguments.get(guided.size_argument) or "").strip()
        if raw:
            size = _positive_whole_number(raw)
            if size is None:
                raise MCPError(
                    code=INVALID_PARAMS,
                    message=f"{guided.name}: {guided.size_argument} must be a positive whole "
                    f"number, not {raw!r}",
                )
            lines.append(f"{guided.size_argument}: {size}")
            options.append(f"{guided.size_argument}={size}")
            size_check = f" Check that {guided.size_argument}={size} is within its range."
        else:
            size_check = f" Use the catalog's default {guided.size_argument}."
    lines += [
        "",
        "Use the KPainter tools in this order:",
        "1. kp_me. Tell me which account it is and its credits. If it says STOP, stop there.",
        f'2. kp_get_catalog with type="{guided.content_type}". Pick options only from what it '
        f"lists for this type.{size_check}",
        f"3. kp_create_creation with {', '.join(options)}, and the options you picked.",
        "4. kp_get_job_status with its job_id and wait_seconds=30, until done is true.",
        "5. kp_get_creation with its creation_id. Give me main_url; use only URLs from it.",
        "",
        STOP_RULES,
    ]
    return "\n".join(lines)


def _positive_whole_number(raw: str) -> int | None:
    """``raw`` as a number of at least 1 written in ASCII digits, else ``None``.

    ``str.isdigit`` is not enough: it accepts ``"²"``, which ``int`` refuses, and ``int`` also
    refuses more digits than its conversion limit.
    """
    if not (raw.isascii() and raw.isdecimal()):
        return None
    try:
        value = int(raw)
    except ValueError:  # past sys.get_int_max_str_digits()
        return None
    return value if value >= 1 else None


class PromptHandlers:
    """``prompts/list`` and ``prompts/get``."""

    def __init__(self, guided: tuple[GuidedCreation, ...] = GUIDED) -> None:
        self.guided = {g.name: g for g in guided}

    async def list_prompts(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListPromptsResult:
        return ListPromptsResult(
            prompts=[
                Prompt(
                    name=g.name,
                    title=g.title,
                    description=f"Walk through making {g.what} ({g.content_type}) step by step.",
                    arguments=_arguments(g),
                )
                for g in self.guided.values()
            ]
        )

    async def get_prompt(
        self, ctx: ServerRequestContext[Any, Any], params: GetPromptRequestParams
    ) -> GetPromptResult:
        guided = self.guided.get(params.name)
        if guided is None:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown prompt {params.name!r}. Prompts: {', '.join(self.guided)}.",
            )
        text = render(guided, dict(params.arguments or {}))
        return GetPromptResult(
            description=guided.title,
            messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
        )

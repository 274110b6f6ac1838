"""Guided-creation prompts, rendered from the documented content types, the specs and the guide.

Nothing here names a tool or an argument. Which prompts exist comes from
:data:`kp_tools.catalog.CONTENT_TYPES`: one per content type that has a size to choose, with
that size as an optional argument (it must be an argument of the credit-spending create spec,
or the type gets no prompt). The text a prompt expands into is the guide's
:data:`~kp_tools.guide.WORKFLOW` for a first creation, each step followed by the user's choices
that its tool takes as arguments (read from that spec's input model), then the guide's stop
rules.
"""

from __future__ import annotations

from collections.abc import Mapping
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

from kp_tools.catalog import (
    BRIEF_ARGUMENT,
    CONTENT_TYPES,
    SIZE_ARGUMENTS,
    TYPE_ARGUMENT,
    ContentTypeFacts,
)
from kp_tools.guide import STOP_RULES, WORKFLOW
from kp_tools.redaction import redact
from kp_tools.specs import SPECS, Effect, ToolSpec

__all__ = ["GUIDED", "GuidedCreation", "PromptHandlers", "guided_creations", "render"]

AnySpec = ToolSpec[Any, Any]

# The prompt's own arguments, next to the size: what the user asks for, and in which language.
TOPIC = "topic"
LANGUAGE = "language"
PROMPT_PLACEHOLDER = "<a clear brief of the topic>"


@dataclass(frozen=True, slots=True)
class GuidedCreation:
    """One guided prompt: a canonical content type and the create argument that sizes it."""

    name: str
    title: str
    content_type: str
    what: str
    size_argument: str | None = None
    size_description: str = ""


def guided_creations(specs: Mapping[str, AnySpec] = SPECS) -> tuple[GuidedCreation, ...]:
    """A prompt for every documented content type with a size the create spec accepts.

    Args:
        specs: the tools being served; without a credit-spending create spec there are no
            guided prompts, since the walk-through would end nowhere.
    """
    create = next((s for s in specs.values() if s.effect is Effect.CREATE), None)
    if create is None:
        return ()
    fields = create.input_model.model_fields
    return tuple(
        _guided(facts)
        for facts in CONTENT_TYPES
        if facts.sized_by is not None and facts.sized_by in fields
    )


def _guided(facts: ContentTypeFacts) -> GuidedCreation:
    size = facts.sized_by
    return GuidedCreation(
        name=f"create_{facts.type}",
        title=f"Make {facts.makes}",
        content_type=facts.type,
        what=facts.makes,
        size_argument=size,
        size_description=(
            f"{SIZE_ARGUMENTS.get(size, size)} (the catalog gives the allowed range)."
            if size is not None
            else ""
        ),
    )


GUIDED: tuple[GuidedCreation, ...] = guided_creations()
"""The guided prompts for the standard tool set."""


def _arguments(guided: GuidedCreation) -> list[PromptArgument]:
    arguments = [
        PromptArgument(name=TOPIC, description="What it is about, and for whom.", required=True),
        PromptArgument(
            name=LANGUAGE,
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


def render(
    guided: GuidedCreation, arguments: Mapping[str, str], specs: Mapping[str, AnySpec] = SPECS
) -> str:
    """The workflow for one guided creation, with the user's choices filled in.

    Raises:
        MCPError: ``INVALID_PARAMS`` when the topic is blank or the size is not a positive
            whole number written in ASCII digits.
    """
    topic = (arguments.get(TOPIC) or "").strip()
    if not topic:
        raise MCPError(code=INVALID_PARAMS, message=f"{guided.name}: {TOPIC} is required")
    choices: dict[str, str] = {
        TYPE_ARGUMENT: f'"{guided.content_type}"',
        BRIEF_ARGUMENT: PROMPT_PLACEHOLDER,
    }
    lines = [f"Make {guided.what} with KPainter about: {topic}"]
    language = (arguments.get(LANGUAGE) or "").strip()
    if language:
        lines.append(f"Language: {language}")
        choices[LANGUAGE] = f'"{language}"'
    if guided.size_argument is not None:
        size = _size(guided, arguments)
        if size is None:
            lines.append(f"{guided.size_argument}: the catalog's default for this type.")
        else:
            lines.append(
                f"{guided.size_argument}: {size} (check that it is within the catalog's range "
                "for this type)."
            )
            choices[guided.size_argument] = str(size)
    lines += ["", "Use the KPainter tools in this order:"]
    steps = [step for step in WORKFLOW if step.first_creation and step.tool in specs]
    for number, step in enumerate(steps, start=1):
        spec = specs[step.tool]
        fields = spec.input_model.model_fields
        taken = [f"{name}={value}" for name, value in choices.items() if name in fields]
        if taken and spec.effect.spends_credits:
            taken.append("and the options you picked from the catalog")
        line = f"{number}. {step.text}"
        if taken:
            line += f" Here: {step.tool} with {', '.join(taken)}."
        lines.append(line)
    lines += ["", STOP_RULES]
    return "\n".join(lines)


def _size(guided: GuidedCreation, arguments: Mapping[str, str]) -> int | None:
    assert guided.size_argument is not None
    raw = (arguments.get(guided.size_argument) or "").strip()
    if not raw:
        return None
    size = _positive_whole_number(raw)
    if size is None:
        raise MCPError(
            code=INVALID_PARAMS,
            message=f"{guided.name}: {guided.size_argument} must be a positive whole number, "
            f"not {raw!r}",
        )
    return size


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
        """Every guided prompt; one page, since there are few."""
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
        """The guided prompt's text, with the arguments given filled in.

        Raises:
            MCPError: ``-32602`` for an unknown name (echoed redacted: it is the caller's text,
                and could be a pasted key), a missing topic, or a size that is not a positive
                whole number.
        """
        guided = self.guided.get(params.name)
        if guided is None:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown prompt {redact(params.name)!r}. "
                f"Prompts: {', '.join(self.guided)}.",
            )
        text = render(guided, dict(params.arguments or {}))
        return GetPromptResult(
            description=guided.title,
            messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
        )

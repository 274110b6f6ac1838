"""kp_create_creation: start generating content. Spends credits, so it is checked before sending."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from pydantic import Field

from kp_tools.catalog_rules import MAX_TEXT, check_creation
from kp_tools.errors import FieldProblem, InvalidArgumentsError
from kp_tools.models import Catalog, CreationCreated
from kp_tools.specs.base import Effect, PaidRequest, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.get_job_status import MAX_WAIT_SECONDS, wait_hint

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.keys import ApiKey

SUMMARY_PROMPT_CHARS: Final = 80

# Request-body names the model never sees, mapped back to the tool's own argument names.
_ARGUMENT_NAMES = {
    "output_quality": "quality",
    "image_generation": "image_model",
    "image_generation.model": "image_model",
    "image_generation.quality": "quality",
}


class CreateCreationArguments(ToolArguments):
    """What the model may ask for, checked against the key's catalog before anything is sent.

    The names are the tool's, not the request body's: ``quality`` and ``image_model`` become
    ``output_quality`` or ``image_generation`` by content type (:func:`request_body`).
    """

    type: str = Field(
        description="Content type: explainer_video (polished narrated video, takes "
        "duration_seconds), slides_video (slide-by-slide video, takes scene_count), "
        "vector_animation, slide_deck (takes scene_count), image or interactive_lesson. "
        "Legacy names knowledge_video and web_app are accepted.",
    )
    prompt: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        description="What to make: the topic, audience and points to cover, in the user's words.",
    )
    language: str | None = Field(None, description="Language code from the catalog, e.g. en or zh.")
    aspect_ratio: str | None = Field(None, description="From the catalog for this type, e.g. 16:9.")
    duration_seconds: int | None = Field(
        None, ge=1, description="explainer_video only; the catalog gives the range (about 30)."
    )
    scene_count: int | None = Field(
        None, ge=1, description="slides_video and slide_deck only: number of pages."
    )
    voice_id: str | None = Field(None, description="A voice_id from the catalog.")
    style_id: str | None = Field(None, description="A style_id from the catalog for this type.")
    instructions: str | None = Field(
        None, max_length=MAX_TEXT, description="interactive_lesson only: how the lesson behaves."
    )
    quality: str | None = Field(
        None, description="Output quality from the catalog (videos: 1K/2K/4K; images: per model)."
    )
    image_model: str | None = Field(
        None, description="image only: a model from the catalog, e.g. nano-banana-2 or gpt-image-2."
    )


class CreationStarted(CreationCreated):  # noqa: D101 - a docstring here would enter the tool's MCP outputSchema
    deduplicated: bool = Field(
        False, description="True when an identical request moments ago already started this job."
    )
    cost: int | None = Field(None, description="Credits this creation costs, when known.")


def request_body(args: CreateCreationArguments, catalog: Catalog) -> dict[str, Any]:
    """The POST /creations body for these arguments (unchecked)."""
    body = args.model_dump(exclude_none=True, exclude={"quality", "image_model"})
    entry = catalog.content_type(args.type)
    if (entry is not None and entry.models) or args.image_model is not None:
        generation = {"model": args.image_model, "quality": args.quality}
        body["image_generation"] = {k: v for k, v in generation.items() if v is not None}
    elif args.quality is not None:
        body["output_quality"] = args.quality
    return body


async def _run(ctx: ToolContext, args: CreateCreationArguments) -> CreationStarted:
    catalog = await ctx.catalog()
    checked = check_creation(request_body(args, catalog), catalog)
    if checked.problems:
        raise InvalidArgumentsError(
            [
                FieldProblem(
                    field=_ARGUMENT_NAMES.get(p.field, p.field),
                    problem=p.problem,
                    allowed=p.allowed,
                )
                for p in checked.problems
            ]
        )
    created, deduplicated = await ctx.spend(
        PaidRequest(
            body=checked.body,
            cost=checked.cost,
            result_model=CreationCreated,
            summary=_summary(checked.body),
            send=_send,
        )
    )
    if not deduplicated:
        ctx.job_started(created.job_id, created.status)
    return CreationStarted(**created.model_dump(), deduplicated=deduplicated, cost=checked.cost)


async def _send(
    client: KPainterClient, key: ApiKey, request: PaidRequest[CreationCreated]
) -> CreationCreated:
    return await client.create_creation(key, request.body)


def _summary(body: dict[str, Any]) -> str:
    """``a slides_video of 5 scenes about "Plate tectonics"``: what the user is asked about."""
    size = ""
    if body.get("scene_count"):
        size = f" of {body['scene_count']} scenes"
    elif body.get("duration_seconds"):
        size = f" of {body['duration_seconds']} seconds"
    prompt = " ".join(str(body.get("prompt", "")).split())
    if len(prompt) > SUMMARY_PROMPT_CHARS:
        prompt = prompt[: SUMMARY_PROMPT_CHARS - 1].rstrip() + "…"
    return f'a {body.get("type")}{size} about "{prompt}"'


def _next_step(started: CreationStarted, wait_limit: int = MAX_WAIT_SECONDS) -> str:
    step = (
        f"Generation started (job_id={started.job_id}, creation_id={started.creation_id}). "
        f"Call kp_get_job_status with job_id={started.job_id} and {wait_hint(wait_limit)} until "
        "it is done, then kp_get_creation."
    )
    if started.deduplicated:
        step = (
            "An identical request was made moments ago; this is the job it started, and no "
            "credits were spent again. To make a second one, change the prompt. " + step
        )
    return step


SPEC = ToolSpec(
    name="kp_create_creation",
    title="Create content",
    description=(
        "Start generating an explainer video, slide video, vector animation, slide deck, image "
        "or interactive lesson. Spends credits. Call kp_me and kp_get_catalog first and use only "
        "options the catalog lists for the type; invalid options are refused without spending. "
        "Returns a job_id to poll with kp_get_job_status. If the result says outcome_unknown, "
        "call kp_list_creations before trying again. Stop if it says insufficient_credits or "
        "insufficient_permission."
    ),
    input_model=CreateCreationArguments,
    output_model=CreationStarted,
    effect=Effect.CREATE,
    run=_run,
    next_step=_next_step,
    idempotent=False,
    check_unknown_outcome=("Call kp_list_creations to see whether it started before trying again."),
    with_wait_limit=lambda limit: _with_wait_limit(limit),
)


def _with_wait_limit(limit: int) -> ToolSpec[Any, Any]:
    """The hint names a wait the server will do (``kp-mcp --max-wait-seconds``)."""
    return replace(SPEC, next_step=lambda started: _next_step(started, limit))

"""kp_get_catalog: the content types and every option they accept, from the API itself."""

from __future__ import annotations

from pydantic import Field

from kp_tools.catalog import content_types
from kp_tools.catalog_rules import require_content_type
from kp_tools.models import Catalog
from kp_tools.specs.base import Effect, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.views import ResourceView


class GetCatalogArguments(ToolArguments):
    """An optional content type, so the model can read one type's options instead of all."""

    type: str | None = Field(
        None,
        description="Only this content type (and the voices and styles it can use). "
        "Leave empty for every type.",
    )


async def _run(ctx: ToolContext, args: GetCatalogArguments) -> Catalog:
    catalog = await ctx.catalog(refresh=True)
    if args.type is None:
        return catalog
    entry = require_content_type(args.type, catalog)
    return catalog.model_copy(
        update={
            "content_types": [entry],
            "voices": catalog.voices if entry.supports_voice else [],
            "styles": [
                s
                for s in catalog.styles
                if entry.supports_style and entry.type in (s.types or [entry.type])
            ],
        }
    )


SPEC = ToolSpec(
    name="kp_get_catalog",
    title="Read the content catalog",
    description=(
        "List the content types KPainter can make (explainer_video, slides_video, "
        "vector_animation, slide_deck, image, interactive_lesson) with the aspect ratios, "
        "qualities, duration and scene-count limits, languages, voices, styles and credit costs "
        "each accepts. Call it after kp_me and before kp_create_creation: only values listed "
        "here are accepted."
    ),
    input_model=GetCatalogArguments,
    output_model=Catalog,
    effect=Effect.READ,
    run=_run,
    next_step=lambda _: (
        "Choose the type that fits the request and only options listed for it, then call "
        "kp_create_creation."
    ),
    resources=(
        ResourceView(
            uri="kpainter://catalog",
            name="catalog",
            title="KPainter catalog",
            description=(
                "Every content type with the options it accepts (ratios, qualities, durations, "
                "scene counts, languages, voices, styles, credit costs). Read with the "
                "request's key or the server's default key."
            ),
        ),
        ResourceView(
            uri="kpainter://content-types",
            name="content-types",
            title="KPainter content types",
            description=(
                "The canonical content type names, each with the legacy names still accepted "
                "for it on input. Taken from the catalog."
            ),
            project=content_types,
        ),
    ),
)

"""kp_list_creations: the key owner's creations, newest first; also how to check on a create."""

from __future__ import annotations

from pydantic import Field

from kp_tools.api_contract import CreationStatus
from kp_tools.catalog_rules import require_content_type
from kp_tools.models import CreationPage
from kp_tools.specs.base import Effect, ToolArguments, ToolContext, ToolSpec


class ListCreationsArguments(ToolArguments):
    """Paging and filters; a content type is checked against the catalog (legacy names too)."""

    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(10, ge=1, le=100, description="Creations per page, 1 to 100.")
    type: str | None = Field(None, description="Only creations of this content type.")
    status: CreationStatus | None = Field(None, description="Only creations in this state.")
    query: str | None = Field(None, max_length=200, description="Words to search titles for.")


async def _run(ctx: ToolContext, args: ListCreationsArguments) -> CreationPage:
    params: dict[str, str | int] = {"page": args.page, "page_size": args.page_size}
    if args.type is not None:
        params["type"] = require_content_type(args.type, await ctx.catalog()).type
    if args.status is not None:
        params["status"] = args.status
    if args.query:
        params["query"] = args.query
    return await ctx.client.list_creations(ctx.key, params)


SPEC = ToolSpec(
    name="kp_list_creations",
    title="List creations",
    description=(
        "List the user's creations (newest first) with their type, status and main URL. Use it "
        "to find earlier work, and always before retrying a kp_create_creation whose outcome "
        "was unknown, to see whether it started."
    ),
    input_model=ListCreationsArguments,
    output_model=CreationPage,
    effect=Effect.READ,
    run=_run,
    next_step=lambda page: (
        "Call kp_get_creation with a creation_id for its result URLs and scenes."
        if page.items
        else "No creations match."
    ),
)

"""kp_get_creation: one creation's detail: result URLs, artifacts, scenes and what can be edited."""

from __future__ import annotations

from pydantic import Field

from kp_tools.api_contract import CREATION_IN_PROGRESS, CREATION_READY
from kp_tools.models import CreationDetail
from kp_tools.specs.base import Effect, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.views import CREATION_VIEW, ResourceView


class GetCreationArguments(ToolArguments):
    """The creation to read, by the id a create returned."""

    creation_id: int = Field(ge=1, description="The creation_id returned by kp_create_creation.")


async def _run(ctx: ToolContext, args: GetCreationArguments) -> CreationDetail:
    return await ctx.client.get_creation(ctx.key, args.creation_id)


def _next_step(detail: CreationDetail) -> str:
    if detail.status == CREATION_READY:
        step = "Give the user main_url (and artifacts if useful); use only URLs from this detail."
        if detail.editable_actions and detail.scenes:
            step += (
                " To change one scene, call kp_edit_scene with a scene_id and one of "
                f"{', '.join(detail.editable_actions)}."
            )
        return step
    if detail.status in CREATION_IN_PROGRESS:
        return "Still generating: poll kp_get_job_status with its job_id, then read this again."
    return "This creation did not finish; tell the user and offer to create it again."


SPEC = ToolSpec(
    name="kp_get_creation",
    title="Read a creation",
    description=(
        "Read one creation: its status, main_url (the result to give the user), artifacts, "
        "scenes with their scene_id and narration, and editable_actions. Call it after "
        "kp_get_job_status reports the job succeeded, and before kp_edit_scene."
    ),
    input_model=GetCreationArguments,
    output_model=CreationDetail,
    effect=Effect.READ,
    run=_run,
    next_step=_next_step,
    resources=(
        ResourceView(
            uri="kpainter://creations/{creation_id}",
            name="creation",
            title="A KPainter creation",
            description=(
                "One creation's detail: status, main_url, artifacts, scenes and editable actions."
            ),
        ),
    ),
    app_view=CREATION_VIEW,
)

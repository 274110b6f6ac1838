"""kp_edit_scene: change one scene of a finished creation. Spends credits; checked first."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from kp_tools.api_contract import EditAction
from kp_tools.catalog_rules import MAX_TEXT, check_scene_edit
from kp_tools.errors import EditNotSupportedError, InvalidArgumentsError
from kp_tools.models import EditAccepted
from kp_tools.specs.base import Effect, PaidRequest, ToolArguments, ToolContext, ToolSpec
from kp_tools.specs.get_job_status import MAX_WAIT_SECONDS, wait_hint

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.keys import ApiKey


class EditSceneArguments(ToolArguments):
    """One scene edit; ``narration_text`` goes only with ``update_scene_narration``.

    A mismatch is refused here, before the creation is read, so it never reaches a paid request.
    """

    creation_id: int = Field(ge=1, description="The creation to edit (from kp_get_creation).")
    scene_id: str = Field(min_length=1, description="A scene_id from the creation's scenes.")
    action: EditAction = Field(
        description="update_scene_narration: replace the spoken text of the scene. "
        "regenerate_scene: generate the scene again, optionally guided by prompt."
    )
    narration_text: str | None = Field(
        None, max_length=MAX_TEXT, description="The new narration (update_scene_narration only)."
    )
    prompt: str | None = Field(
        None, max_length=MAX_TEXT, description="What to change (regenerate_scene only)."
    )
    voice_id: str | None = Field(None, description="A voice_id from the catalog.")

    @model_validator(mode="after")
    def _narration_goes_with_its_action(self) -> Self:
        if self.action == "update_scene_narration" and not self.narration_text:
            raise ValueError("narration_text is required for update_scene_narration")
        if self.action == "regenerate_scene" and self.narration_text:
            raise ValueError("narration_text is only for update_scene_narration; use prompt")
        return self


class SceneEditStarted(EditAccepted):  # noqa: D101 - a docstring here would enter the tool's MCP outputSchema
    deduplicated: bool = Field(
        False, description="True when an identical edit moments ago already started this job."
    )
    cost: int | None = Field(None, description="Credits this edit costs, when known.")


async def _run(ctx: ToolContext, args: EditSceneArguments) -> SceneEditStarted:
    detail = await ctx.client.get_creation(ctx.key, args.creation_id)
    body = args.model_dump(exclude_none=True, exclude={"creation_id"})
    checked = check_scene_edit(body, detail, await ctx.catalog())
    if checked.unsupported:
        raise EditNotSupportedError(checked.unsupported)
    if checked.problems:
        raise InvalidArgumentsError(checked.problems)
    what = "replace the narration of" if args.action == "update_scene_narration" else "regenerate"
    accepted, deduplicated = await ctx.spend(
        PaidRequest(
            body=checked.body,
            target={"creation_id": args.creation_id},
            cost=checked.cost,
            result_model=EditAccepted,
            summary=f"{what} scene {args.scene_id} of creation {args.creation_id}",
            send=_send,
        )
    )
    if not deduplicated:
        ctx.job_started(accepted.job_id, accepted.status)
    return SceneEditStarted(**accepted.model_dump(), deduplicated=deduplicated, cost=checked.cost)


async def _send(
    client: KPainterClient, key: ApiKey, request: PaidRequest[EditAccepted]
) -> EditAccepted:
    return await client.edit_scene(key, request.target["creation_id"], request.body)


def _next_step(edit: SceneEditStarted, wait_limit: int) -> str:
    return (
        f"Edit started (job_id={edit.job_id}). Call kp_get_job_status with job_id={edit.job_id} "
        f"and {wait_hint(wait_limit)}, then kp_get_creation to see the new scene."
    )


SPEC = ToolSpec(
    name="kp_edit_scene",
    title="Edit one scene",
    description=(
        "Change one scene of a ready creation: replace its narration, or regenerate it. Spends "
        "credits. Only for types and actions listed in the creation's editable_actions (read "
        "kp_get_creation first for scene ids); images and interactive lessons are not edited "
        "this way, create a new one instead. Returns a job_id to poll with kp_get_job_status."
    ),
    input_model=EditSceneArguments,
    output_model=SceneEditStarted,
    effect=Effect.EDIT,
    run=_run,
    next_step=lambda edit: _next_step(edit, MAX_WAIT_SECONDS),
    with_wait_limit=lambda limit: _with_wait_limit(limit),
    idempotent=False,
    check_unknown_outcome=(
        "Call kp_get_creation for this creation to see whether the scene changed (its revision "
        "or status) before trying again; kp_list_creations does not show edits."
    ),
)


def _with_wait_limit(limit: int) -> ToolSpec[Any, Any]:
    """The hint names a wait the server will do (``kp-mcp --max-wait-seconds``)."""
    return replace(SPEC, next_step=lambda edit: _next_step(edit, limit))

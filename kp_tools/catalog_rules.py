"""What the catalog allows: the checks a create or scene-edit request must pass, and its price.

The docs make ``/catalog`` the source of truth for types, ratios, qualities, durations, page
counts, languages, voices and styles, and say MCP and OpenAPI share one set of validation rules.
So the executor (before sending) and the sandbox (on receipt) both run these functions, and every
refusal names the field and lists the values that would have been accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kp_tools.api_contract import CREATION_READY, EDIT_ACTIONS
from kp_tools.errors import FieldProblem, InvalidArgumentsError
from kp_tools.models import Catalog, ContentType, CreationDetail, ImageModel

__all__ = ["CheckedRequest", "check_creation", "check_scene_edit", "require_content_type"]

MAX_TEXT: Final = 10_000
CREATION_FIELDS: Final = frozenset(
    {
        "type",
        "prompt",
        "language",
        "aspect_ratio",
        "duration_seconds",
        "scene_count",
        "voice_id",
        "style_id",
        "instructions",
        "output_quality",
        "image_generation",
    }
)
EDIT_FIELDS: Final = frozenset({"action", "scene_id", "narration_text", "prompt", "voice_id"})


@dataclass
class CheckedRequest:
    """A request body after checking: canonical names filled in, plus what it costs.

    ``cost`` is None when the catalog does not price it. ``member_only`` lists the options that
    need a member plan (the server refuses them for other plans).
    """

    body: dict[str, Any]
    cost: int | None = None
    member_only: list[str] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    unsupported: str | None = None


def check_creation(request: Mapping[str, Any], catalog: Catalog) -> CheckedRequest:
    """Check a create request against the catalog, and price it, before any credit is spent.

    Every problem is collected (not only the first), so a model fixes the call in one go.

    Args:
        request: The body as the API takes it; ``None`` values count as absent.
        catalog: The key's catalog, the source of truth for what is offered.

    Returns:
        The body with canonical names (a legacy type alias, the image model's provider), its
        cost when the catalog prices it, the member-only options it uses, and the problems.
    """
    body = {k: v for k, v in request.items() if v is not None}
    checked = CheckedRequest(body=body)
    problems = checked.problems
    for name in sorted(set(body) - CREATION_FIELDS):
        problems.append(
            FieldProblem(
                field=name, problem="is not a field of a creation", allowed=sorted(CREATION_FIELDS)
            )
        )

    type_name = body.get("type")
    entry = catalog.content_type(type_name) if isinstance(type_name, str) else None
    if entry is None:
        problems.append(_unknown_type(type_name, catalog))
        return checked
    body["type"] = entry.type

    _check_text(body, "prompt", problems, required=True)
    _check_choice(body, "language", [lang.code for lang in catalog.languages], problems)
    _check_range(body, "duration_seconds", entry, catalog, problems)
    _check_range(body, "scene_count", entry, catalog, problems)
    _check_voice(body, entry, catalog, problems)
    _check_style(body, entry, catalog, problems)
    if "instructions" in body and not entry.supports_instructions:
        problems.append(_not_for_type("instructions", entry))
    else:
        _check_text(body, "instructions", problems, required=False)

    if entry.models:
        _check_image(body, entry, checked)
    else:
        if "image_generation" in body:
            problems.append(_not_for_type("image_generation", entry))
        _check_choice(body, "aspect_ratio", entry.aspect_ratios, problems, type_name=entry.type)
        _check_choice(body, "output_quality", entry.qualities, problems, type_name=entry.type)
        quality = body.get("output_quality")
        if quality in entry.member_qualities:
            checked.member_only.append(f"output_quality={quality}")
        checked.cost = _price(entry.credits, quality or next(iter(entry.qualities), None))
    return checked


def require_content_type(name: str, catalog: Catalog) -> ContentType:
    """The catalog entry for a type name or legacy alias, or a refusal listing the types."""
    entry = catalog.content_type(name)
    if entry is None:
        raise InvalidArgumentsError([_unknown_type(name, catalog)])
    return entry


def _unknown_type(name: object, catalog: Catalog) -> FieldProblem:
    return FieldProblem(
        field="type",
        problem=f"unknown content type {name!r}",
        allowed=[e.type for e in catalog.content_types],
    )


def _check_image(body: dict[str, Any], entry: ContentType, checked: CheckedRequest) -> None:
    problems = checked.problems
    generation = body.get("image_generation") or {}
    if not isinstance(generation, Mapping):
        problems.append(FieldProblem(field="image_generation", problem="must be an object"))
        return
    if "output_quality" in body:
        problems.append(
            FieldProblem(field="output_quality", problem="images take image_generation.quality")
        )
    model = _image_model(entry, generation.get("model"))
    if model is None:
        problems.append(
            FieldProblem(
                field="image_generation.model",
                problem=f"unknown image model {generation.get('model')!r}",
                allowed=[m.model for m in entry.models],
            )
        )
        return
    quality = generation.get("quality")
    if quality is not None and quality not in model.qualities:
        problems.append(
            FieldProblem(
                field="image_generation.quality",
                problem=f"{quality!r} is not offered by {model.model}",
                allowed=model.qualities,
            )
        )
    ratio = body.get("aspect_ratio")
    if ratio is not None and ratio not in model.aspect_ratios:
        problems.append(
            FieldProblem(
                field="aspect_ratio",
                problem=f"{ratio!r} is not offered by {model.model}",
                allowed=model.aspect_ratios,
            )
        )
    body["image_generation"] = {
        **generation,
        "provider": model.provider,
        "model": model.model,
    }
    if quality in model.member_qualities:
        checked.member_only.append(f"image_generation.quality={quality}")
    checked.cost = _price(model.credits, quality or next(iter(model.qualities), None))


def _image_model(entry: ContentType, name: object) -> ImageModel | None:
    if name is None:
        return entry.models[0]
    return next((m for m in entry.models if name in (m.model, m.label)), None)


def check_scene_edit(
    request: Mapping[str, Any], detail: CreationDetail, catalog: Catalog
) -> CheckedRequest:
    """Check an edit of one scene of an existing creation.

    ``unsupported`` (type, state or action not editable) is reported apart from argument
    problems: the first is ``edit_not_supported``, the second ``invalid_arguments``.
    """
    body = {k: v for k, v in request.items() if v is not None}
    checked = CheckedRequest(body=body)
    problems = checked.problems
    for name in sorted(set(body) - EDIT_FIELDS):
        problems.append(
            FieldProblem(
                field=name, problem="is not a field of a scene edit", allowed=sorted(EDIT_FIELDS)
            )
        )
    action = body.get("action")
    if action not in EDIT_ACTIONS:
        problems.append(
            FieldProblem(
                field="action", problem=f"unknown action {action!r}", allowed=list(EDIT_ACTIONS)
            )
        )
        return checked

    entry = catalog.content_type(detail.type or "")
    # A detail that does not say which actions it allows is taken to allow the usual ones.
    fields_set = detail.model_fields_set
    editable = detail.editable_actions if "editable_actions" in fields_set else list(EDIT_ACTIONS)
    if entry is None or not entry.supports_scene_edit:
        checked.unsupported = (
            f"{detail.type} creations cannot be edited scene by scene; create a new one with a "
            "changed prompt instead."
        )
    elif detail.status != CREATION_READY:
        checked.unsupported = (
            f"creation {detail.creation_id} is {detail.status}; scenes can be edited once it is "
            "ready (poll kp_get_job_status)."
        )
    elif action not in editable:
        checked.unsupported = (
            f"action {action!r} is not available for creation {detail.creation_id}; editable "
            f"actions: {', '.join(editable) or 'none'}."
        )
    if checked.unsupported:
        return checked

    scene_ids = [scene.scene_id for scene in detail.scenes]
    if body.get("scene_id") not in scene_ids:
        problems.append(
            FieldProblem(
                field="scene_id",
                problem=f"creation {detail.creation_id} has no scene {body.get('scene_id')!r}",
                allowed=scene_ids,
            )
        )
    _check_text(body, "narration_text", problems, required=action == "update_scene_narration")
    _check_text(body, "prompt", problems, required=False)
    assert entry is not None
    _check_voice(body, entry, catalog, problems)
    checked.cost = entry.scene_edit_credits.get(action)
    return checked


# -- single-field checks ---------------------------------------------------------------------


def _not_for_type(name: str, entry: ContentType) -> FieldProblem:
    return FieldProblem(field=name, problem=f"is not used by {entry.type}")


def _check_text(
    body: Mapping[str, Any], name: str, problems: list[FieldProblem], *, required: bool
) -> None:
    value = body.get(name)
    if value is None:
        if required:
            problems.append(FieldProblem(field=name, problem="is required"))
        return
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldProblem(field=name, problem="must be non-empty text"))
    elif len(value) > MAX_TEXT:
        problems.append(
            FieldProblem(field=name, problem=f"is {len(value)} characters; at most {MAX_TEXT}")
        )


def _check_choice(
    body: Mapping[str, Any],
    name: str,
    allowed: list[str],
    problems: list[FieldProblem],
    *,
    type_name: str | None = None,
) -> None:
    value = body.get(name)
    if value is None:
        return
    if not allowed:
        if type_name is not None:
            problems.append(FieldProblem(field=name, problem=f"is not used by {type_name}"))
        return
    if value not in allowed:
        where = f" for {type_name}" if type_name else ""
        problems.append(
            FieldProblem(field=name, problem=f"{value!r} is not offered{where}", allowed=allowed)
        )


def _check_range(
    body: Mapping[str, Any],
    name: str,
    entry: ContentType,
    catalog: Catalog,
    problems: list[FieldProblem],
) -> None:
    value = body.get(name)
    if value is None:
        return
    bounds = getattr(entry, name)
    if bounds is None:
        users = ", ".join(e.type for e in catalog.content_types if getattr(e, name) is not None)
        problems.append(
            FieldProblem(field=name, problem=f"is not used by {entry.type} (used by: {users})")
        )
    elif isinstance(value, bool) or not isinstance(value, int):
        problems.append(FieldProblem(field=name, problem="must be a whole number"))
    elif not bounds.min <= value <= bounds.max:
        problems.append(
            FieldProblem(
                field=name,
                problem=f"{value} is out of range for {entry.type}: {bounds.min} to {bounds.max}",
                allowed=[bounds.min, bounds.max],
            )
        )


def _check_voice(
    body: Mapping[str, Any], entry: ContentType, catalog: Catalog, problems: list[FieldProblem]
) -> None:
    voice = body.get("voice_id")
    if voice is None:
        return
    if not entry.supports_voice:
        problems.append(_not_for_type("voice_id", entry))
        return
    voices = [v.voice_id for v in catalog.voices]
    if voice not in voices:
        problems.append(
            FieldProblem(field="voice_id", problem=f"unknown voice {voice!r}", allowed=voices)
        )


def _check_style(
    body: Mapping[str, Any], entry: ContentType, catalog: Catalog, problems: list[FieldProblem]
) -> None:
    style = body.get("style_id")
    if style is None:
        return
    if not entry.supports_style:
        problems.append(_not_for_type("style_id", entry))
        return
    styles = [s.style_id for s in catalog.styles if not s.types or entry.type in s.types]
    if style not in styles:
        problems.append(
            FieldProblem(
                field="style_id",
                problem=f"unknown style {style!r} for {entry.type}",
                allowed=styles,
            )
        )


def _price(credits: int | dict[str, int] | None, quality: str | None) -> int | None:
    if credits is None or isinstance(credits, int):
        return credits
    if quality is not None and quality in credits:
        return credits[quality]
    return credits.get("default")

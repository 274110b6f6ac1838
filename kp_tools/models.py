"""Response shapes of the KPainter OpenAPI.

Only ``content_types``, ``job_id``, ``creation_id``, ``main_url``, ``artifacts`` and ``scenes`` are
documented; every other field name is inferred (docs/api-facts.md). So every model keeps unknown
fields (``extra="allow"``) and almost every field is optional: a real response with a different
shape still parses, and what we did not expect is passed through rather than dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.errors import ErrorCode

__all__ = [
    "ApiModel",
    "Artifact",
    "Catalog",
    "ContentType",
    "CreationCreated",
    "CreationDetail",
    "CreationPage",
    "CreationSummary",
    "EditAccepted",
    "Health",
    "ImageModel",
    "JobStatus",
    "Language",
    "Me",
    "Range",
    "ResourceId",
    "Scene",
    "Style",
    "Voice",
]

ResourceId = int | str
"""Integers in Generation A; later generations use strings, so responses accept both."""


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Health(ApiModel):
    status: str = "ok"


class Me(ApiModel):
    user_id: ResourceId | None = None
    name: str | None = None
    email: str | None = None
    plan: str | None = Field(None, description="Account plan, for example 'member' or 'free'.")
    key_prefix: str | None = None
    can_manage_creations: bool | None = Field(
        None, description="Whether this key may create and edit content."
    )
    credits: int | None = Field(None, description="Credits available to spend.")

    def blocking_code(self) -> ErrorCode | None:
        """Why this account cannot create or edit now, if it cannot: the one statement of the
        halt conditions (no permission to manage creations; no credits left)."""
        if self.can_manage_creations is False:
            return ErrorCode.INSUFFICIENT_PERMISSION
        if self.credits is not None and self.credits <= 0:
            return ErrorCode.INSUFFICIENT_CREDITS
        return None


class Range(ApiModel):
    min: int
    max: int
    default: int | None = None


class ImageModel(ApiModel):
    provider: str
    model: str
    label: str | None = None
    aspect_ratios: list[str] = []
    qualities: list[str] = []
    member_qualities: list[str] = Field([], description="Qualities only members may use.")
    credits: dict[str, int] | None = Field(None, description="Credits per quality.")


class ContentType(ApiModel):
    type: str
    label: str | None = None
    description: str | None = None
    aspect_ratios: list[str] = []
    qualities: list[str] = []
    member_qualities: list[str] = []
    duration_seconds: Range | None = None
    scene_count: Range | None = None
    supports_voice: bool = False
    supports_style: bool = False
    supports_instructions: bool = False
    supports_scene_edit: bool = False
    models: list[ImageModel] = []
    legacy_aliases: list[str] = []
    credits: int | dict[str, int] | None = Field(
        None, description="Credits per creation: a flat number, or per quality."
    )
    scene_edit_credits: dict[str, int] = Field({}, description="Credits per scene-edit action.")


class Language(ApiModel):
    code: str
    name: str | None = None


class Voice(ApiModel):
    voice_id: str
    name: str | None = None
    language: str | None = None


class Style(ApiModel):
    style_id: str
    name: str | None = None
    types: list[str] = []


class Catalog(ApiModel):
    content_types: list[ContentType]
    languages: list[Language] = []
    voices: list[Voice] = []
    styles: list[Style] = []

    def canonical_type(self, name: str) -> str | None:
        """The canonical type for a name or a legacy alias, or None when it is unknown."""
        for entry in self.content_types:
            if name == entry.type or name in entry.legacy_aliases:
                return entry.type
        alias_target = LEGACY_TYPE_ALIASES.get(name)
        if alias_target and any(e.type == alias_target for e in self.content_types):
            return alias_target
        return None

    def content_type(self, name: str) -> ContentType | None:
        canonical = self.canonical_type(name)
        return next((e for e in self.content_types if e.type == canonical), None)


class CreationCreated(ApiModel):
    job_id: ResourceId
    creation_id: ResourceId | None = None
    type: str | None = None
    status: str | None = None


class CreationSummary(ApiModel):
    creation_id: ResourceId
    type: str | None = None
    status: str | None = None
    title: str | None = None
    main_url: str | None = None
    thumbnail_url: str | None = None
    created_at: str | None = None


class CreationPage(ApiModel):
    items: list[CreationSummary] = []
    page: int = 1
    page_size: int = 20
    total: int | None = None


class Artifact(ApiModel):
    kind: str
    url: str


class Scene(ApiModel):
    scene_id: str
    index: int | None = None
    narration_text: str | None = None
    image_url: str | None = None


class CreationDetail(ApiModel):
    creation_id: ResourceId
    type: str | None = None
    status: str | None = None
    title: str | None = None
    language: str | None = None
    aspect_ratio: str | None = None
    main_url: str | None = None
    thumbnail_url: str | None = None
    artifacts: list[Artifact] = []
    scenes: list[Scene] = []
    editable_actions: list[str] = []
    created_at: str | None = None
    updated_at: str | None = None


class JobStatus(ApiModel):
    job_id: ResourceId
    creation_id: ResourceId | None = None
    kind: str | None = Field(None, description="'create' or 'edit'.")
    status: str
    progress: int | None = Field(None, description="0 to 100.")
    error: str | dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None


class EditAccepted(ApiModel):
    job_id: ResourceId
    creation_id: ResourceId | None = None
    status: str | None = None

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
    """Base of every response shape: unknown fields are kept, because most names are inferred."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Health(ApiModel):
    """The API's liveness answer; it needs no key."""

    status: str = "ok"


class Me(ApiModel):
    """The account behind the key: who it is, its plan, whether it may create, and its credits."""

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
        """Why this account cannot create or edit now, or ``None`` when it can.

        The one statement of the halt conditions (no permission to manage creations; no credits
        left), read by the executor's gate and by ``kp_me``'s answer alike.
        """
        if self.can_manage_creations is False:
            return ErrorCode.INSUFFICIENT_PERMISSION
        if self.credits is not None and self.credits <= 0:
            return ErrorCode.INSUFFICIENT_CREDITS
        return None


class Range(ApiModel):
    """An inclusive range of allowed whole numbers, and the default used when none is given."""

    min: int
    max: int
    default: int | None = None


class ImageModel(ApiModel):
    """An image generator a content type can use, its options, and its credits per quality."""

    provider: str
    model: str
    label: str | None = None
    aspect_ratios: list[str] = []
    qualities: list[str] = []
    member_qualities: list[str] = Field([], description="Qualities only members may use.")
    credits: dict[str, int] | None = Field(None, description="Credits per quality.")


class ContentType(ApiModel):
    """One kind of content that can be created: its options, limits and cost in credits."""

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
    """A language content can be made in, by code."""

    code: str
    name: str | None = None


class Voice(ApiModel):
    """A narration voice, by id."""

    voice_id: str
    name: str | None = None
    language: str | None = None


class Style(ApiModel):
    """A visual style, by id, and the content types it applies to."""

    style_id: str
    name: str | None = None
    types: list[str] = []


class Catalog(ApiModel):
    """What can be created and with which options; requests are checked against it first."""

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
        """The entry for a type name or legacy alias, or ``None`` when the catalog has none."""
        canonical = self.canonical_type(name)
        return next((e for e in self.content_types if e.type == canonical), None)


class CreationCreated(ApiModel):
    """A create request was accepted: follow the job until it is done."""

    job_id: ResourceId
    creation_id: ResourceId | None = None
    type: str | None = None
    status: str | None = None


class CreationSummary(ApiModel):
    """One creation in a list of them."""

    creation_id: ResourceId
    type: str | None = None
    status: str | None = None
    title: str | None = None
    main_url: str | None = None
    thumbnail_url: str | None = None
    created_at: str | None = None


class CreationPage(ApiModel):
    """One page of the creations this key owns."""

    items: list[CreationSummary] = []
    page: int = 1
    page_size: int = 20
    total: int | None = None


class Artifact(ApiModel):
    """A result file of a creation (a video, a deck, an image), by kind and URL."""

    kind: str
    url: str


class Scene(ApiModel):
    """One scene of a creation; its scene_id is what a scene edit names."""

    scene_id: str
    index: int | None = None
    narration_text: str | None = None
    image_url: str | None = None


class CreationDetail(ApiModel):
    """One creation: its status, main URL, artifacts, scenes and the edits it allows."""

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
    """Where a generation job is: queued, processing, succeeded or failed."""

    job_id: ResourceId
    creation_id: ResourceId | None = None
    kind: str | None = Field(None, description="'create' or 'edit'.")
    status: str
    progress: int | None = Field(None, description="0 to 100.")
    error: str | dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None


class EditAccepted(ApiModel):
    """A scene edit was accepted: follow the job until it is done."""

    job_id: ResourceId
    creation_id: ResourceId | None = None
    status: str | None = None

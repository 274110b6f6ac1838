"""What a new sandbox holds: the five documented keys and the Generation A catalog.

The catalog follows docs/api-facts.md §5: ``content_types`` and the two image models with their
ratios, qualities and GPT-Image-2 credit prices are documented; every other value here (video
ratios, ranges, voices, styles, the other prices) is invented scaffolding, kept in this one
table so it can be corrected when the real catalog is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["CATALOG", "SANDBOX_DEFAULT_KEY", "SANDBOX_KEY_PREFIX", "SEEDED_ACCOUNTS", "SeedAccount"]

SANDBOX_KEY_PREFIX: Final = "kgp_sandbox_"
"""Every sandbox key starts with this, so entry points can tell a sandbox key from a real one."""
SANDBOX_DEFAULT_KEY: Final = SANDBOX_KEY_PREFIX + "member"
"""The key sandbox entry points use when none is given: a member with credits."""


@dataclass(frozen=True, slots=True)
class SeedAccount:
    """An account every fresh sandbox starts with; together they cover each gate's case."""

    key: str
    name: str
    plan: str
    credits: int
    can_manage_creations: bool = True
    active: bool = True


SEEDED_ACCOUNTS: Final = (
    SeedAccount(SANDBOX_DEFAULT_KEY, "Ada Member", "member", 1000),
    SeedAccount("kgp_sandbox_free", "Fred Free", "free", 100),
    SeedAccount("kgp_sandbox_broke", "Bo Broke", "member", 0),
    SeedAccount("kgp_sandbox_readonly", "Rae Readonly", "member", 500, can_manage_creations=False),
    SeedAccount("kgp_sandbox_revoked", "Rex Revoked", "member", 500, active=False),
)
"""A member, a free plan, no credits, a read-only key and a revoked one: one per gate."""

_VIDEO_RATIOS: Final = ["16:9", "9:16"]
_VIDEO_QUALITIES: Final = ["1K", "2K", "4K"]
_SCENE_EDITS: Final = {"update_scene_narration": 2, "regenerate_scene": 5}

CATALOG: Final[dict[str, Any]] = {
    "content_types": [
        {
            "type": "explainer_video",
            "label": "Explainer Video",
            "description": "A polished, narrated short video.",
            "aspect_ratios": _VIDEO_RATIOS,
            "qualities": _VIDEO_QUALITIES,
            "member_qualities": ["4K"],
            "duration_seconds": {"min": 4, "max": 90, "default": 30},
            "supports_voice": True,
            "supports_style": True,
            "supports_scene_edit": True,
            "legacy_aliases": ["knowledge_video"],
            "credits": {"1K": 40, "2K": 60, "4K": 90},
            "scene_edit_credits": _SCENE_EDITS,
        },
        {
            "type": "slides_video",
            "label": "Explainer Video (Slide-based)",
            "description": "A step-by-step, slide-by-slide narrated video.",
            "aspect_ratios": _VIDEO_RATIOS,
            "qualities": _VIDEO_QUALITIES,
            "member_qualities": ["4K"],
            "scene_count": {"min": 1, "max": 20, "default": 6},
            "supports_voice": True,
            "supports_style": True,
            "supports_scene_edit": True,
            "credits": {"1K": 20, "2K": 30, "4K": 50},
            "scene_edit_credits": _SCENE_EDITS,
        },
        {
            "type": "vector_animation",
            "label": "Vector Animation",
            "description": "An animation of a process, structure or mechanism.",
            "aspect_ratios": _VIDEO_RATIOS,
            "supports_voice": True,
            "supports_style": True,
            "supports_scene_edit": True,
            "credits": 50,
            "scene_edit_credits": _SCENE_EDITS,
        },
        {
            "type": "slide_deck",
            "label": "Slides",
            "description": "A PPT / PDF slide deck.",
            "aspect_ratios": ["16:9"],
            "scene_count": {"min": 1, "max": 20, "default": 8},
            "supports_style": True,
            "credits": 15,
        },
        {
            "type": "image",
            "label": "Image",
            "description": "A cover, poster or visual summary.",
            "models": [
                {
                    "provider": "gemini",
                    "model": "nano-banana-2",
                    "label": "Nano Banana 2",
                    "aspect_ratios": ["16:9", "9:16", "1:1"],
                    "qualities": ["1K", "2K", "4K"],
                    "member_qualities": ["4K"],
                    "credits": {"1K": 4, "2K": 6, "4K": 10},
                },
                {
                    "provider": "azure_openai",
                    "model": "gpt-image-2",
                    "label": "GPT-Image-2",
                    "aspect_ratios": ["3:2", "2:3", "1:1"],
                    "qualities": ["low", "medium", "high"],
                    "member_qualities": ["high"],
                    "credits": {"low": 5, "medium": 8, "high": 20},
                },
            ],
        },
        {
            "type": "interactive_lesson",
            "label": "Interactive Lesson",
            "description": "An interactive learning app with a launch URL.",
            "supports_instructions": True,
            "legacy_aliases": ["web_app"],
            "credits": 30,
        },
    ],
    "languages": [
        {"code": "en", "name": "English"},
        {"code": "zh", "name": "中文"},
        {"code": "es", "name": "Español"},
        {"code": "fr", "name": "Français"},
        {"code": "de", "name": "Deutsch"},
        {"code": "ja", "name": "日本語"},
    ],
    "voices": [
        {"voice_id": "v_en_female_1", "name": "Clara (warm)", "language": "en"},
        {"voice_id": "v_en_male_1", "name": "Owen (calm)", "language": "en"},
        {"voice_id": "v_zh_female_1", "name": "Lin (clear)", "language": "zh"},
        {"voice_id": "v_es_male_1", "name": "Mateo", "language": "es"},
    ],
    "styles": [
        {
            "style_id": "st_flat",
            "name": "Flat illustration",
            "types": ["explainer_video", "slides_video", "vector_animation"],
        },
        {
            "style_id": "st_whiteboard",
            "name": "Whiteboard",
            "types": ["explainer_video", "slides_video"],
        },
        {"style_id": "st_blueprint", "name": "Blueprint", "types": ["vector_animation"]},
        {"style_id": "st_minimal", "name": "Minimal", "types": ["slide_deck", "slides_video"]},
    ],
}
"""The sandbox's ``GET /catalog`` body: the six documented content types and two image models
(GPT-Image-2's prices are the documented ones); the rest is invented but plausible scaffolding."""

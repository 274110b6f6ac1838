"""What kp-tools knows about KPainter's content types before it has read ``/catalog``.

The live catalog (``GET /catalog``) is the source of truth for every option and limit, and the
checks in :mod:`kp_tools.catalog_rules` read it. Some renderings must describe the content
types without a key or a request, though: an MCP host lists the guided prompts before the
user has configured anything. For those, :data:`CONTENT_TYPES` holds the documented facts (the
canonical types, what each makes, and the one create argument that sizes it, as the KPainter
docs state: ``duration_seconds`` only for ``explainer_video``, ``scene_count`` for the
page-based ``slides_video`` and ``slide_deck``). A test checks them against the sandbox's
catalog, the emulator of the real one.

:func:`content_types` is the other view: the canonical names of a catalog that was read, each
with the legacy names still accepted for it on input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.models import Catalog

__all__ = [
    "BRIEF_ARGUMENT",
    "CONTENT_TYPES",
    "SIZE_ARGUMENTS",
    "TYPE_ARGUMENT",
    "ContentTypeFacts",
    "content_types",
]


@dataclass(frozen=True, slots=True)
class ContentTypeFacts:
    """One documented content type.

    ``sized_by`` is the create argument that sets its length (the catalog gives the range under
    the same name), or ``None`` when the type has no size to choose.
    """

    type: str
    makes: str
    sized_by: str | None = None


TYPE_ARGUMENT: Final = "type"
"""The create argument (and request field) that names the content type (documented)."""
BRIEF_ARGUMENT: Final = "prompt"
"""The create argument (and request field) that says what to make (documented)."""

SIZE_ARGUMENTS: Final[Mapping[str, str]] = {
    "duration_seconds": "Length in seconds",
    "scene_count": "Number of slides",
}
"""The create arguments that size a creation, with what each counts, in the user's words."""

CONTENT_TYPES: Final[tuple[ContentTypeFacts, ...]] = (
    ContentTypeFacts("explainer_video", "a narrated explainer video", "duration_seconds"),
    ContentTypeFacts("slides_video", "a slide-by-slide narrated video", "scene_count"),
    ContentTypeFacts("vector_animation", "a vector animation of a process or mechanism"),
    ContentTypeFacts("slide_deck", "a slide deck (PPT / PDF)", "scene_count"),
    ContentTypeFacts("image", "an image (a cover, poster or visual summary)"),
    ContentTypeFacts("interactive_lesson", "an interactive lesson"),
)
"""The canonical content types as documented, in the documentation's order."""

_NOTE: Final = "Use the canonical type names; legacy aliases are accepted on input only."


def content_types(catalog_data: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical content types of a catalog, each with the legacy names that map to it.

    Args:
        catalog_data: a ``/catalog`` body (as :class:`~kp_tools.models.Catalog` dumps it).

    Returns:
        ``{"content_types": [{type, label, description, legacy_aliases}], "note": ...}``: the
        aliases the catalog lists plus the documented ones, so a host can show every name a
        user might type next to the one to use.
    """
    catalog = Catalog.model_validate(catalog_data)
    types = []
    for entry in catalog.content_types:
        aliases = set(entry.legacy_aliases)
        aliases.update(a for a, target in LEGACY_TYPE_ALIASES.items() if target == entry.type)
        types.append(
            {
                "type": entry.type,
                "label": entry.label,
                "description": entry.description,
                "legacy_aliases": sorted(aliases),
            }
        )
    return {"content_types": types, "note": _NOTE}

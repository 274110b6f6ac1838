"""kp_tools.catalog: the documented content types agree with the catalog, and the listing."""

from __future__ import annotations

from typing import Any

from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.catalog import (
    BRIEF_ARGUMENT,
    CONTENT_TYPES,
    SIZE_ARGUMENTS,
    TYPE_ARGUMENT,
    content_types,
)
from kp_tools.models import ContentType, Range
from kp_tools.sandbox import CATALOG
from kp_tools.specs import SPECS, Effect

CREATE = next(s for s in SPECS.values() if s.effect is Effect.CREATE)
CREATE_FIELDS = CREATE.input_model.model_fields


def _ranges(entry: dict[str, Any]) -> set[str]:
    """The catalog ranges an entry gives (the fields of ContentType that are a Range)."""
    parsed = ContentType.model_validate(entry)
    return {name for name in SIZE_ARGUMENTS if isinstance(getattr(parsed, name), Range)}


def test_the_documented_types_are_the_catalogs_canonical_types_in_order() -> None:
    assert [t.type for t in CONTENT_TYPES] == [e["type"] for e in CATALOG["content_types"]]
    assert not {t.type for t in CONTENT_TYPES} & set(LEGACY_TYPE_ALIASES)


def test_a_type_is_sized_by_exactly_the_range_its_catalog_entry_gives() -> None:
    by_type = {e["type"]: e for e in CATALOG["content_types"]}
    for facts in CONTENT_TYPES:
        expected = {facts.sized_by} if facts.sized_by is not None else set()
        assert _ranges(by_type[facts.type]) == expected, facts.type


def test_sizes_type_and_brief_are_arguments_of_the_create_tool() -> None:
    assert {TYPE_ARGUMENT, BRIEF_ARGUMENT, *SIZE_ARGUMENTS} <= set(CREATE_FIELDS)
    assert all(field in ContentType.model_fields for field in SIZE_ARGUMENTS)


def test_the_listing_has_canonical_names_with_every_legacy_alias() -> None:
    listing = content_types(CATALOG)
    by_type = {t["type"]: t["legacy_aliases"] for t in listing["content_types"]}
    assert list(by_type) == [e["type"] for e in CATALOG["content_types"]]
    for alias, canonical in LEGACY_TYPE_ALIASES.items():
        assert alias in by_type[canonical]
    assert "canonical" in listing["note"]


def test_the_listing_adds_documented_aliases_a_catalog_leaves_out() -> None:
    bare = {"content_types": [{"type": "interactive_lesson", "label": "Interactive Lesson"}]}
    (entry,) = content_types(bare)["content_types"]
    assert entry == {
        "type": "interactive_lesson",
        "label": "Interactive Lesson",
        "description": None,
        "legacy_aliases": ["web_app"],
    }

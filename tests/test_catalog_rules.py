"""kp_tools.catalog_rules: what a create or scene-edit request must pass, and what it costs.

The catalog here is written out in full (not the sandbox's), so every allowed value and price a
test relies on is visible next to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from kp_tools.catalog_rules import (
    MAX_TEXT,
    CheckedRequest,
    check_creation,
    check_scene_edit,
    require_content_type,
)
from kp_tools.errors import InvalidArgumentsError
from kp_tools.models import Catalog, CreationDetail

CATALOG = Catalog.model_validate(
    {
        "content_types": [
            {
                "type": "explainer_video",
                "aspect_ratios": ["16:9", "9:16"],
                "qualities": ["1K", "4K"],
                "member_qualities": ["4K"],
                "duration_seconds": {"min": 4, "max": 90},
                "supports_voice": True,
                "supports_style": True,
                "supports_scene_edit": True,
                "legacy_aliases": ["knowledge_video"],
                "credits": {"1K": 40, "4K": 90},
                "scene_edit_credits": {"update_scene_narration": 2, "regenerate_scene": 5},
            },
            {
                "type": "slide_deck",
                "aspect_ratios": ["16:9"],
                "scene_count": {"min": 1, "max": 20},
                "supports_style": True,
                "credits": 15,
            },
            {
                "type": "image",
                "models": [
                    {
                        "provider": "gemini",
                        "model": "nano-banana-2",
                        "label": "Nano Banana 2",
                        "aspect_ratios": ["16:9", "1:1"],
                        "qualities": ["1K", "4K"],
                        "member_qualities": ["4K"],
                        "credits": {"1K": 4, "4K": 10},
                    },
                    {
                        "provider": "azure_openai",
                        "model": "gpt-image-2",
                        "aspect_ratios": ["3:2"],
                        "qualities": ["low", "high"],
                        "credits": {"low": 5, "high": 20},
                    },
                ],
            },
            {"type": "interactive_lesson", "supports_instructions": True},
        ],
        "languages": [{"code": "en"}, {"code": "fr"}],
        "voices": [{"voice_id": "v_en_1"}, {"voice_id": "v_fr_1"}],
        "styles": [
            {"style_id": "st_flat", "types": ["explainer_video"]},
            {"style_id": "st_minimal", "types": ["slide_deck"]},
            {"style_id": "st_any"},
        ],
    }
)


def create(**fields: Any) -> CheckedRequest:
    return check_creation({"type": "explainer_video", "prompt": "Tides", **fields}, CATALOG)


def problems(checked: CheckedRequest) -> dict[str, tuple[str, list[Any] | None]]:
    return {p.field: (p.problem, p.allowed) for p in checked.problems}


# -- check_creation: types and fields ---------------------------------------------------------


def test_a_valid_video_passes_unchanged_and_costs_its_qualitys_price() -> None:
    checked = create(aspect_ratio="9:16", output_quality="1K", duration_seconds=30)

    assert checked.problems == []
    assert checked.body == {
        "type": "explainer_video",
        "prompt": "Tides",
        "aspect_ratio": "9:16",
        "output_quality": "1K",
        "duration_seconds": 30,
    }
    assert checked.cost == 40
    assert checked.member_only == []


def test_without_a_quality_the_price_is_the_first_offered_qualitys() -> None:
    assert create().cost == 40


def test_a_flat_priced_type_costs_its_flat_price() -> None:
    checked = check_creation({"type": "slide_deck", "prompt": "Tides"}, CATALOG)
    assert (checked.problems, checked.cost) == ([], 15)


def test_a_type_the_catalog_does_not_price_has_no_known_cost() -> None:
    checked = check_creation({"type": "interactive_lesson", "prompt": "Tides"}, CATALOG)
    assert (checked.problems, checked.cost) == ([], None)


def test_a_legacy_alias_the_catalog_lists_is_sent_as_the_canonical_type() -> None:
    checked = check_creation({"type": "knowledge_video", "prompt": "Tides"}, CATALOG)
    assert checked.problems == []
    assert checked.body["type"] == "explainer_video"


def test_a_documented_alias_is_mapped_even_when_the_catalog_does_not_list_it() -> None:
    # interactive_lesson above lists no aliases; "web_app" is the API's documented old name.
    checked = check_creation({"type": "web_app", "prompt": "Tides"}, CATALOG)
    assert checked.problems == []
    assert checked.body["type"] == "interactive_lesson"


def test_an_unknown_type_is_refused_listing_the_catalogs_types_and_nothing_else_is_checked() -> (
    None
):
    checked = check_creation({"type": "podcast", "prompt": ""}, CATALOG)
    assert problems(checked) == {
        "type": (
            "unknown content type 'podcast'",
            ["explainer_video", "slide_deck", "image", "interactive_lesson"],
        )
    }
    assert checked.cost is None


def test_a_missing_type_is_refused_as_an_unknown_type() -> None:
    checked = check_creation({"prompt": "Tides"}, CATALOG)
    assert problems(checked)["type"][0] == "unknown content type None"


def test_a_field_that_no_creation_has_is_refused_listing_the_fields_a_creation_has() -> None:
    problem, allowed = problems(create(colour="blue"))["colour"]
    assert problem == "is not a field of a creation"
    assert allowed is not None
    assert "prompt" in allowed
    assert "colour" not in allowed


def test_every_problem_is_reported_at_once() -> None:
    checked = create(prompt="", language="xx", duration_seconds=500, voice_id="nobody")
    assert set(problems(checked)) == {"prompt", "language", "duration_seconds", "voice_id"}


def test_fields_set_to_none_count_as_absent() -> None:
    checked = create(language=None, voice_id=None)
    assert checked.problems == []
    assert "language" not in checked.body


def test_the_callers_request_is_left_as_it_was() -> None:
    request = {"type": "knowledge_video", "prompt": "Tides", "voice_id": None}
    check_creation(request, CATALOG)
    assert request == {"type": "knowledge_video", "prompt": "Tides", "voice_id": None}


# -- check_creation: single fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "problem"),
    [
        (None, "is required"),
        ("   ", "must be non-empty text"),
        (42, "must be non-empty text"),
        ("x" * (MAX_TEXT + 1), f"is {MAX_TEXT + 1} characters; at most {MAX_TEXT}"),
    ],
)
def test_a_prompt_must_be_non_empty_text_within_the_limit(prompt: object, problem: str) -> None:
    body = {"type": "explainer_video", "prompt": prompt}
    assert problems(check_creation(body, CATALOG))["prompt"] == (problem, None)


def test_a_prompt_at_the_limit_is_accepted() -> None:
    assert create(prompt="x" * MAX_TEXT).problems == []


def test_a_language_the_catalog_does_not_offer_is_refused_listing_the_languages() -> None:
    assert problems(create(language="de"))["language"] == ("'de' is not offered", ["en", "fr"])


def test_a_duration_out_of_range_is_refused_with_the_types_bounds() -> None:
    assert problems(create(duration_seconds=91))["duration_seconds"] == (
        "91 is out of range for explainer_video: 4 to 90",
        [4, 90],
    )


@pytest.mark.parametrize("value", [True, 30.5, "30"])
def test_a_duration_must_be_a_whole_number(value: object) -> None:
    assert problems(create(duration_seconds=value))["duration_seconds"] == (
        "must be a whole number",
        None,
    )


def test_a_size_field_the_type_does_not_use_names_the_types_that_use_it() -> None:
    assert problems(create(scene_count=5))["scene_count"] == (
        "is not used by explainer_video (used by: slide_deck)",
        None,
    )


def test_a_voice_for_a_type_without_narration_is_refused() -> None:
    body = {"type": "slide_deck", "prompt": "Tides", "voice_id": "v_en_1"}
    assert problems(check_creation(body, CATALOG))["voice_id"] == (
        "is not used by slide_deck",
        None,
    )


def test_an_unknown_voice_is_refused_listing_the_voices() -> None:
    assert problems(create(voice_id="v_xx"))["voice_id"] == (
        "unknown voice 'v_xx'",
        ["v_en_1", "v_fr_1"],
    )


def test_a_style_lists_only_the_styles_offered_for_that_type() -> None:
    # st_minimal is for slide decks; st_any names no types, so it goes with every type.
    assert problems(create(style_id="st_minimal"))["style_id"] == (
        "unknown style 'st_minimal' for explainer_video",
        ["st_flat", "st_any"],
    )
    assert create(style_id="st_any").problems == []


def test_a_style_for_a_type_without_styles_is_refused() -> None:
    body = {"type": "interactive_lesson", "prompt": "Tides", "style_id": "st_any"}
    assert problems(check_creation(body, CATALOG))["style_id"] == (
        "is not used by interactive_lesson",
        None,
    )


def test_instructions_are_only_for_types_that_take_them() -> None:
    assert problems(create(instructions="Quiz at the end"))["instructions"] == (
        "is not used by explainer_video",
        None,
    )
    lesson = {"type": "interactive_lesson", "prompt": "Tides", "instructions": "Quiz at the end"}
    assert check_creation(lesson, CATALOG).problems == []


def test_blank_instructions_are_refused_for_a_type_that_takes_them() -> None:
    lesson = {"type": "interactive_lesson", "prompt": "Tides", "instructions": " "}
    assert problems(check_creation(lesson, CATALOG))["instructions"] == (
        "must be non-empty text",
        None,
    )


def test_an_aspect_ratio_or_quality_the_type_does_not_offer_is_refused_with_the_offered_ones() -> (
    None
):
    found = problems(create(aspect_ratio="1:1", output_quality="8K"))
    assert found["aspect_ratio"] == ("'1:1' is not offered for explainer_video", ["16:9", "9:16"])
    assert found["output_quality"] == ("'8K' is not offered for explainer_video", ["1K", "4K"])


def test_a_quality_for_a_type_without_qualities_is_refused() -> None:
    body = {"type": "slide_deck", "prompt": "Tides", "output_quality": "1K"}
    assert problems(check_creation(body, CATALOG))["output_quality"] == (
        "is not used by slide_deck",
        None,
    )


def test_image_generation_is_refused_for_a_type_without_image_models() -> None:
    found = problems(create(image_generation={"model": "gpt-image-2"}))
    assert found["image_generation"] == ("is not used by explainer_video", None)


def test_a_member_quality_is_named_as_member_only_and_priced() -> None:
    checked = create(output_quality="4K")
    assert checked.problems == []
    assert checked.member_only == ["output_quality=4K"]
    assert checked.cost == 90


# -- check_creation: images -------------------------------------------------------------------


def image(**fields: Any) -> CheckedRequest:
    return check_creation({"type": "image", "prompt": "A lighthouse", **fields}, CATALOG)


def test_an_image_without_a_model_uses_the_first_model_and_names_its_provider() -> None:
    checked = image()
    assert checked.problems == []
    assert checked.body["image_generation"] == {"provider": "gemini", "model": "nano-banana-2"}
    assert checked.cost == 4


def test_an_image_model_may_be_named_by_its_label() -> None:
    checked = image(image_generation={"model": "Nano Banana 2", "quality": "4K"})
    assert checked.problems == []
    assert checked.body["image_generation"] == {
        "model": "nano-banana-2",
        "quality": "4K",
        "provider": "gemini",
    }
    assert checked.member_only == ["image_generation.quality=4K"]
    assert checked.cost == 10


def test_an_image_is_priced_by_the_chosen_models_quality() -> None:
    checked = image(
        image_generation={"model": "gpt-image-2", "quality": "high"}, aspect_ratio="3:2"
    )
    assert (checked.problems, checked.cost, checked.member_only) == ([], 20, [])


def test_an_unknown_image_model_is_refused_listing_the_models() -> None:
    assert problems(image(image_generation={"model": "dall-e"}))["image_generation.model"] == (
        "unknown image model 'dall-e'",
        ["nano-banana-2", "gpt-image-2"],
    )


def test_a_quality_or_ratio_the_image_model_does_not_offer_is_refused_with_its_own_options() -> (
    None
):
    found = problems(image(image_generation={"model": "gpt-image-2", "quality": "4K"}))
    assert found["image_generation.quality"] == (
        "'4K' is not offered by gpt-image-2",
        ["low", "high"],
    )
    found = problems(image(image_generation={"model": "gpt-image-2"}, aspect_ratio="16:9"))
    assert found["aspect_ratio"] == ("'16:9' is not offered by gpt-image-2", ["3:2"])


def test_an_image_takes_its_quality_inside_image_generation_not_as_output_quality() -> None:
    assert problems(image(output_quality="1K"))["output_quality"] == (
        "images take image_generation.quality",
        None,
    )


def test_image_generation_must_be_an_object() -> None:
    assert problems(image(image_generation="gpt-image-2"))["image_generation"] == (
        "must be an object",
        None,
    )


# -- check_scene_edit -------------------------------------------------------------------------


def detail(**fields: Any) -> CreationDetail:
    return CreationDetail.model_validate(
        {
            "creation_id": 7,
            "type": "explainer_video",
            "status": "ready",
            "scenes": [{"scene_id": "s1"}, {"scene_id": "s2"}],
            "editable_actions": ["update_scene_narration", "regenerate_scene"],
            **fields,
        }
    )


def edit(request: dict[str, Any], **detail_fields: Any) -> CheckedRequest:
    return check_scene_edit(request, detail(**detail_fields), CATALOG)


NARRATION = {"action": "update_scene_narration", "scene_id": "s2", "narration_text": "Hello"}


def test_a_valid_edit_passes_and_costs_its_actions_price() -> None:
    checked = edit(NARRATION)
    assert (checked.problems, checked.unsupported, checked.cost) == ([], None, 2)
    assert edit({"action": "regenerate_scene", "scene_id": "s1"}).cost == 5


def test_an_unknown_action_is_refused_listing_the_actions_and_nothing_else_is_checked() -> None:
    checked = edit({"action": "delete_scene", "scene_id": "nope"})
    assert problems(checked) == {
        "action": (
            "unknown action 'delete_scene'",
            ["update_scene_narration", "regenerate_scene"],
        )
    }
    assert checked.unsupported is None


def test_a_field_no_scene_edit_has_is_refused() -> None:
    problem, allowed = problems(edit({**NARRATION, "colour": "blue"}))["colour"]
    assert problem == "is not a field of a scene edit"
    assert allowed is not None
    assert "scene_id" in allowed


def test_a_type_without_scene_edits_is_unsupported_not_invalid() -> None:
    checked = edit(NARRATION, type="slide_deck")
    assert checked.problems == []
    assert checked.unsupported == (
        "slide_deck creations cannot be edited scene by scene; create a new one with a "
        "changed prompt instead."
    )


def test_a_creation_that_is_not_ready_is_unsupported_until_it_is() -> None:
    checked = edit(NARRATION, status="processing")
    assert checked.unsupported is not None
    assert "creation 7 is processing" in checked.unsupported


def test_an_action_the_creation_does_not_allow_is_unsupported_listing_the_allowed_ones() -> None:
    checked = edit(NARRATION, editable_actions=["regenerate_scene"])
    assert checked.unsupported == (
        "action 'update_scene_narration' is not available for creation 7; editable actions: "
        "regenerate_scene."
    )
    assert "none." in (edit(NARRATION, editable_actions=[]).unsupported or "")


def test_a_detail_that_does_not_list_its_actions_allows_the_usual_ones() -> None:
    bare = CreationDetail.model_validate(
        {
            "creation_id": 7,
            "type": "explainer_video",
            "status": "ready",
            "scenes": [{"scene_id": "s2"}],
        }
    )
    checked = check_scene_edit(NARRATION, bare, CATALOG)
    assert (checked.problems, checked.unsupported) == ([], None)


def test_an_unknown_scene_is_refused_listing_the_creations_scenes() -> None:
    assert problems(edit({**NARRATION, "scene_id": "s9"}))["scene_id"] == (
        "creation 7 has no scene 's9'",
        ["s1", "s2"],
    )


def test_new_narration_is_required_only_for_a_narration_update() -> None:
    assert problems(edit({"action": "update_scene_narration", "scene_id": "s1"}))[
        "narration_text"
    ] == ("is required", None)
    assert edit({"action": "regenerate_scene", "scene_id": "s1"}).problems == []


def test_an_edits_voice_is_checked_against_the_catalog() -> None:
    assert problems(edit({**NARRATION, "voice_id": "v_xx"}))["voice_id"] == (
        "unknown voice 'v_xx'",
        ["v_en_1", "v_fr_1"],
    )


# -- require_content_type ---------------------------------------------------------------------


def test_require_content_type_finds_a_type_by_its_legacy_alias() -> None:
    assert require_content_type("knowledge_video", CATALOG).type == "explainer_video"


def test_require_content_type_refuses_an_unknown_type_listing_the_types() -> None:
    with pytest.raises(InvalidArgumentsError) as raised:
        require_content_type("podcast", CATALOG)
    [problem] = raised.value.problems
    assert problem.field == "type"
    assert problem.allowed == ["explainer_video", "slide_deck", "image", "interactive_lesson"]

"""docs/workflow.md rule 5: arguments are checked against the catalog and the credits seen, first.

Every refusal names the field, lists what would be accepted, and sends nothing upstream.
"""

from __future__ import annotations

from typing import Any

import pytest

from kp_tools import ErrorCode, Executor, Outcome, Sandbox
from tests.conftest import MEMBER


@pytest.fixture
async def ready(executor: Executor) -> Executor:
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    return executor


async def refused(executor: Executor, sandbox: Sandbox, tool: str, arguments: Any) -> Outcome:
    posts_before = sandbox.count("POST")
    outcome = await executor.run(tool, arguments, api_key=MEMBER)
    assert outcome.code is ErrorCode.INVALID_ARGUMENTS, outcome
    assert sandbox.count("POST") == posts_before
    return outcome


def problem(outcome: Outcome, field: str) -> tuple[str, list[Any] | None]:
    assert outcome.error is not None
    found = [p for p in outcome.error.problems if p.field == field]
    assert found, f"no problem for {field}: {outcome.error.problems}"
    return found[0].problem, found[0].allowed


async def test_unknown_type_lists_the_canonical_types(ready: Executor, sandbox: Sandbox) -> None:
    outcome = await refused(
        ready, sandbox, "kp_create_creation", {"type": "podcast", "prompt": "x"}
    )
    _, allowed = problem(outcome, "type")
    assert allowed == [
        "explainer_video",
        "slides_video",
        "vector_animation",
        "slide_deck",
        "image",
        "interactive_lesson",
    ]
    assert "knowledge_video" not in outcome.text()


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("knowledge_video", "explainer_video"), ("web_app", "interactive_lesson")],
)
async def test_legacy_aliases_are_sent_under_their_canonical_name(
    ready: Executor, alias: str, canonical: str
) -> None:
    outcome = await ready.run(
        "kp_create_creation", {"type": alias, "prompt": "Fractions"}, api_key=MEMBER
    )
    assert outcome.ok, outcome
    assert outcome.data is not None and outcome.data["type"] == canonical


async def test_a_field_the_type_does_not_take_is_refused(ready: Executor, sandbox: Sandbox) -> None:
    outcome = await refused(
        ready,
        sandbox,
        "kp_create_creation",
        {"type": "explainer_video", "prompt": "MCP", "scene_count": 6},
    )
    message, _ = problem(outcome, "scene_count")
    assert "not used by explainer_video" in message
    assert "slides_video" in message


async def test_out_of_range_duration_names_the_range(ready: Executor, sandbox: Sandbox) -> None:
    outcome = await refused(
        ready,
        sandbox,
        "kp_create_creation",
        {"type": "explainer_video", "prompt": "MCP", "duration_seconds": 600},
    )
    message, allowed = problem(outcome, "duration_seconds")
    assert "4 to 90" in message
    assert allowed == [4, 90]


async def test_unknown_voice_and_style_list_the_allowed_ones(
    ready: Executor, sandbox: Sandbox
) -> None:
    outcome = await refused(
        ready,
        sandbox,
        "kp_create_creation",
        {
            "type": "slides_video",
            "prompt": "MCP",
            "voice_id": "v_robot",
            "style_id": "st_blueprint",
        },
    )
    _, voices = problem(outcome, "voice_id")
    assert voices is not None and "v_en_female_1" in voices
    _, styles = problem(outcome, "style_id")
    assert styles is not None and "st_whiteboard" in styles and "st_blueprint" not in styles


async def test_image_quality_and_model_are_checked_per_model(
    ready: Executor, sandbox: Sandbox
) -> None:
    outcome = await refused(
        ready,
        sandbox,
        "kp_create_creation",
        {
            "type": "image",
            "prompt": "A cat",
            "image_model": "gpt-image-2",
            "quality": "4K",
            "aspect_ratio": "16:9",
        },
    )
    _, qualities = problem(outcome, "quality")
    assert qualities == ["low", "medium", "high"]
    _, ratios = problem(outcome, "aspect_ratio")
    assert ratios == ["3:2", "2:3", "1:1"]
    unknown_model = await refused(
        ready,
        sandbox,
        "kp_create_creation",
        {"type": "image", "prompt": "A cat", "image_model": "dall-e"},
    )
    _, models = problem(unknown_model, "image_model")
    assert models == ["nano-banana-2", "gpt-image-2"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"type": "image"}, "prompt"),
        ({"type": "image", "prompt": "   "}, "prompt"),
        ({"type": "image", "prompt": "x", "colour": "red"}, "colour"),
        ({"type": ["image"], "prompt": "x"}, "type"),
        ({"type": "slides_video", "prompt": "x", "scene_count": "many"}, "scene_count"),
        ({"type": "slides_video", "prompt": "x" * 10_001}, "prompt"),
    ],
)
async def test_wrong_arguments_name_the_field(
    ready: Executor, sandbox: Sandbox, arguments: dict[str, Any], field: str
) -> None:
    outcome = await refused(ready, sandbox, "kp_create_creation", arguments)
    problem(outcome, field)


async def test_an_invented_argument_lists_the_real_ones(ready: Executor, sandbox: Sandbox) -> None:
    outcome = await refused(ready, sandbox, "kp_get_creation", {"creation_id": 1, "verbose": True})
    _, allowed = problem(outcome, "verbose")
    assert allowed == ["creation_id"]


async def test_bad_ids_are_refused_locally(ready: Executor, sandbox: Sandbox) -> None:
    before = sandbox.count()
    for tool, arguments in [
        ("kp_get_creation", {"creation_id": 0}),
        ("kp_get_creation", {"creation_id": "abc"}),
        ("kp_get_job_status", {"job_id": -3}),
        ("kp_get_job_status", {"job_id": 1, "wait_seconds": 500}),
    ]:
        assert (
            await ready.run(tool, arguments, api_key=MEMBER)
        ).code is ErrorCode.INVALID_ARGUMENTS
    assert sandbox.count() == before


async def test_unknown_creation_and_job_are_not_found(ready: Executor) -> None:
    creation = await ready.run("kp_get_creation", {"creation_id": 999}, api_key=MEMBER)
    assert creation.code is ErrorCode.NOT_FOUND
    job = await ready.run("kp_get_job_status", {"job_id": 999}, api_key=MEMBER)
    assert job.code is ErrorCode.NOT_FOUND


async def test_non_object_arguments_are_refused(ready: Executor) -> None:
    outcome = await ready.run("kp_get_creation", [1, 2], api_key=MEMBER)  # type: ignore[arg-type]
    assert outcome.code is ErrorCode.INVALID_ARGUMENTS


async def test_credits_preflight_refuses_what_the_account_cannot_afford(
    executor: Executor, sandbox: Sandbox
) -> None:
    sandbox.add_account("kgp_fifty", credits=50)
    assert (await executor.run("kp_me", api_key="kgp_fifty")).ok
    outcome = await executor.run(
        "kp_create_creation",
        {"type": "explainer_video", "prompt": "MCP", "quality": "2K"},
        api_key="kgp_fifty",
    )
    assert outcome.code is ErrorCode.INSUFFICIENT_CREDITS
    assert outcome.error is not None and "costs 60 credits" in outcome.error.message
    assert sandbox.count("POST", "/creations") == 0
    cheaper = await executor.run(
        "kp_create_creation",
        {"type": "slides_video", "prompt": "MCP", "quality": "1K"},
        api_key="kgp_fifty",
    )
    assert cheaper.ok and cheaper.data is not None and cheaper.data["cost"] == 20


async def test_spent_credits_count_against_the_next_preflight(
    executor: Executor, sandbox: Sandbox
) -> None:
    sandbox.add_account("kgp_seventy", credits=70)
    assert (await executor.run("kp_me", api_key="kgp_seventy")).ok
    first = await executor.run(
        "kp_create_creation", {"type": "explainer_video", "prompt": "A"}, api_key="kgp_seventy"
    )
    assert first.ok
    second = await executor.run(
        "kp_create_creation", {"type": "explainer_video", "prompt": "B"}, api_key="kgp_seventy"
    )
    assert second.code is ErrorCode.INSUFFICIENT_CREDITS
    assert sandbox.count("POST", "/creations") == 1

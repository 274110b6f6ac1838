"""kp_edit_scene: checked against the creation and the catalog before anything is spent."""

from __future__ import annotations

from typing import Any

import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from tests.conftest import MEMBER


async def ready_creation(executor: Executor, type_: str = "slides_video") -> int:
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    created = await executor.run(
        "kp_create_creation", {"type": type_, "prompt": "Rainbows. Light bends."}, api_key=MEMBER
    )
    assert created.ok and created.data is not None, created
    return int(created.data["creation_id"])


def narration(creation_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "creation_id": creation_id,
        "scene_id": "s2",
        "action": "update_scene_narration",
        "narration_text": "Light splits into colours.",
        **overrides,
    }


async def test_a_narration_edit_lands_in_the_scene(executor: Executor) -> None:
    creation_id = await ready_creation(executor)
    edit = await executor.run("kp_edit_scene", narration(creation_id), api_key=MEMBER)
    assert edit.ok and edit.data is not None, edit
    waited = await executor.run(
        "kp_get_job_status", {"job_id": edit.data["job_id"], "wait_seconds": 5}, api_key=MEMBER
    )
    assert waited.ok
    detail = await executor.run("kp_get_creation", {"creation_id": creation_id}, api_key=MEMBER)
    assert detail.data is not None
    scene = next(s for s in detail.data["scenes"] if s["scene_id"] == "s2")
    assert scene["narration_text"] == "Light splits into colours."


@pytest.mark.parametrize("type_", ["image", "interactive_lesson", "slide_deck"])
async def test_types_without_scene_edits_are_edit_not_supported(
    executor: Executor, sandbox: Sandbox, type_: str
) -> None:
    creation_id = await ready_creation(executor, type_)
    outcome = await executor.run(
        "kp_edit_scene", narration(creation_id, scene_id="s1"), api_key=MEMBER
    )
    assert outcome.code is ErrorCode.EDIT_NOT_SUPPORTED
    assert sandbox.count("POST", f"/creations/{creation_id}/edit") == 0


async def test_an_unknown_scene_lists_the_scenes(executor: Executor, sandbox: Sandbox) -> None:
    creation_id = await ready_creation(executor)
    outcome = await executor.run(
        "kp_edit_scene", narration(creation_id, scene_id="s99"), api_key=MEMBER
    )
    assert outcome.code is ErrorCode.INVALID_ARGUMENTS
    assert outcome.error is not None
    assert outcome.error.problems[0].allowed == ["s1", "s2", "s3", "s4", "s5", "s6"]
    assert sandbox.count("POST", f"/creations/{creation_id}/edit") == 0


async def test_narration_update_needs_narration_text(executor: Executor, sandbox: Sandbox) -> None:
    creation_id = await ready_creation(executor)
    outcome = await executor.run(
        "kp_edit_scene", narration(creation_id, narration_text=None), api_key=MEMBER
    )
    assert outcome.code is ErrorCode.INVALID_ARGUMENTS
    assert "narration_text is required" in outcome.text()
    assert sandbox.count("POST", f"/creations/{creation_id}/edit") == 0


async def test_an_unknown_action_lists_the_actions(executor: Executor) -> None:
    creation_id = await ready_creation(executor)
    outcome = await executor.run(
        "kp_edit_scene", narration(creation_id, action="iterate"), api_key=MEMBER
    )
    assert outcome.error is not None
    assert outcome.error.problems[0].allowed == ["update_scene_narration", "regenerate_scene"]


async def test_a_creation_still_generating_cannot_be_edited() -> None:
    sandbox = Sandbox(job_seconds=30)
    executor = Executor.for_sandbox(sandbox)
    creation_id = await ready_creation(executor)
    outcome = await executor.run(
        "kp_edit_scene", narration(creation_id, scene_id="s1"), api_key=MEMBER
    )
    assert outcome.code is ErrorCode.EDIT_NOT_SUPPORTED
    assert "kp_get_job_status" in outcome.text()


async def test_another_users_creation_is_not_found(executor: Executor, sandbox: Sandbox) -> None:
    creation_id = await ready_creation(executor)
    sandbox.add_account("kgp_stranger")
    assert (await executor.run("kp_me", api_key="kgp_stranger")).ok
    outcome = await executor.run("kp_edit_scene", narration(creation_id), api_key="kgp_stranger")
    assert outcome.code is ErrorCode.NOT_FOUND

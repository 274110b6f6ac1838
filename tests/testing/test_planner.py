"""kp_tools.testing.planner: the scripted "model" of the demo does what each result says."""

from __future__ import annotations

from typing import Any

from kp_tools.testing import Answer, Call, Planner, Step


def ok(result: dict[str, Any], next_step: str = "") -> dict[str, Any]:
    return {"ok": True, "result": result, "next_step": next_step}


def error(code: str, *, must_stop: bool = False, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "must_stop": must_stop, **extra}}


def test_it_starts_with_kp_me_and_reads_the_catalog_next() -> None:
    planner = Planner()
    assert planner.next([]) == Call("kp_me")
    me = Step("kp_me", {}, ok({"credits": 5}, "Key verified for Ada"))
    assert planner.next([me]) == Call("kp_get_catalog", {"type": "slides_video"})


def test_options_come_from_the_catalog() -> None:
    catalog = {
        "content_types": [
            {
                "type": "slides_video",
                "aspect_ratios": ["9:16"],
                "scene_count": {"min": 1, "max": 3},
                "supports_voice": True,
                "supports_style": False,
            }
        ],
        "voices": [{"voice_id": "v_zh", "language": "zh"}, {"voice_id": "v_en", "language": "en"}],
        "styles": [{"style_id": "st"}],
    }
    move = Planner(scene_count=6).next([Step("kp_get_catalog", {}, ok(catalog))])
    assert isinstance(move, Call) and move.tool == "kp_create_creation"
    assert move.args["aspect_ratio"] == "9:16"
    assert move.args["scene_count"] == 3  # clamped to what the catalog allows
    assert move.args["voice_id"] == "v_en"
    assert "style_id" not in move.args


def test_it_polls_until_done_then_reads_the_creation() -> None:
    planner = Planner()
    running = Step("kp_get_job_status", {}, ok({"job_id": 2, "creation_id": 1, "done": False}))
    assert planner.next([running]) == Call("kp_get_job_status", {"job_id": 2, "wait_seconds": 30})
    done = Step("kp_get_job_status", {}, ok({"job_id": 2, "creation_id": 1, "done": True}))
    assert planner.next([done]) == Call("kp_get_creation", {"creation_id": 1})


def test_it_edits_once_then_answers_with_the_urls() -> None:
    detail = {
        "creation_id": 1,
        "type": "slides_video",
        "title": "T",
        "status": "ready",
        "main_url": "https://x/main.svg",
        "editable_actions": ["update_scene_narration"],
        "scenes": [{"scene_id": "s1", "image_url": "u1"}, {"scene_id": "s2", "image_url": "u2"}],
    }
    read = Step("kp_get_creation", {}, ok(detail))
    first = Planner(rewrite="New words.").next([read])
    assert first == Call(
        "kp_edit_scene",
        {
            "creation_id": 1,
            "scene_id": "s2",
            "action": "update_scene_narration",
            "narration_text": "New words.",
        },
    )
    edited = Step("kp_edit_scene", {}, ok({"job_id": 3}))
    answer = Planner(rewrite="New words.").next([read, edited, read])
    assert isinstance(answer, Answer)
    assert "https://x/main.svg" in answer.text and "- scene s2: u2" in answer.text
    assert isinstance(Planner(rewrite=None).next([read]), Answer)


def test_it_stops_when_told_to() -> None:
    stop = Step("kp_me", {}, ok({"credits": 0}, "STOP: this account has no credits."))
    assert Planner().next([stop]) == Answer(
        "I have to stop here. STOP: this account has no credits."
    )
    refused = Step(
        "kp_create_creation",
        {},
        error("insufficient_credits", must_stop=True, tell_user="Top up on kpainter.ai."),
    )
    assert Planner().next([refused]) == Answer(
        "I have to stop (insufficient_credits). Top up on kpainter.ai."
    )


def test_kp_me_required_leads_to_kp_me_and_other_errors_are_reported() -> None:
    assert Planner().next([Step("kp_get_catalog", {}, error("kp_me_required"))]) == Call("kp_me")
    bad = error(
        "invalid_arguments", message="Invalid", problems=[{"field": "type", "problem": "unknown"}]
    )
    move = Planner().next([Step("kp_create_creation", {}, bad)])
    assert move == Answer(
        "kp_create_creation failed with invalid_arguments: Invalid (type: unknown)"
    )

"""The scripted planner: the documented KPainter workflow, decided one tool result at a time.

Given the calls made so far and what each returned (the outcome JSON every rendering shows the
model), :meth:`Planner.next` returns the next move: a tool call or the final answer. It is
stateless, so it can sit behind any agent loop that replays the conversation each turn:

1. ``kp_me``; stop if it says STOP;
2. ``kp_get_catalog`` for the type; options are picked from what the catalog lists;
3. ``kp_create_creation``; 4. ``kp_get_job_status`` with a wait, until done;
5. ``kp_get_creation``; 6. optionally ``kp_edit_scene`` on one scene, wait, read it again;
7. answer with the result URLs.

Errors are handled the way the tools ask: ``kp_me_required`` leads to ``kp_me``; an error with
``must_stop`` ends the run with its ``tell_user`` text; anything else is reported, not retried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "Call", "Move", "Planner", "Step", "parse_result"]

DEFAULT_TOPIC = "How transformer attention works"
DEFAULT_PROMPT = (
    "How transformer attention works.\n"
    "Every token asks a question with its query. Every token offers an answer with its key. "
    "Softmax turns query-key scores into weights. The weighted values become the new token."
)


@dataclass(frozen=True, slots=True)
class Call:
    """Call ``tool`` with ``args``."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answer:
    """The final answer to the user."""

    text: str


Move = Call | Answer


@dataclass(frozen=True, slots=True)
class Step:
    """One tool call and the outcome JSON it returned (``{"ok", "result"|"error", ...}``)."""

    tool: str
    args: Mapping[str, Any]
    result: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Planner:
    """Makes one creation about ``topic`` and, when ``rewrite`` is set, rewrites one scene."""

    topic: str = DEFAULT_TOPIC
    prompt: str | None = DEFAULT_PROMPT  # what is sent as the creation's prompt (default: topic)
    content_type: str = "slides_video"
    scene_count: int = 4
    language: str = "en"
    rewrite: str | None = (
        "Each query scores every key; softmax turns the scores into weights, and the values "
        "are mixed by those weights."
    )
    rewrite_scene: int = 1  # index of the scene to rewrite (the second one)

    def next(self, steps: Sequence[Step]) -> Move:
        """The next tool call, or the final answer, read from the tool results so far."""
        if not steps:
            return Call("kp_me")
        last = steps[-1]
        if not last.result.get("ok"):
            return self._after_error(last)
        result: Mapping[str, Any] = last.result.get("result") or {}
        if last.tool == "kp_me":
            next_step = str(last.result.get("next_step") or "")
            if next_step.startswith("STOP"):
                return Answer(f"I have to stop here. {next_step}")
            return Call("kp_get_catalog", {"type": self.content_type})
        if last.tool == "kp_get_catalog":
            return Call("kp_create_creation", self._creation_args(result))
        if last.tool in ("kp_create_creation", "kp_edit_scene"):
            return Call("kp_get_job_status", {"job_id": result["job_id"], "wait_seconds": 30})
        if last.tool == "kp_get_job_status":
            if not result.get("done"):
                return Call("kp_get_job_status", {"job_id": result["job_id"], "wait_seconds": 30})
            return Call("kp_get_creation", {"creation_id": result["creation_id"]})
        if last.tool == "kp_get_creation":
            return self._after_reading(steps, result)
        return Answer(f"I did not expect a result from {last.tool}; stopping here.")

    def request(self) -> str:
        """What the user asks for, in words (the prompt a real model gets)."""
        label = self.content_type.replace("_", " ")
        ask = (
            f"Make a {self.scene_count}-scene {label} in language {self.language!r} about: "
            f"{self.topic}."
        )
        if self.rewrite:
            ask += (
                f" When it is ready, rewrite the narration of scene {self.rewrite_scene + 1} "
                f"to: {self.rewrite!r}, wait for that edit,"
            )
        return ask + " then give me the link to the result and to each scene's picture."

    # -- decisions -----------------------------------------------------------------------------

    def _creation_args(self, catalog: Mapping[str, Any]) -> dict[str, Any]:
        entry: Mapping[str, Any] = next(iter(catalog.get("content_types") or []), {})
        args: dict[str, Any] = {
            "type": entry.get("type", self.content_type),
            "prompt": self.prompt or self.topic,
            "language": self.language,
        }
        if entry.get("aspect_ratios"):
            args["aspect_ratio"] = entry["aspect_ratios"][0]
        if entry.get("scene_count"):
            limits = entry["scene_count"]
            args["scene_count"] = min(max(self.scene_count, limits["min"]), limits["max"])
        voices = [v for v in catalog.get("voices") or [] if v.get("language") == self.language]
        if entry.get("supports_voice") and voices:
            args["voice_id"] = voices[0]["voice_id"]
        if entry.get("supports_style") and catalog.get("styles"):
            args["style_id"] = catalog["styles"][0]["style_id"]
        return args

    def _after_reading(self, steps: Sequence[Step], detail: Mapping[str, Any]) -> Move:
        scenes = detail.get("scenes") or []
        edited = any(step.tool == "kp_edit_scene" for step in steps)
        if (
            self.rewrite
            and not edited
            and "update_scene_narration" in (detail.get("editable_actions") or [])
            and scenes
        ):
            scene = scenes[min(self.rewrite_scene, len(scenes) - 1)]
            return Call(
                "kp_edit_scene",
                {
                    "creation_id": detail["creation_id"],
                    "scene_id": scene["scene_id"],
                    "action": "update_scene_narration",
                    "narration_text": self.rewrite,
                },
            )
        lines = [
            f"Your {str(detail.get('type', 'creation')).replace('_', ' ')} "
            f"“{detail.get('title')}” is {detail.get('status')}: {detail.get('main_url')}"
        ]
        if edited:
            lines.append(f"I rewrote the narration of scene {self.rewrite_scene + 1} as asked.")
        lines += [f"- scene {s['scene_id']}: {s.get('image_url')}" for s in scenes]
        return Answer("\n".join(lines))

    def _after_error(self, last: Step) -> Move:
        error: Mapping[str, Any] = last.result.get("error") or {}
        code = error.get("code")
        if code == "kp_me_required":
            return Call("kp_me")
        if error.get("must_stop"):
            return Answer(f"I have to stop ({code}). {error.get('tell_user') or ''}".strip())
        problems = "; ".join(
            f"{p.get('field')}: {p.get('problem')}" for p in error.get("problems") or []
        )
        detail = f" ({problems})" if problems else ""
        return Answer(f"{last.tool} failed with {code}: {error.get('message')}{detail}")


def parse_result(content: str) -> dict[str, Any]:
    """A tool result's text as the outcome JSON; anything else counts as an unreadable error."""
    try:
        value = json.loads(content)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    return {"ok": False, "error": {"code": "unreadable", "message": content[:200]}}

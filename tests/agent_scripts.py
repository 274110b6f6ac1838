"""What the scripted models in the agent-loop tests do, independent of any framework.

A script is a generator: it yields the model's next move (:class:`Call` a tool, or :class:`Say`
the final answer) and is sent back what the model would read: the tool result's content, parsed
from its JSON. A script only reacts to that text, so a rendering that said the wrong thing makes
it go wrong too. The LangChain and LlamaIndex agent-loop tests play the same scripts.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Say:
    text: str


Move = Call | Say
Script = Generator[Move, dict[str, Any], None]

SLIDES_VIDEO = {
    "type": "slides_video",
    "prompt": "How transformer attention works, for first-year students.",
    "language": "en",
    "aspect_ratio": "16:9",
    "scene_count": 3,
}


class ScriptPlayer:
    """Plays a script turn by turn, feeding it the content of the latest tool result."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._started = False
        self.turns = 0

    def next_move(self, last_tool_content: str | None) -> Move:
        self.turns += 1
        if not self._started:
            self._started = True
            return next(self._script)
        assert last_tool_content is not None, "the model spoke again without a tool result"
        return self._script.send(json.loads(last_tool_content))


def documented_workflow() -> Script:
    """kp_me, the catalog, create, wait for the job, read the creation."""
    me = yield Call("kp_me")
    if not me["ok"]:
        yield Say(f"kp_me failed: {me['error']['message']}")
        return
    catalog = yield Call("kp_get_catalog", {"type": "slides_video"})
    ratios = catalog["result"]["content_types"][0]["aspect_ratios"]
    created = yield Call("kp_create_creation", {**SLIDES_VIDEO, "aspect_ratio": ratios[0]})
    job_id = created["result"]["job_id"]
    job = yield Call("kp_get_job_status", {"job_id": job_id, "wait_seconds": 30})
    while not job["result"]["done"]:
        job = yield Call("kp_get_job_status", {"job_id": job_id, "wait_seconds": 30})
    creation = yield Call("kp_get_creation", {"creation_id": created["result"]["creation_id"]})
    yield Say(f"Your video is {creation['result']['status']}: {creation['result']['main_url']}")


def create_before_kp_me() -> Script:
    """Tries to create straight away; does what the refusal says, then the whole workflow."""
    refused = yield Call("kp_create_creation", SLIDES_VIDEO)
    if refused["ok"] or refused["error"]["code"] != "kp_me_required":
        yield Say("The creation started without kp_me.")
        return
    yield from documented_workflow()


def obedient_creator() -> Script:
    """Verifies the key and stops when kp_me says STOP; otherwise starts a creation."""
    me = yield Call("kp_me")
    if me.get("next_step", "").startswith("STOP"):
        yield Say(f"I have to stop here. {me['next_step']}")
        return
    created = yield Call("kp_create_creation", SLIDES_VIDEO)
    yield Say(f"Started job {created['result']['job_id']}.")


def stubborn_creator(attempts: int = 3, *, verify: bool = True) -> Script:
    """Ignores every STOP and tries to create ``attempts`` times, then relays the last error."""
    result: dict[str, Any] = {}
    if verify:
        result = yield Call("kp_me")
    for _ in range(attempts):
        result = yield Call("kp_create_creation", SLIDES_VIDEO)
    error = result.get("error") or {}
    yield Say(f"Stopped: {error.get('tell_user') or error.get('message')}")

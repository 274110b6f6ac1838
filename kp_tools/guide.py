"""What to tell a model about KPainter: the workflow and the rules the tools enforce.

The MCP server sends :data:`INSTRUCTIONS` as its instructions; LangChain and LlamaIndex agents can
use it as (part of) their system prompt. The steps are data (:data:`WORKFLOW`, each naming the
tool it calls) so the instructions and the MCP guided prompts are rendered from the same text;
every tool they name is checked against the specs by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["INSTRUCTIONS", "STOP_RULES", "WORKFLOW", "Step"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the workflow: the tool it calls and what to do, in the model's words.

    ``first_creation`` marks the steps of making one creation from nothing, the path a guided
    prompt walks through; the others (editing a scene) come after.
    """

    tool: str
    text: str
    first_creation: bool = True


WORKFLOW: Final[tuple[Step, ...]] = (
    Step(
        "kp_me",
        "Call kp_me first. It confirms the key is valid, whose account it is, whether it may "
        "create content, and the credits left. Every other keyed tool is refused with "
        "kp_me_required until it succeeds. Confirm the account with the user; if it says STOP, "
        "stop.",
    ),
    Step(
        "kp_get_catalog",
        "Call kp_get_catalog before choosing type, voice_id, style_id, duration_seconds or "
        "scene_count, and use only values it lists for that type. Use canonical type names.",
    ),
    Step(
        "kp_create_creation",
        "Call kp_create_creation. It spends credits and returns a job_id and a creation_id.",
    ),
    Step(
        "kp_get_job_status",
        "Call kp_get_job_status with the job_id, waiting as long as its description and the "
        "last result suggest (wait_seconds), until done is true.",
    ),
    Step(
        "kp_get_creation",
        "Call kp_get_creation with the creation_id and give the user main_url. Use only URLs "
        "from that detail; never build storage URLs.",
    ),
    Step(
        "kp_edit_scene",
        "To change one scene of a ready creation whose editable_actions allow it, call "
        "kp_edit_scene, then kp_get_job_status and kp_get_creation again.",
        first_creation=False,
    ),
)

STOP_RULES: Final = (
    "A failed call comes back as an error result whose error.code says why. When error.must_stop "
    "is true, stop and tell the user error.tell_user: insufficient_permission means stop before "
    "creating anything; insufficient_credits means the user must top up on the main site; "
    "invalid_api_key means the user must re-check or reactivate the key on the API Key page. "
    "outcome_unknown means a create or edit may or may not have started: check as its message "
    "says (kp_list_creations after a create, kp_get_creation after a scene edit) before trying "
    "again. invalid_arguments lists each bad field with the allowed values."
)

INSTRUCTIONS: Final = "\n".join(
    [
        "KPainter turns a prompt into explainer videos, slide videos, vector animations, slide "
        "decks, images and interactive lessons. Generation is asynchronous.",
        "",
        "Workflow:",
        *(f"{number}. {step.text}" for number, step in enumerate(WORKFLOW, start=1)),
        "",
        "Keys: kp_health needs none; every other tool uses the user's KPainter API key, passed "
        "as api_key or configured on the server (PARTNER_MCP_DEFAULT_API_KEY, then KGP_API_KEY). "
        "Keys are created and activated on the KPainter API Key page, never through these tools.",
        "",
        STOP_RULES,
    ]
)

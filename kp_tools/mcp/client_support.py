"""Which way, if any, kp-mcp can put a question to the user on this call.

Elicitation exists in two shapes, one per protocol revision kp-mcp serves. On 2026-07-28 the
server *returns* the question (an ``InputRequiredResult``) and the client calls the tool again
with the answer. On 2025-11-25 the server *calls back* mid-call with ``elicitation/create``,
which needs a channel to the client at that moment (a stateless HTTP request has none). Either
way the client must have declared the mode (``form`` or ``url``) in its capabilities; a client
that declared neither gets today's behaviour, never a question it cannot show.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from mcp.server import ServerRequestContext
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

__all__ = ["AskChannel", "ask_channel"]


class AskChannel(StrEnum):
    """The two ways to ask, named by the message that carries the question."""

    RETURN = "input_required"  # 2026-07-28: InputRequiredResult, answered on the retry
    CALL_BACK = "elicitation/create"  # 2025-11-25: a server-to-client request, answered inline


def ask_channel(
    ctx: ServerRequestContext[Any, Any], mode: Literal["form", "url"]
) -> AskChannel | None:
    """How to ask this call's client in ``mode``, or ``None`` when it cannot be asked."""
    if not _declared(ctx, mode):
        return None
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return AskChannel.RETURN
    return AskChannel.CALL_BACK if ctx.session.can_send_request else None


def _declared(ctx: ServerRequestContext[Any, Any], mode: Literal["form", "url"]) -> bool:
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None:
        return False
    if mode == "url":
        return elicitation.url is not None
    # An empty elicitation capability predates the modes and means form (2025-11-25 spec).
    return elicitation.form is not None or elicitation.url is None

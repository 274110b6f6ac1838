"""Consent before spending, rendered as MCP form-mode elicitation on both revisions.

The executor asks its approver before it sends a credit-spending request above the consent
threshold (:mod:`kp_tools.spending.consent`). Over MCP the user answers one boolean form field,
``approve``: only ``accept`` with exactly ``{"approve": true}`` approves; decline, cancel,
``approve: false``, a missing or malformed answer all decline, and the executor ends the call in
``declined_by_user`` with nothing sent. No tool argument can approve: the answer comes only from
the client's elicitation channel.

- 2026-07-28: :func:`suspend_for_consent` raises :class:`ConsentRequired`; the tool handler turns
  it into an ``InputRequiredResult`` carrying :func:`consent_input` and a sealed state bound to
  the request's fingerprint, and on the retry runs the call again with :func:`answered_approver`.
- 2025-11-25: :func:`session_approver` sends ``elicitation/create`` and waits for the answer.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import anyio
from mcp.server import ServerRequestContext
from mcp.types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequest

from kp_tools.spending.consent import APPROVAL_KIND, Approver, SpendRequest

__all__ = [
    "APPROVE_FIELD",
    "CONSENT_INPUT_KEY",
    "CONSENT_SCHEMA",
    "ConsentRequired",
    "answered_approver",
    "consent_input",
    "is_approval",
    "session_approver",
    "suspend_for_consent",
]

logger = logging.getLogger("kp_tools.mcp")

APPROVE_FIELD: Final = "approve"
CONSENT_INPUT_KEY: Final = APPROVAL_KIND
"""The key of the consent question in ``input_requests`` (and of its answer)."""

CONSENT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        APPROVE_FIELD: {
            "type": "boolean",
            "title": "Approve",
            "description": "Spend these credits on this request.",
            "default": False,
        }
    },
    "required": [APPROVE_FIELD],
}


class ConsentRequired(Exception):  # noqa: N818  (a signal that suspends the call, not a failure)
    """Raised by the 2026-07-28 approver: the call pauses until the user has answered.

    The executor lets it through with nothing sent and nothing reserved.
    """

    def __init__(self, request: SpendRequest) -> None:
        super().__init__(f"consent required for {request.tool}")
        self.request = request


def suspend_for_consent(request: SpendRequest) -> bool:
    """The approver of a first 2026-07-28 round: never answers, always asks."""
    raise ConsentRequired(request)


def consent_input(request: SpendRequest) -> dict[str, InputRequest]:
    """The one form question of an ``InputRequiredResult``: the request's question, ``approve``."""
    params = ElicitRequestFormParams(message=request.question, requested_schema=CONSENT_SCHEMA)
    return {CONSENT_INPUT_KEY: ElicitRequest(params=params)}


def is_approval(answer: object) -> bool:
    """Only an accepted form whose content is exactly ``{"approve": true}`` approves."""
    return (
        isinstance(answer, ElicitResult)
        and answer.action == "accept"
        and answer.content == {APPROVE_FIELD: True}
        and answer.content[APPROVE_FIELD] is True  # not 1, which equals True
    )


def answered_approver(fingerprint: str | None, answer: object) -> Approver:
    """The approver of a retry: yes once, for the one request the user was shown, if they said yes.

    A request with another fingerprint (the call changed between the rounds) is declined.
    """
    approvals = [is_approval(answer)]

    def approve(request: SpendRequest) -> bool:
        if request.fingerprint != fingerprint or not approvals:
            return False
        return approvals.pop()

    return approve


def session_approver(ctx: ServerRequestContext[Any, Any]) -> Approver:
    """The 2025-11-25 approver: ``elicitation/create`` on this call's channel, then the answer.

    A client that fails to answer (an error, a result of the wrong shape, a channel gone) has
    not approved.
    """

    async def approve(request: SpendRequest) -> bool:
        try:
            answer = await ctx.session.elicit_form(
                request.question, CONSENT_SCHEMA, related_request_id=ctx.request_id
            )
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as exc:
            logger.info(
                "consent for %s not answered (%s): declined", request.tool, type(exc).__name__
            )
            return False
        return is_approval(answer)

    return approve

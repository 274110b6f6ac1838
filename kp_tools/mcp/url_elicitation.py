"""Sending the user to the KPainter site (URL-mode elicitation) when only they can fix a call.

Some failures have a page where the user, and only the user, can fix them (``ErrorInfo.fix_url``:
the API Key page for a rejected key, the main site for missing credits). When the client
supports URL-mode elicitation, kp-mcp asks the host to show that page with a message saying
why. The URL is one of the fixed pages: it carries no key and no user data. When the user comes
back (``accept``), the tool handler checks again with the key-verifying spec and, if that
succeeds, carries out the original call once; decline, cancel, or a check that still fails end
the call in the same typed error as before.

A missing key is not sent to the site: a key created there reaches kp-mcp only through the
host's configuration, never through the elicitation (URL mode returns nothing by design), so a
check right after would find no key again. Its error keeps telling the user where keys are made.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final

import anyio
from mcp.server import ServerRequestContext
from mcp.types import ElicitRequest, ElicitRequestURLParams, ElicitResult, InputRequest

from kp_tools.errors import ERRORS, ErrorCode
from kp_tools.outcome import Outcome

__all__ = [
    "SITE_VISIT_INPUT_KEY",
    "ask_site_visit",
    "fix_url",
    "site_visit_input",
    "site_visit_message",
    "user_came_back",
]

logger = logging.getLogger("kp_tools.mcp")

SITE_VISIT_INPUT_KEY: Final = "kp_fix_on_site"
"""The key of the URL question in ``input_requests`` (and of its answer)."""

_NOT_FIXABLE_THERE = frozenset({ErrorCode.MISSING_API_KEY})


def fix_url(outcome: Outcome) -> str | None:
    """The page where the user can fix this failure, if there is one worth sending them to."""
    code = outcome.code
    if code is None or code in _NOT_FIXABLE_THERE:
        return None
    return ERRORS[code].fix_url


def site_visit_message(outcome: Outcome, title: str) -> str:
    """Why the user is sent to the page, and what happens when they come back."""
    assert outcome.code is not None
    return (
        f"{ERRORS[outcome.code].message} Only you can fix this, on the KPainter site. When you "
        f'are done, come back here: kp-mcp checks again and, if it is fixed, carries out "{title}" '
        "once."
    )


def site_visit_input(url: str, message: str) -> dict[str, InputRequest]:
    """The one URL question of an ``InputRequiredResult`` (no elicitation id on 2026-07-28)."""
    return {
        SITE_VISIT_INPUT_KEY: ElicitRequest(params=ElicitRequestURLParams(message=message, url=url))
    }


def user_came_back(answer: object) -> bool:
    """``accept`` means the user went to the page and is back; anything else means not fixed."""
    return isinstance(answer, ElicitResult) and answer.action == "accept"


async def ask_site_visit(ctx: ServerRequestContext[Any, Any], url: str, message: str) -> bool:
    """2025-11-25: ``elicitation/create`` in URL mode on this call's channel; True on accept."""
    try:
        answer = await ctx.session.elicit_url(
            message, url, uuid.uuid4().hex, related_request_id=ctx.request_id
        )
    except anyio.get_cancelled_exc_class():
        raise
    except Exception as exc:
        logger.info("site visit not answered (%s)", type(exc).__name__)
        return False
    return user_came_back(answer)

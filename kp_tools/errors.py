"""Stable error codes: the one table that says what each failure means and what to do about it.

Every failed tool call, in every rendering, carries one of these codes. Agents branch on the code;
people read the message and ``tell_user``. Codes are part of the public API: add new ones, never
rename or reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ERRORS", "ErrorCode", "ErrorInfo"]

API_KEY_PAGE = "https://kpainter.ai/api-key"
MAIN_SITE = "https://kpainter.ai"


class ErrorCode(StrEnum):
    MISSING_API_KEY = "missing_api_key"
    INVALID_API_KEY = "invalid_api_key"
    KP_ME_REQUIRED = "kp_me_required"
    INSUFFICIENT_PERMISSION = "insufficient_permission"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    INVALID_ARGUMENTS = "invalid_arguments"
    NOT_FOUND = "not_found"
    EDIT_NOT_SUPPORTED = "edit_not_supported"
    RATE_LIMITED = "rate_limited"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    UPSTREAM_ERROR = "upstream_error"
    OUTCOME_UNKNOWN = "outcome_unknown"
    JOB_FAILED = "job_failed"
    UNKNOWN_TOOL = "unknown_tool"
    STATE_UNAVAILABLE = "state_unavailable"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a code means.

    ``retryable``: the same call may succeed later unchanged (after ``retry_after`` if given).
    ``stop``: the agent must stop this line of work and hand over to the user.
    ``tell_user``: the action to put in front of the person, in plain words.
    """

    message: str
    retryable: bool
    stop: bool
    tell_user: str | None


ERRORS: dict[ErrorCode, ErrorInfo] = {
    ErrorCode.MISSING_API_KEY: ErrorInfo(
        "No KPainter API key is configured for this call.",
        retryable=False,
        stop=True,
        tell_user=(
            "Pass api_key, or set PARTNER_MCP_DEFAULT_API_KEY or KGP_API_KEY. Keys are created "
            f"and activated on the API Key page: {API_KEY_PAGE}"
        ),
    ),
    ErrorCode.INVALID_API_KEY: ErrorInfo(
        "KPainter rejected the API key (unknown, revoked or inactive).",
        retryable=False,
        stop=True,
        tell_user=f"Re-check the key, or reactivate it on the API Key page: {API_KEY_PAGE}",
    ),
    ErrorCode.KP_ME_REQUIRED: ErrorInfo(
        "Call kp_me first: it confirms the key is valid and can manage creations.",
        retryable=True,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.INSUFFICIENT_PERMISSION: ErrorInfo(
        "This key is not allowed to do that (it cannot manage creations, or the option is "
        "for members only). Stop before creating anything.",
        retryable=False,
        stop=True,
        tell_user=(
            "This key cannot create this content. Check the account's plan and the key's "
            f"permissions on {MAIN_SITE}, then call kp_me again."
        ),
    ),
    ErrorCode.INSUFFICIENT_CREDITS: ErrorInfo(
        "Not enough KPainter credits for this request.",
        retryable=False,
        stop=True,
        tell_user=(
            f"Top up or subscribe on the main site ({MAIN_SITE}), then call kp_me again. A "
            "cheaper content type may be offered, but only with the user's consent."
        ),
    ),
    ErrorCode.INVALID_ARGUMENTS: ErrorInfo(
        "The arguments are not valid; nothing was sent. Fix the fields listed and call again.",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.NOT_FOUND: ErrorInfo(
        "No creation or job with that id exists for this key.",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.EDIT_NOT_SUPPORTED: ErrorInfo(
        "That edit is not available for this creation (type, state or action).",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.RATE_LIMITED: ErrorInfo(
        "KPainter is rate limiting this key.",
        retryable=True,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.UPSTREAM_UNAVAILABLE: ErrorInfo(
        "KPainter did not answer in time or is unavailable.",
        retryable=True,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.UPSTREAM_ERROR: ErrorInfo(
        "KPainter returned a response this toolkit could not understand.",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.OUTCOME_UNKNOWN: ErrorInfo(
        "The request was sent but no answer came back, so it may or may not have been "
        "accepted. It was not retried, to avoid spending credits twice.",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.JOB_FAILED: ErrorInfo(
        "The generation job failed.",
        retryable=False,
        stop=False,
        tell_user="The generation failed; try again with a changed prompt or options.",
    ),
    ErrorCode.UNKNOWN_TOOL: ErrorInfo(
        "There is no tool with that name.",
        retryable=False,
        stop=False,
        tell_user=None,
    ),
    ErrorCode.STATE_UNAVAILABLE: ErrorInfo(
        "The shared workflow state store is unreachable, so the call was refused rather than "
        "run without its safety checks.",
        retryable=True,
        stop=False,
        tell_user="The kp-tools state store (KP_STATE_URL) is down; ask the operator to check it.",
    ),
    ErrorCode.INTERNAL_ERROR: ErrorInfo(
        "kp-tools hit an unexpected error; nothing more is known. It has been logged.",
        retryable=False,
        stop=True,
        tell_user="kp-tools failed unexpectedly; please report it with the server log.",
    ),
}

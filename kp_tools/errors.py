"""The one error model: codes, what each means, and the exceptions that carry them.

Every failed tool call, in every rendering, carries an :class:`ErrorCode`. Agents branch on the
code; people read the message and ``tell_user``. Codes are part of the public API: add new ones,
never rename or reuse them. The code is an error's identity: :data:`ERRORS` says what it means
(message, retry, must stop, what to tell the user, whose fault it is), and each exception class
declares the one code it stands for, so :func:`error_class` is derived, never written by hand.

    KPainterError                       every failure; carries a stable ErrorCode
    ├── AuthenticationError             401: unknown or revoked key
    │   └── MissingApiKeyError          no key anywhere in the resolution chain
    ├── PermissionDeniedError           403: key may not manage creations, or member-only option
    ├── InsufficientCreditsError        402
    ├── InvalidArgumentsError           422 upstream, or refused locally before sending
    ├── NotFoundError                   404
    ├── EditNotSupportedError           409
    ├── RateLimitedError                429 (retry_after from Retry-After)
    ├── UpstreamUnavailableError        5xx, timeouts and connection failures of reads
    │   └── NotSentError                the connection failed before the request left
    ├── OutcomeUnknownError             a create or edit was sent and no answer came back
    ├── MalformedResponseError          a 2xx body that is not the JSON we expect
    │   └── GarbledResponseError        cut short or not JSON at all: a read may ask again
    ├── JobFailedError                  the generation job ended in failure
    ├── StateUnavailableError           the shared workflow state store is unreachable
    ├── BudgetExceededError             over the key's spending limit; refused before sending
    ├── DeclinedByUserError             the user said no to a spending request
    └── ConfirmationUnavailableError    consent is required and the call has no way to ask

The executor turns every one of these into an :class:`~kp_tools.outcome.Outcome` whose ``error``
is an :class:`OutcomeError`; direct users of :class:`~kp_tools.client.KPainterClient` catch them.
Messages are redacted: they never contain a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from kp_tools.api_contract import API_KEY_PAGE, CREDITS_PAGE, MAIN_SITE
from kp_tools.redaction import redact

__all__ = [
    "ERRORS",
    "AuthenticationError",
    "BudgetExceededError",
    "ConfirmationUnavailableError",
    "DeclinedByUserError",
    "EditNotSupportedError",
    "ErrorCode",
    "ErrorInfo",
    "FieldProblem",
    "GarbledResponseError",
    "InsufficientCreditsError",
    "InvalidArgumentsError",
    "JobFailedError",
    "KPainterError",
    "MalformedResponseError",
    "MissingApiKeyError",
    "NotFoundError",
    "NotSentError",
    "OutcomeError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitedError",
    "StateUnavailableError",
    "UpstreamUnavailableError",
    "error_class",
]


class ErrorCode(StrEnum):
    """Why a call failed: a stable code to branch on. Codes are added, never renamed or reused."""

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
    BUDGET_EXCEEDED = "budget_exceeded"
    DECLINED_BY_USER = "declined_by_user"
    CONFIRMATION_UNAVAILABLE = "confirmation_unavailable"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a code means.

    ``retryable``: the same call may succeed later unchanged (after ``retry_after`` if given).
    ``stop``: the agent must stop this line of work and hand over to the user.
    ``tell_user``: the action to put in front of the person, in plain words.
    ``server_fault``: the failure is on the serving side (kp-tools, its state store, or KPainter
    itself), not in the caller's request; protocols that distinguish the two (MCP's internal
    error) report it as such.
    """

    message: str
    retryable: bool
    stop: bool
    tell_user: str | None
    server_fault: bool = False
    fix_url: str | None = None
    """The page where only the user can fix this (the API Key page, the main site's credits),
    for renderings that can send the user there (MCP URL-mode elicitation)."""


ERRORS: dict[ErrorCode, ErrorInfo] = {
    ErrorCode.MISSING_API_KEY: ErrorInfo(
        "No KPainter API key is configured for this call.",
        retryable=False,
        stop=True,
        tell_user=(
            "Pass api_key, or set PARTNER_MCP_DEFAULT_API_KEY or KGP_API_KEY. Keys are created "
            f"and activated on the API Key page: {API_KEY_PAGE}"
        ),
        fix_url=API_KEY_PAGE,
    ),
    ErrorCode.INVALID_API_KEY: ErrorInfo(
        "KPainter rejected the API key (unknown, revoked or inactive).",
        retryable=False,
        stop=True,
        tell_user=f"Re-check the key, or reactivate it on the API Key page: {API_KEY_PAGE}",
        fix_url=API_KEY_PAGE,
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
        fix_url=CREDITS_PAGE,
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
        server_fault=True,
    ),
    ErrorCode.UPSTREAM_UNAVAILABLE: ErrorInfo(
        "KPainter did not answer in time or is unavailable.",
        retryable=True,
        stop=False,
        tell_user=None,
        server_fault=True,
    ),
    ErrorCode.UPSTREAM_ERROR: ErrorInfo(
        "KPainter returned a response this toolkit could not understand.",
        retryable=False,
        stop=False,
        tell_user=None,
        server_fault=True,
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
        server_fault=True,
    ),
    ErrorCode.INTERNAL_ERROR: ErrorInfo(
        "kp-tools hit an unexpected error; nothing more is known. It has been logged.",
        retryable=False,
        stop=True,
        tell_user="kp-tools failed unexpectedly; please report it with the server log.",
        server_fault=True,
    ),
    ErrorCode.BUDGET_EXCEEDED: ErrorInfo(
        "This would pass the spending limit set for this key; nothing was sent.",
        retryable=False,
        stop=True,
        tell_user=(
            "The kp-tools spending limit for this key is reached. Wait for the window to free "
            "up, or ask the operator to raise KP_BUDGET_CREDITS or KP_MAX_CREDITS_PER_CALL."
        ),
    ),
    ErrorCode.DECLINED_BY_USER: ErrorInfo(
        "The user declined this spending request; nothing was sent. Do not retry it.",
        retryable=False,
        stop=True,
        tell_user=None,
    ),
    ErrorCode.CONFIRMATION_UNAVAILABLE: ErrorInfo(
        "This request needs the user's approval, and there is no way to ask for it here; "
        "nothing was sent.",
        retryable=False,
        stop=True,
        tell_user=(
            "Spending needs your approval, but this client cannot ask for it. Use a client "
            "that supports it, or ask the operator about KP_CONFIRM_ABOVE_CREDITS."
        ),
    ),
}
"""What each code means; the one table every rendering reads (tests check every code is here)."""

_CLASS_BY_CODE: dict[ErrorCode, type[KPainterError]] = {}


class FieldProblem(BaseModel):
    """One thing wrong with one argument, with the values that would have been accepted."""

    field: str
    problem: str
    allowed: list[Any] | None = None

    def __str__(self) -> str:
        text = f"{self.field}: {self.problem}"
        if self.allowed is not None:
            text += f" (allowed: {', '.join(map(str, self.allowed))})"
        return text


class KPainterError(Exception):
    """Every kp-tools failure. ``code`` is its identity; the class only adds a name to catch."""

    code: ClassVar[ErrorCode] = ErrorCode.UPSTREAM_ERROR

    def __init__(
        self,
        message: str | None = None,
        *,
        code: ErrorCode | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        problems: Sequence[FieldProblem] = (),
        data: BaseModel | None = None,
    ) -> None:
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may narrow its class's code
        self.message = redact(message or ERRORS[self.code].message)
        self.status = status
        self.retry_after = retry_after
        self.problems = list(problems)
        self.data = data  # what was learned before failing, e.g. the failed job
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The first class declaring a code stands for it; subclasses that keep their parent's
        # code (NotSentError, GarbledResponseError) only refine how it is handled.
        _CLASS_BY_CODE.setdefault(cls.code, cls)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value!r}, status={self.status!r})"


class AuthenticationError(KPainterError):
    """KPainter answered 401: the key is unknown, revoked or inactive. Retrying will not help."""

    code = ErrorCode.INVALID_API_KEY


class MissingApiKeyError(AuthenticationError):
    """No key in the call, the toolkit, ``PARTNER_MCP_DEFAULT_API_KEY`` or ``KGP_API_KEY``."""

    code = ErrorCode.MISSING_API_KEY


class PermissionDeniedError(KPainterError):
    """403: the key may not manage creations, or the option is for members only; stop and ask."""

    code = ErrorCode.INSUFFICIENT_PERMISSION


class InsufficientCreditsError(KPainterError):
    """402: the account cannot pay for the request; only the user can top up."""

    code = ErrorCode.INSUFFICIENT_CREDITS


class InvalidArgumentsError(KPainterError):
    """The arguments were refused (locally, before sending, or by KPainter's 422).

    ``problems`` lists each field with what would have been accepted, so a model can fix the call.
    """

    code = ErrorCode.INVALID_ARGUMENTS

    def __init__(self, problems: Sequence[FieldProblem], message: str | None = None) -> None:
        summary = "; ".join(str(p) for p in problems)
        super().__init__(
            message or f"Invalid arguments, nothing was sent: {summary}", problems=problems
        )


class NotFoundError(KPainterError):
    """404: no creation or job with that id exists *for this key* (ids are per account)."""

    code = ErrorCode.NOT_FOUND


class EditNotSupportedError(KPainterError):
    """409: this creation's type or state does not allow that edit action."""

    code = ErrorCode.EDIT_NOT_SUPPORTED


class RateLimitedError(KPainterError):
    """429: the key is being throttled; ``retry_after`` (seconds, from Retry-After) says when."""

    code = ErrorCode.RATE_LIMITED


class UpstreamUnavailableError(KPainterError):
    """KPainter is down, slow or unreachable (5xx, timeouts, connection failures of reads).

    Retryable: reads are retried by :class:`~kp_tools.retry.RetryPolicy` before this surfaces.
    """

    code = ErrorCode.UPSTREAM_UNAVAILABLE


class NotSentError(UpstreamUnavailableError):
    """The connection failed before the request left: safe to resend, even a create."""


class OutcomeUnknownError(KPainterError):
    """A create or edit left but no answer came back: it may have been accepted (and paid).

    Never retried automatically, so credits are not spent twice; look at the creations list.
    """

    code = ErrorCode.OUTCOME_UNKNOWN


class MalformedResponseError(KPainterError):
    """A 2xx answer whose body is not what the API contract says; asking again will not help."""

    code = ErrorCode.UPSTREAM_ERROR


class GarbledResponseError(MalformedResponseError):
    """A body cut short or not JSON at all (a proxy's error page): a read may ask again.

    Still ``upstream_error`` when it persists. A well-formed body of the wrong shape, or one over
    the size limit, is not garbled: asking again would get the same answer.
    """


class JobFailedError(KPainterError):
    """The generation job ended in failure; ``data`` is its last status (and the reason, if any)."""

    code = ErrorCode.JOB_FAILED


class StateUnavailableError(KPainterError):
    """The shared state store (Redis) is unreachable: the call is refused, not run unguarded."""

    code = ErrorCode.STATE_UNAVAILABLE


class BudgetExceededError(KPainterError):
    """The request would pass the spending limit set for the key; nothing was sent."""

    code = ErrorCode.BUDGET_EXCEEDED


class DeclinedByUserError(KPainterError):
    """The user said no to a spending request; nothing was sent, and it must not be retried."""

    code = ErrorCode.DECLINED_BY_USER


class ConfirmationUnavailableError(KPainterError):
    """The spend needs the user's approval and this call has no way to ask; nothing was sent."""

    code = ErrorCode.CONFIRMATION_UNAVAILABLE


def error_class(code: ErrorCode) -> type[KPainterError]:
    """The exception class that stands for ``code`` (:class:`KPainterError` when none does)."""
    return _CLASS_BY_CODE.get(code, KPainterError)


class OutcomeError(BaseModel):
    """Why a call failed, and what the agent and the user should do next."""

    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str
    retryable: bool
    retry_after_seconds: float | None = None
    must_stop: bool
    tell_user: str | None = None
    problems: list[FieldProblem] = []

    @classmethod
    def from_exception(cls, error: KPainterError) -> OutcomeError:
        """The agent-facing view of ``error``: its code's guidance from :data:`ERRORS` attached."""
        info = ERRORS[error.code]
        return cls(
            code=error.code,
            message=error.message,
            retryable=info.retryable,
            retry_after_seconds=error.retry_after,
            must_stop=info.stop,
            tell_user=info.tell_user,
            problems=error.problems,
        )

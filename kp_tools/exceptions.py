"""Typed failures of a KPainter call.

    KPainterError                       every failure; carries a stable ErrorCode
    ├── AuthenticationError             401: missing, unknown or revoked key
    ├── PermissionDeniedError           403: key may not manage creations, or member-only option
    ├── InsufficientCreditsError        402
    ├── InvalidArgumentsError           422 upstream, or refused locally before sending
    ├── NotFoundError                   404
    ├── EditNotSupportedError           409
    ├── RateLimitedError                429 (retry_after from Retry-After)
    ├── UpstreamUnavailableError        5xx, timeouts and connection failures of reads
    ├── OutcomeUnknownError             a create or edit was sent and no answer came back
    ├── MalformedResponseError          a 2xx body that is not the JSON we expect
    └── JobFailedError                  the generation job ended in failure

The executor turns every one of these into an :class:`~kp_tools.outcome.Outcome`; direct users
of :class:`~kp_tools.client.KPainterClient` catch them. Messages are redacted: they never
contain a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from kp_tools.errors import ERRORS, ErrorCode
from kp_tools.keys import redact

__all__ = [
    "AuthenticationError",
    "EditNotSupportedError",
    "FieldProblem",
    "InsufficientCreditsError",
    "InvalidArgumentsError",
    "JobFailedError",
    "KPainterError",
    "MalformedResponseError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitedError",
    "UpstreamUnavailableError",
]


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
    code: ErrorCode = ErrorCode.UPSTREAM_ERROR

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
            self.code = code
        self.message = redact(message or ERRORS[self.code].message)
        self.status = status
        self.retry_after = retry_after
        self.problems = list(problems)
        self.data = data  # what was learned before failing, e.g. the failed job
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value!r}, status={self.status!r})"


class AuthenticationError(KPainterError):
    code = ErrorCode.INVALID_API_KEY


class PermissionDeniedError(KPainterError):
    code = ErrorCode.INSUFFICIENT_PERMISSION


class InsufficientCreditsError(KPainterError):
    code = ErrorCode.INSUFFICIENT_CREDITS


class InvalidArgumentsError(KPainterError):
    code = ErrorCode.INVALID_ARGUMENTS

    def __init__(self, problems: Sequence[FieldProblem], message: str | None = None) -> None:
        summary = "; ".join(str(p) for p in problems)
        super().__init__(
            message or f"Invalid arguments, nothing was sent: {summary}", problems=problems
        )


class NotFoundError(KPainterError):
    code = ErrorCode.NOT_FOUND


class EditNotSupportedError(KPainterError):
    code = ErrorCode.EDIT_NOT_SUPPORTED


class RateLimitedError(KPainterError):
    code = ErrorCode.RATE_LIMITED


class UpstreamUnavailableError(KPainterError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE


class OutcomeUnknownError(KPainterError):
    code = ErrorCode.OUTCOME_UNKNOWN


class MalformedResponseError(KPainterError):
    code = ErrorCode.UPSTREAM_ERROR


class JobFailedError(KPainterError):
    code = ErrorCode.JOB_FAILED


ERROR_CLASSES: dict[ErrorCode, type[KPainterError]] = {
    ErrorCode.MISSING_API_KEY: AuthenticationError,
    ErrorCode.INVALID_API_KEY: AuthenticationError,
    ErrorCode.INSUFFICIENT_PERMISSION: PermissionDeniedError,
    ErrorCode.INSUFFICIENT_CREDITS: InsufficientCreditsError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.EDIT_NOT_SUPPORTED: EditNotSupportedError,
    ErrorCode.RATE_LIMITED: RateLimitedError,
    ErrorCode.UPSTREAM_UNAVAILABLE: UpstreamUnavailableError,
    ErrorCode.OUTCOME_UNKNOWN: OutcomeUnknownError,
}

"""When a failed request may be sent again, and how long to wait: tenacity, configured once.

Reads are retried on rate limits, 5xx and transport failures. Writes (create, edit) are retried
only when the request provably did not take effect: the connection was never made, or the server
answered 429 (refused before doing anything). A write that may have been accepted is never
retried; that is how credits are never spent twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from kp_tools.exceptions import KPainterError, RateLimitedError, UpstreamUnavailableError

__all__ = ["NO_RETRY", "RetryPolicy"]


class NotSentError(UpstreamUnavailableError):
    """The connection failed before the request left: safe to resend, even a create."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter inside a total deadline.

    ``max_retry_after`` caps a server's Retry-After so a hostile or buggy header cannot park a
    tool call for an hour; past the deadline the call ends with the typed error instead.
    """

    attempts: int = 4
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    deadline: float = 45.0
    max_retry_after: float = 20.0

    def retrying(self, *, idempotent: bool) -> AsyncRetrying:
        jitter = wait_exponential_jitter(
            multiplier=self.initial_backoff, max=self.max_backoff, jitter=self.initial_backoff
        )

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, KPainterError) and error.retry_after is not None:
                return min(error.retry_after, self.max_retry_after)
            return float(jitter(state))

        def retryable(error: BaseException) -> bool:
            if isinstance(error, NotSentError | RateLimitedError):
                return True
            return idempotent and isinstance(error, UpstreamUnavailableError)

        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts) | stop_before_delay(self.deadline),
            wait=wait,
            retry=retry_if_exception(retryable),
            reraise=True,
        )


NO_RETRY = RetryPolicy(attempts=1)

"""When a failed request may be sent again, and how long to wait: tenacity, configured once.

Reads are retried on rate limits, 5xx, transport failures and garbled bodies (cut short, or not
JSON at all: a proxy's error page). Writes (create, edit) are retried only when the request
provably did not take effect: the connection was never made, or the server answered 429 (refused
before doing anything). A write that may have been accepted is never retried; that is how credits
are never spent twice.

A server's Retry-After is waited for when it is at most ``max_retry_after``; a longer one ends the
call at once with the typed error carrying it (``retry_after_seconds``), rather than parking the
tool call or asking again before the server said to. Every wait, and every attempt, fits inside
``deadline`` (the client bounds each attempt by what is left of it).
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

from kp_tools.errors import (
    GarbledResponseError,
    KPainterError,
    NotSentError,
    RateLimitedError,
    UpstreamUnavailableError,
)

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter inside a total deadline.

    ``max_retry_after`` caps a server's Retry-After so a hostile or buggy header cannot park a
    tool call for an hour: a longer one is reported, not waited for. ``deadline`` bounds the whole
    call, attempts and waits together; past it the call ends with the typed error.
    """

    attempts: int = 4
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    deadline: float = 45.0
    max_retry_after: float = 20.0

    def retryable(self, error: BaseException, *, idempotent: bool) -> bool:
        """Whether a failed attempt may be sent again under this policy."""
        if self.attempts <= 1 or not isinstance(error, KPainterError):
            return False
        if error.retry_after is not None and error.retry_after > self.max_retry_after:
            return False  # the server asked for longer than a tool call may wait
        if isinstance(error, NotSentError | RateLimitedError):
            return True
        return idempotent and isinstance(error, UpstreamUnavailableError | GarbledResponseError)

    def retrying(self, *, idempotent: bool, elapsed: float = 0.0) -> AsyncRetrying:
        """The retry loop for one call.

        Args:
            idempotent: Whether the request may be resent after an ambiguous failure (reads).
            elapsed: Time the call already spent (a first attempt made outside the loop), taken
                off the deadline.
        """
        jitter = wait_exponential_jitter(
            multiplier=self.initial_backoff, max=self.max_backoff, jitter=self.initial_backoff
        )

        def wait(state: RetryCallState) -> float:
            # A server's Retry-After is a minimum: "0" does not turn the backoff off.
            backoff = float(jitter(state))
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, KPainterError) and error.retry_after is not None:
                return min(max(error.retry_after, backoff), self.max_retry_after)
            return backoff

        def retryable(error: BaseException) -> bool:
            return self.retryable(error, idempotent=idempotent)

        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts)
            | stop_before_delay(max(self.deadline - elapsed, 0.0)),
            wait=wait,
            retry=retry_if_exception(retryable),
            reraise=True,
        )

"""The ``requestState`` kp-mcp hands out on the 2026-07-28 wire, and the checks on its echo.

When a ``tools/call`` needs the user (consent before spending, a visit to the main site),
kp-mcp answers with an ``InputRequiredResult`` and the client calls the tool again with the
user's answer and the state it was given. The client holds that state in between, so what comes
back is untrusted input. Two layers protect it:

- **Sealing (the SDK's).** :func:`seal_request_state` installs the mcp SDK's
  ``RequestStateBoundary`` on the server, under a ``RequestStateSecurity`` whose AES-256-GCM key
  is generated per process. Every outgoing state is encrypted and bound to the method, the
  tool, a digest of the arguments, an expiry and the server's name; a forged, altered, expired
  or transplanted echo is refused before any handler runs, with JSON-RPC ``-32602``.
- **Claims (ours).** Inside the seal, :class:`PendingCall` names what was asked (``kind``), for
  which tool, for which key (its fingerprint, never the key, since a header key is not part of
  the arguments the SDK digests), for which spending request (its fingerprint), until when, and
  a single-use nonce. :class:`PendingCalls` checks them on the echo and remembers used nonces,
  so an answer approves at most once.

The seal's key and the used-nonce memory are per process. A retry that reaches another process
(a restart; another replica behind a balancer without session affinity) is refused and the call
starts over. The nonce memory is bounded: entries leave when their state expires, and the oldest
go first past :data:`MAX_REMEMBERED_NONCES`. Replicas sharing Redis state share workflow state
but not this memory; since each also has its own sealing key, no replica accepts a state another
one issued, so a per-process memory is enough.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Final, NoReturn, TypeVar

from mcp.server import Server
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "MAX_REMEMBERED_NONCES",
    "STATE_TTL_SECONDS",
    "PendingCall",
    "PendingCalls",
    "PendingKind",
    "request_state_security",
    "seal_request_state",
]

logger = logging.getLogger("kp_tools.mcp")

STATE_TTL_SECONDS: Final = 900.0
"""How long the user has to answer one question (a visit to the main site can take minutes)."""

MAX_REMEMBERED_NONCES: Final = 100_000

S = TypeVar("S", bound=Server[Any])

_REFUSED = "Invalid or expired requestState"  # the SDK's frozen wire message, for every cause


class PendingKind(StrEnum):
    """What the user was asked."""

    CONSENT = "consent"  # approve spending credits (form mode)
    SITE_VISIT = "site_visit"  # fix something on the main site (URL mode)


class PendingCall(BaseModel):
    """The claims sealed into one ``requestState``. JSON-safe, and holds no secret: the key is
    present only as its fingerprint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PendingKind
    tool: str
    key: str | None
    """Fingerprint of the call's own key (argument or header); ``None``: the server's key."""
    request: str | None = None
    """For consent: the fingerprint of the one spending request the answer may approve."""
    outcome: dict[str, Any] | None = None
    """For a site visit: the call's outcome as it stood, returned unchanged if nothing is fixed."""
    site_visited: bool = False
    """The user was already sent to the site during this call: never send them twice."""
    expires: float
    nonce: str


def request_state_security() -> RequestStateSecurity:
    """The SDK's sealing policy: AES-256-GCM under a key this process generates at start.

    A state minted by another process (a restart, another replica) is refused, and the client
    starts the call over: the user is asked again, nothing is lost or sent twice.
    """
    return RequestStateSecurity.ephemeral(ttl=STATE_TTL_SECONDS)


def seal_request_state(server: S) -> S:
    """Install the SDK's ``RequestStateBoundary`` on ``server`` and return it.

    The low-level ``Server`` seals nothing by itself: without this, the state kp-mcp writes would
    cross the wire as plain JSON a client could edit.
    """
    boundary = RequestStateBoundary(request_state_security(), default_audience=server.name)
    server.middleware.append(boundary)
    return server


class PendingCalls:
    """Issues the claims of one question, and checks and consumes them when the answer comes.

    Every refusal is the same JSON-RPC error the SDK's boundary gives (``-32602``), with the
    real reason in the server log only: the client restarts the call, nothing was sent.
    """

    def __init__(
        self,
        *,
        ttl: float = STATE_TTL_SECONDS,
        max_nonces: int = MAX_REMEMBERED_NONCES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ttl = ttl
        self._max = max_nonces
        self._clock = clock
        self._used: OrderedDict[str, float] = OrderedDict()  # nonce -> when its state expires

    def issue(
        self,
        kind: PendingKind,
        *,
        tool: str,
        key: str | None,
        request: str | None = None,
        outcome: dict[str, Any] | None = None,
        site_visited: bool = False,
    ) -> str:
        """The plaintext state for one question (the boundary seals it on the way out)."""
        claims = PendingCall(
            kind=kind,
            tool=tool,
            key=key,
            request=request,
            outcome=outcome,
            site_visited=site_visited,
            expires=self._clock() + self._ttl,
            nonce=secrets.token_urlsafe(16),
        )
        return claims.model_dump_json()

    def redeem(self, state: str, *, tool: str, key: str | None) -> PendingCall:
        """The claims of an echoed state, once: the same state is refused the second time.

        Raises:
            MCPError: ``-32602`` when the state is malformed, expired, for another tool or key,
                or already used.
        """
        try:
            claims = PendingCall.model_validate_json(state)
        except ValidationError:
            _refuse("malformed claims")
        now = self._clock()
        if not now < claims.expires:
            _refuse("expired")
        if claims.tool != tool:
            _refuse("another tool")
        if claims.key != key:
            _refuse("another key")
        self._forget_expired(now)
        if claims.nonce in self._used:
            _refuse("replayed")
        self._used[claims.nonce] = claims.expires
        while len(self._used) > self._max:
            self._used.popitem(last=False)
        return claims

    @property
    def remembered(self) -> int:
        """How many used nonces are kept (bounded; for operators and tests)."""
        return len(self._used)

    def _forget_expired(self, now: float) -> None:
        # Insertion order is nearly expiry order (one ttl for all), so the scan stops early.
        while self._used:
            nonce, expires = next(iter(self._used.items()))
            if expires > now:
                return
            del self._used[nonce]


def _refuse(reason: str) -> NoReturn:
    logger.warning("requestState refused on tools/call: %s", reason)
    raise MCPError(code=INVALID_PARAMS, message=_REFUSED, data={"reason": "invalid_request_state"})

"""The ``requestState`` kp-mcp hands out on the 2026-07-28 wire, and the checks on its echo.

When a ``tools/call`` needs the user (consent before spending, a visit to the main site),
kp-mcp answers with an ``InputRequiredResult`` and the client calls the tool again with the
user's answer and the state it was given. The client holds that state in between, so what comes
back is untrusted input. Two layers protect it:

- **Sealing (the SDK's).** :func:`seal_request_state` installs the mcp SDK's
  ``RequestStateBoundary`` on the server, under a ``RequestStateSecurity`` (AES-256-GCM). Every
  outgoing state is encrypted and bound to the method, the tool, a digest of the arguments, an
  expiry and the server's name; a forged, altered, expired or transplanted echo is refused
  before any handler runs, with JSON-RPC ``-32602``.
- **Claims (ours).** Inside the seal, :class:`PendingCall` names what was asked (``kind``), for
  which tool, for which key (its fingerprint, never the key, since a header key is not part of
  the arguments the SDK digests), for which spending request (its fingerprint), until when, and
  a single-use nonce. :class:`PendingCalls` checks them on the echo and spends the nonce, so an
  answer approves at most once.

Both layers hold across processes when the deployment shares them, and are per process
otherwise:

- The sealing secret is :data:`ENV_STATE_SECRET` (``KP_MCP_STATE_SECRET``): set the same value
  on every replica, and each one accepts the states any other issued. ``kp-mcp --workers N``
  generates one for its workers when it is unset. Without it each process seals under a key of
  its own, and a retry that reaches another process (a restart, another replica) is refused and
  the call starts over: the user is asked again, nothing is sent twice.
- The used nonces live in the executor's state store (:meth:`StateStore.use_once
  <kp_tools.state.StateStore.use_once>`): with Redis (``KP_STATE_URL``) an approval used on one
  worker or replica is refused on every other; with the in-memory store, per process.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final, NoReturn, Protocol, TypeVar, runtime_checkable

from mcp.server import Server
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import BaseModel, ConfigDict, ValidationError

from kp_tools.errors import KPainterError

__all__ = [
    "ENV_STATE_SECRET",
    "MIN_SECRET_BYTES",
    "STATE_TTL_SECONDS",
    "NonceMemory",
    "PendingCall",
    "PendingCalls",
    "PendingKind",
    "new_state_secret",
    "request_state_security",
    "runner_nonces",
    "seal_request_state",
    "state_secrets_from_env",
]

logger = logging.getLogger("kp_tools.mcp")

STATE_TTL_SECONDS: Final = 900.0
"""How long the user has to answer one question (a visit to the main site can take minutes)."""

ENV_STATE_SECRET: Final = "KP_MCP_STATE_SECRET"  # noqa: S105 - the name, not a secret
"""The sealing secret replicas share: hex or base64, 32 bytes or more, comma-separated to rotate."""

MIN_SECRET_BYTES: Final = 32

S = TypeVar("S", bound=Server[Any])

_REFUSED = "Invalid or expired requestState"  # the SDK's frozen wire message, for every cause


class PendingKind(StrEnum):
    """What the user was asked."""

    CONSENT = "consent"  # approve spending credits (form mode)
    SITE_VISIT = "site_visit"  # fix something on the main site (URL mode)


class PendingCall(BaseModel):
    """The claims sealed into one ``requestState``.

    JSON-safe, and holds no secret: the key is present only as its fingerprint.
    """

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


@runtime_checkable
class NonceMemory(Protocol):
    """Where used nonces are remembered; every :class:`~kp_tools.state.StateStore` is one."""

    async def use_once(self, token: str, ttl: float) -> bool:
        """True the first time ``token`` is used within ``ttl`` seconds, atomically; then False."""
        ...


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def state_secrets_from_env(env: Mapping[str, str] | None = None) -> list[bytes] | None:
    """The sealing secrets ``KP_MCP_STATE_SECRET`` names, or ``None`` when it is unset.

    Each value is hex or base64 (standard or URL-safe, padding optional) of at least
    :data:`MIN_SECRET_BYTES` random bytes. Several, comma-separated, rotate the secret: the first
    seals, every one unseals. Read at start-up so a bad value stops the server before it serves.

    Raises:
        ValueError: naming the variable (never its value) when a part is not hex or base64,
            decodes to fewer than 32 bytes, or repeats another.
    """
    raw = (os.environ if env is None else env).get(ENV_STATE_SECRET, "").strip()
    if not raw:
        return None
    secrets_: list[bytes] = []
    for position, part in enumerate((p.strip() for p in raw.split(",")), start=1):
        decoded = _decode_secret(part)
        where = f"{ENV_STATE_SECRET} (part {position})" if "," in raw else ENV_STATE_SECRET
        if decoded is None:
            raise ValueError(
                f"{where} must be hex or base64, for example the output of "
                '`python -c "import secrets; print(secrets.token_hex(32))"`'
            )
        if len(decoded) < MIN_SECRET_BYTES:
            raise ValueError(
                f"{where} must hold at least {MIN_SECRET_BYTES} random bytes; it decodes to "
                f"{len(decoded)}. Generate one with "
                '`python -c "import secrets; print(secrets.token_hex(32))"`'
            )
        if decoded in secrets_:
            raise ValueError(f"{where} repeats an earlier secret")
        secrets_.append(decoded)
    return secrets_


def _decode_secret(text: str) -> bytes | None:
    if _HEX.fullmatch(text):
        return bytes.fromhex(text)
    standard = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def new_state_secret() -> str:
    """A fresh ``KP_MCP_STATE_SECRET`` value (hex of 32 random bytes), for a set of workers."""
    return secrets.token_bytes(MIN_SECRET_BYTES).hex()


def request_state_security(env: Mapping[str, str] | None = None) -> RequestStateSecurity:
    """The SDK's sealing policy: AES-256-GCM under ``KP_MCP_STATE_SECRET``, or a per-process key.

    With the shared secret, every replica accepts the states any of them issued. Without it, a
    state minted by another process (a restart, another replica) is refused, and the client
    starts the call over: the user is asked again, nothing is lost or sent twice.

    Raises:
        ValueError: ``KP_MCP_STATE_SECRET`` is malformed (see :func:`state_secrets_from_env`).
    """
    keys = state_secrets_from_env(env)
    if keys is None:
        return RequestStateSecurity.ephemeral(ttl=STATE_TTL_SECONDS)
    return RequestStateSecurity(keys=keys, ttl=STATE_TTL_SECONDS)


def seal_request_state(server: S, env: Mapping[str, str] | None = None) -> S:
    """Install the SDK's ``RequestStateBoundary`` on ``server`` and return it.

    The low-level ``Server`` seals nothing by itself: without this, the state kp-mcp writes would
    cross the wire as plain JSON a client could edit. ``env`` (default: the process environment)
    may name the shared secret.
    """
    boundary = RequestStateBoundary(request_state_security(env), default_audience=server.name)
    server.middleware.append(boundary)
    return server


def runner_nonces(runner: object) -> Callable[[], NonceMemory]:
    """The used-nonce memory of ``runner``'s state store, looked up when first needed.

    An :class:`~kp_tools.executor.Executor` has a ``store``; ``kp-mcp``'s stdio stand-in builds
    its executor on the first call, so the lookup waits for the first answer to redeem. A runner
    without a store (a test double) gets process memory.
    """

    def lookup() -> NonceMemory:
        store = getattr(runner, "store", None)
        if isinstance(store, NonceMemory):
            return store
        from kp_tools.state import MemoryStateStore

        return MemoryStateStore()

    return lookup


class PendingCalls:
    """Issues the claims of one question, and checks and consumes them when the answer comes.

    Every refusal is the same JSON-RPC error the SDK's boundary gives (``-32602``), with the
    real reason in the server log only: the client restarts the call, nothing was sent.

    Args:
        nonces: Finds where used nonces are kept (called once, on the first redeem); the
            default, process memory. kp-mcp passes :func:`runner_nonces` of its executor, so a
            shared store makes an answer single-use across workers and replicas.
        ttl: How long the user has to answer.
        clock: Wall-clock seconds (the claims' expiry travels to other processes).
    """

    def __init__(
        self,
        *,
        nonces: Callable[[], NonceMemory] | None = None,
        ttl: float = STATE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._find_nonces = nonces or runner_nonces(None)
        self._nonces: NonceMemory | None = None
        self._ttl = ttl
        self._clock = clock

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

    async def redeem(self, state: str, *, tool: str, key: str | None) -> PendingCall:
        """The claims of an echoed state, once: the same state is refused the second time.

        Raises:
            MCPError: ``-32602`` when the state is malformed, expired, for another tool or key,
                or already used, or when the nonce memory cannot say (a state store that does
                not answer approves nothing).
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
        if self._nonces is None:
            self._nonces = self._find_nonces()
        try:
            first_use = await self._nonces.use_once(claims.nonce, claims.expires - now)
        except KPainterError as error:  # the shared store is down: fail closed
            _refuse(f"used-nonce memory unavailable ({error.code})")
        if not first_use:
            _refuse("replayed")
        return claims


def _refuse(reason: str) -> NoReturn:
    logger.warning("requestState refused on tools/call: %s", reason)
    raise MCPError(code=INVALID_PARAMS, message=_REFUSED, data={"reason": "invalid_request_state"})

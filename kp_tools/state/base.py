"""Per-key workflow state, and the interface every store implements.

The executor remembers, per key: whether ``kp_me`` succeeded (and the credits it saw), whether the
key is halted (and why), a cached catalog, recent spending requests (to return the job already
started instead of paying twice), and the credits reserved in its budget window. Entries are
keyed by :attr:`ApiKey.fingerprint`, never the key. A store also keeps recent audit events, and
the single-use tokens already spent (kp-mcp's consent approvals), so a shared store lets no
replica accept an answer another one already used.
A store that cannot answer raises :class:`StateUnavailableError`; the executor then refuses the
call rather than running it without its checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kp_tools.errors import ErrorCode
from kp_tools.spending.budget import Ledger, Reservation

__all__ = [
    "Claim",
    "ClaimStatus",
    "Halt",
    "KeyState",
    "StateStore",
    "StateTTL",
    "Verification",
]


@dataclass(frozen=True, slots=True)
class Verification:
    """A successful ``kp_me`` for a key: what it saw, and when (it expires with its TTL)."""

    user_id: str | None
    credits: int | None
    can_manage_creations: bool | None
    verified_at: float


@dataclass(frozen=True, slots=True)
class Halt:
    """Why a key's creates and edits are refused locally, until a ``kp_me`` shows it is fixed."""

    code: ErrorCode
    message: str
    halted_at: float


@dataclass(frozen=True, slots=True)
class KeyState:
    """What the gates read before a keyed call: the key's live verification and halt, if any."""

    verification: Verification | None = None
    halt: Halt | None = None


class ClaimStatus(StrEnum):
    """Who has a spending request: the answer that keeps an identical request from paying twice."""

    OWNED = "owned"  # the caller must send the request, then settle or release the claim
    PENDING = "pending"  # an identical request is in flight
    DONE = "done"  # an identical request succeeded; ``result`` is its answer
    UNKNOWN = "unknown"  # an identical request was sent and its outcome is unknown


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to :meth:`StateStore.claim`; ``result`` is set when the status is ``done``."""

    status: ClaimStatus
    result: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StateTTL:
    """How long each kind of entry lives, in seconds.

    ``dedupe`` is the window in which an identical create or edit returns the job already
    started; ``pending`` bounds a claim whose owner died mid-request.
    """

    verification: float = 3600.0
    halt: float = 86400.0
    catalog: float = 600.0
    dedupe: float = 60.0
    pending: float = 120.0


class StateStore(ABC):
    """Where the executor keeps per-key workflow state; implement it to add a store.

    ``key_id`` is always an :attr:`~kp_tools.keys.ApiKey.fingerprint`. Every method may raise
    :class:`~kp_tools.errors.StateUnavailableError`; a store must never answer from a guess, since
    the gates and the dedupe are only as safe as its answers. Implementations document only what
    they add: the methods' contracts are stated here, once.
    """

    ttl: StateTTL

    @abstractmethod
    async def load(self, key_id: str) -> KeyState:
        """The key's live verification and halt (expired entries read as absent)."""

    @abstractmethod
    async def set_verification(self, key_id: str, verification: Verification | None) -> None:
        """Record a successful ``kp_me`` (or, with ``None``, forget it)."""

    @abstractmethod
    async def set_halt(self, key_id: str, halt: Halt | None) -> None:
        """Refuse the key's creates and edits from now on (or, with ``None``, lift the halt)."""

    async def record_verification(
        self, key_id: str, verification: Verification, halt: Halt | None
    ) -> None:
        """Record a successful ``kp_me`` and the halt its answer implies (``None`` lifts one).

        One write for what one answer says, so a store shared over the network pays one round
        trip for it. The default writes them one after the other; stores override it to write
        both at once.
        """
        await self.set_verification(key_id, verification)
        await self.set_halt(key_id, halt)

    @abstractmethod
    async def debit(self, key_id: str, credits: int) -> None:
        """Lower the credits seen at ``kp_me`` after a spend, so the next preflight is right."""

    @abstractmethod
    async def get_catalog(self, key_id: str) -> dict[str, Any] | None:
        """The key's cached catalog (as JSON data), or ``None`` when absent or expired."""

    @abstractmethod
    async def put_catalog(self, key_id: str, catalog: dict[str, Any]) -> None:
        """Cache the key's catalog for ``ttl.catalog`` seconds."""

    @abstractmethod
    async def claim(self, key_id: str, fingerprint: str) -> Claim:
        """Atomically take ownership of a spending request, or report who has it."""

    @abstractmethod
    async def settle(self, key_id: str, fingerprint: str, result: dict[str, Any] | None) -> None:
        """Record the answer (or None: outcome unknown) for the dedupe window."""

    @abstractmethod
    async def release(self, key_id: str, fingerprint: str) -> None:
        """Forget a claim whose request definitely did not take effect."""

    @abstractmethod
    async def reserve_credits(
        self, key_id: str, reservation: Reservation, *, ceiling: int | None, window: float
    ) -> Ledger:
        """Atomically hold ``reservation`` in the key's window if it fits under ``ceiling``.

        Reservations older than ``window`` seconds (by ``Reservation.at``) no longer count.
        ``ceiling=None`` grants every reservation (it is still counted, for the record). Two
        callers (or replicas) reserving at once can never both pass the same ceiling.
        """

    @abstractmethod
    async def release_credits(self, key_id: str, reservation: Reservation) -> None:
        """Give a reservation back: its request never left, or was refused without a charge."""

    @abstractmethod
    async def credits_spent(self, key_id: str, *, window: float, now: float) -> Ledger:
        """What the key's window holds at ``now`` (``frees_at``: when the oldest leaves)."""

    @abstractmethod
    async def use_once(self, token: str, ttl: float) -> bool:
        """Atomically mark ``token`` used for ``ttl`` seconds: True the first time, then False.

        What makes an answer single-use (kp-mcp's consent approvals): when several callers (or
        replicas) use the same token at once, exactly one gets True. A token is forgotten after
        ``ttl``, by which time whatever carried it has expired too.
        """

    async def record_event(self, record: Mapping[str, Any]) -> None:  # noqa: B027 - optional
        """Keep an audit event where other processes can read it (Redis: a stream)."""

    async def recent_events(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit events this store kept, oldest first."""
        return []

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the in-memory store has none."""

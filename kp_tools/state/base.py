"""Per-key workflow state, and the interface every store implements.

The executor remembers, per key: whether ``kp_me`` succeeded (and the credits it saw), whether the
key is halted (and why), a cached catalog, and recent spending requests (to return the job already
started instead of paying twice). Entries are keyed by :attr:`ApiKey.fingerprint`, never the key.
A store that cannot answer raises :class:`StateUnavailableError`; the executor then refuses the
call rather than running it without its checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kp_tools.errors import ErrorCode

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
    user_id: str | None
    credits: int | None
    can_manage_creations: bool | None
    verified_at: float


@dataclass(frozen=True, slots=True)
class Halt:
    code: ErrorCode
    message: str
    halted_at: float


@dataclass(frozen=True, slots=True)
class KeyState:
    verification: Verification | None = None
    halt: Halt | None = None


class ClaimStatus(StrEnum):
    OWNED = "owned"  # the caller must send the request, then settle or release the claim
    PENDING = "pending"  # an identical request is in flight
    DONE = "done"  # an identical request succeeded; ``result`` is its answer
    UNKNOWN = "unknown"  # an identical request was sent and its outcome is unknown


@dataclass(frozen=True, slots=True)
class Claim:
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
    ttl: StateTTL

    @abstractmethod
    async def load(self, key_id: str) -> KeyState: ...

    @abstractmethod
    async def set_verification(self, key_id: str, verification: Verification | None) -> None: ...

    @abstractmethod
    async def set_halt(self, key_id: str, halt: Halt | None) -> None: ...

    @abstractmethod
    async def debit(self, key_id: str, credits: int) -> None:
        """Lower the credits seen at ``kp_me`` after a spend, so the next preflight is right."""

    @abstractmethod
    async def get_catalog(self, key_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    async def put_catalog(self, key_id: str, catalog: dict[str, Any]) -> None: ...

    @abstractmethod
    async def claim(self, key_id: str, fingerprint: str) -> Claim:
        """Atomically take ownership of a spending request, or report who has it."""

    @abstractmethod
    async def settle(self, key_id: str, fingerprint: str, result: dict[str, Any] | None) -> None:
        """Record the answer (or None: outcome unknown) for the dedupe window."""

    @abstractmethod
    async def release(self, key_id: str, fingerprint: str) -> None:
        """Forget a claim whose request definitely did not take effect."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the in-memory store has none."""

"""The default store: process memory, bounded in size and time.

A plain ``threading.Lock`` rather than asyncio primitives: operations are short dict updates, and
the same executor may be driven from more than one event loop (a notebook's, and the sync
facade's private one), which asyncio locks do not allow.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kp_tools.spending.budget import Ledger, Reservation
from kp_tools.state.base import (
    Claim,
    ClaimStatus,
    Halt,
    KeyState,
    StateStore,
    StateTTL,
    Verification,
)

__all__ = ["MemoryStateStore"]


@dataclass
class _Expiring:
    value: Any
    expires_at: float


@dataclass
class _Entry:
    verification: _Expiring | None = None
    halt: _Expiring | None = None
    catalog: _Expiring | None = None
    claims: OrderedDict[str, _Expiring] = field(default_factory=OrderedDict)
    """In the order they were last written (see ``_forget_expired``)."""


def _forget_expired(claims: OrderedDict[str, _Expiring], now: float) -> None:
    """Drop expired claims, oldest written first, up to the first one still live.

    Claims are kept in the order they were written, so each create looks at the claims that
    expired since the last one (and one more), not at every claim of the key's last minutes. A
    claim written later with a shorter life may outlive its turn here; a claim is checked for
    expiry when it is read, so that only delays freeing it.
    """
    while claims and next(iter(claims.values())).expires_at <= now:
        claims.popitem(last=False)


def _write_claim(claims: OrderedDict[str, _Expiring], fingerprint: str, item: _Expiring) -> None:
    """Store a claim as the newest written, keeping the order ``_forget_expired`` relies on."""
    claims[fingerprint] = item
    claims.move_to_end(fingerprint)


class MemoryStateStore(StateStore):
    """Keeps at most ``max_keys`` keys (least recently used go first).

    Used tokens (:meth:`use_once`) are bounded apart, by ``max_tokens``: they leave when their
    time is up, and past the bound the oldest go first (a token forgotten that early could be
    used again, so the bound is far above what one process sees in a token's lifetime).
    """

    def __init__(
        self,
        ttl: StateTTL | None = None,
        *,
        max_keys: int = 10_000,
        max_events: int = 1000,
        max_tokens: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl or StateTTL()
        self.max_keys = max_keys
        self.max_tokens = max_tokens
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._tokens: OrderedDict[str, float] = OrderedDict()  # token -> when it is forgotten
        # Budget ledgers live apart from the LRU-bounded entries: evicting one would forget
        # credits spent and let the key pass its ceiling. They only hold what is in a window.
        self._ledgers: dict[str, list[Reservation]] = {}
        self._windows: dict[str, float] = {}
        self._events: deque[dict[str, Any]] = deque(maxlen=max_events)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _existing(self, key_id: str) -> _Entry | None:
        """The key's entry if it has one.

        Reads and clears never create one: otherwise calls with made-up keys, each refused
        locally, would push real users' entries (their halts and pending claims) out of the
        bounded map.
        """
        entry = self._entries.get(key_id)
        if entry is not None:
            self._entries.move_to_end(key_id)
        return entry

    def _entry(self, key_id: str) -> _Entry:
        entry = self._existing(key_id)
        if entry is None:
            entry = self._entries[key_id] = _Entry()
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
        return entry

    def _live(self, item: _Expiring | None) -> Any:
        return item.value if item is not None and item.expires_at > self._clock() else None

    def _expiring(self, value: Any, ttl: float) -> _Expiring:
        return _Expiring(value, self._clock() + ttl)

    async def load(self, key_id: str) -> KeyState:
        with self._lock:
            entry = self._existing(key_id)
            if entry is None:
                return KeyState()
            return KeyState(self._live(entry.verification), self._live(entry.halt))

    async def set_verification(self, key_id: str, verification: Verification | None) -> None:
        with self._lock:
            if verification is None:
                if (entry := self._existing(key_id)) is not None:
                    entry.verification = None
                return
            self._entry(key_id).verification = self._expiring(verification, self.ttl.verification)

    async def set_halt(self, key_id: str, halt: Halt | None) -> None:
        with self._lock:
            if halt is None:
                if (entry := self._existing(key_id)) is not None:
                    entry.halt = None
                return
            self._entry(key_id).halt = self._expiring(halt, self.ttl.halt)

    async def record_verification(
        self, key_id: str, verification: Verification, halt: Halt | None
    ) -> None:
        with self._lock:
            entry = self._entry(key_id)
            entry.verification = self._expiring(verification, self.ttl.verification)
            entry.halt = None if halt is None else self._expiring(halt, self.ttl.halt)

    async def debit(self, key_id: str, credits: int) -> None:
        with self._lock:
            entry = self._entry(key_id)
            seen: Verification | None = self._live(entry.verification)
            if seen is not None and seen.credits is not None and entry.verification:
                entry.verification.value = replace(seen, credits=max(seen.credits - credits, 0))

    async def get_catalog(self, key_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._existing(key_id)
            catalog: dict[str, Any] | None = None if entry is None else self._live(entry.catalog)
            return catalog

    async def put_catalog(self, key_id: str, catalog: dict[str, Any]) -> None:
        with self._lock:
            self._entry(key_id).catalog = self._expiring(catalog, self.ttl.catalog)

    async def claim(self, key_id: str, fingerprint: str) -> Claim:
        with self._lock:
            claims = self._entry(key_id).claims
            now = self._clock()
            _forget_expired(claims, now)
            current = claims.get(fingerprint)
            if current is None or current.expires_at <= now:
                pending = self._expiring(Claim(ClaimStatus.PENDING), self.ttl.pending)
                _write_claim(claims, fingerprint, pending)
                return Claim(ClaimStatus.OWNED)
            claim: Claim = current.value
            return claim

    async def settle(self, key_id: str, fingerprint: str, result: dict[str, Any] | None) -> None:
        status = ClaimStatus.DONE if result is not None else ClaimStatus.UNKNOWN
        with self._lock:
            settled = self._expiring(Claim(status, result), self.ttl.dedupe)
            _write_claim(self._entry(key_id).claims, fingerprint, settled)

    async def release(self, key_id: str, fingerprint: str) -> None:
        with self._lock:
            if (entry := self._existing(key_id)) is not None:
                entry.claims.pop(fingerprint, None)

    async def reserve_credits(
        self, key_id: str, reservation: Reservation, *, ceiling: int | None, window: float
    ) -> Ledger:
        with self._lock:
            self._windows[key_id] = window
            live = self._live_reservations(key_id, window, reservation.at)
            spent = sum(item.credits for item in live)
            if ceiling is not None and spent + reservation.credits > ceiling:
                return Ledger(False, spent, _frees_at(live, spent, reservation, ceiling, window))
            live.append(reservation)
            if len(self._ledgers) > self.max_keys:
                self._sweep(reservation.at)
            return Ledger(True, spent + reservation.credits)

    async def release_credits(self, key_id: str, reservation: Reservation) -> None:
        with self._lock:
            ledger = self._ledgers.get(key_id)
            if ledger is not None:
                ledger[:] = [item for item in ledger if item.id != reservation.id]

    async def credits_spent(self, key_id: str, *, window: float, now: float) -> Ledger:
        with self._lock:
            live = [i for i in self._ledgers.get(key_id, ()) if i.at + window > now]
            oldest = min((item.at for item in live), default=None)
            frees_at = None if oldest is None else oldest + window
            return Ledger(True, sum(i.credits for i in live), frees_at)

    async def use_once(self, token: str, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            # Nearly in expiry order (callers use one ttl), so the scan stops at the first live one.
            while self._tokens:
                oldest, forgotten_at = next(iter(self._tokens.items()))
                if forgotten_at > now:
                    break
                del self._tokens[oldest]
            if token in self._tokens:
                return False
            self._tokens[token] = now + ttl
            while len(self._tokens) > self.max_tokens:
                self._tokens.popitem(last=False)
            return True

    async def record_event(self, record: Mapping[str, Any]) -> None:
        with self._lock:
            self._events.append(dict(record))

    async def recent_events(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)[-limit:] if limit > 0 else []

    def _live_reservations(self, key_id: str, window: float, now: float) -> list[Reservation]:
        """The key's ledger with what left the window dropped (created if absent)."""
        ledger = self._ledgers.setdefault(key_id, [])
        ledger[:] = [item for item in ledger if item.at + window > now]
        return ledger

    def _sweep(self, now: float) -> None:
        """Forget ledgers whose every reservation has left its window."""
        for key_id in list(self._ledgers):
            window = self._windows.get(key_id, 0.0)
            if not self._live_reservations(key_id, window, now):
                del self._ledgers[key_id]
                self._windows.pop(key_id, None)


def _frees_at(
    live: list[Reservation], spent: int, wanted: Reservation, ceiling: int, window: float
) -> float | None:
    """When enough of ``live`` will have left the window for ``wanted`` to fit (None: never)."""
    if wanted.credits > ceiling:
        return None
    need, freed = spent + wanted.credits - ceiling, 0
    for item in sorted(live, key=lambda item: item.at):
        freed += item.credits
        if freed >= need:
            return item.at + window
    return None

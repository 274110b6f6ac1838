"""Switchable upstream faults, so tests can drive every failure path on purpose.

A fault matches requests by method and path prefix, fires ``times`` times (None: until cleared),
and does one thing: answer with an error status, wait, drop the connection (before or after the
request took effect), answer with a broken, truncated or very large body, or trickle the real
answer one byte at a time (each byte ``seconds`` after the last: under any read timeout, so only
a total deadline ends it).

Fields are checked when a fault is made (``ValueError``), so a bad switch sent to
``POST /_sandbox/faults`` is refused with 422 instead of failing later inside a request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal["status", "latency", "drop", "malformed", "truncated", "huge", "trickle"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MAX_SECONDS = 600.0
MAX_SIZE = 256 * 1024 * 1024


@dataclass
class Fault:
    """One switched-on failure: which requests it hits, how many times, and what it does."""

    kind: FaultKind
    path: str = ""  # prefix under /openapi/v1, e.g. "/creations"; empty matches everything
    method: str | None = None
    times: int | None = 1
    status: int = 503  # for "status"
    retry_after: float | None = None  # for "status" 429/503
    seconds: float = 0.0  # for "latency"; for "trickle", the pause before each byte
    after_processing: bool = False  # "drop"/"latency": let the request take effect first
    size: int = 32 * 1024 * 1024  # for "huge"

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in FAULT_KINDS:
            problems.append(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if not isinstance(self.path, str):
            problems.append("path must be a string")
        if self.method is not None and not isinstance(self.method, str):
            problems.append("method must be a string or null")
        if self.times is not None and not (_is_int(self.times) and self.times >= 1):
            problems.append("times must be a whole number from 1, or null for always")
        if not (_is_int(self.status) and 100 <= self.status <= 599):
            problems.append("status must be an HTTP status from 100 to 599")
        if self.retry_after is not None and not _in_range(self.retry_after, 0, 86400 * 366):
            problems.append("retry_after must be a number of seconds, or null")
        if not _in_range(self.seconds, 0, MAX_SECONDS):
            problems.append(f"seconds must be a number from 0 to {MAX_SECONDS:g}")
        if not isinstance(self.after_processing, bool):
            problems.append("after_processing must be true or false")
        if not (_is_int(self.size) and 0 <= self.size <= MAX_SIZE):
            problems.append(f"size must be a whole number of bytes from 0 to {MAX_SIZE}")
        if problems:
            raise ValueError("; ".join(problems))

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault hits a request (its path relative to ``/openapi/v1``)."""
        return (self.method is None or self.method == method) and path.startswith(self.path)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(value: object, low: float, high: float) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and low <= value <= high  # type: ignore[operator]


class Faults:
    """The sandbox's live faults, first match wins; safe to change while requests run."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault | None = None, /, **fields: object) -> Fault:
        """``faults.add(kind="status", status=429, retry_after=1, path="/me")``."""
        fault = fault or Fault(**fields)  # type: ignore[arg-type]
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first live fault matching this request, used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def __len__(self) -> int:
        return len(self._faults)

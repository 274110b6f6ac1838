"""Switchable upstream faults, so tests can drive every failure path on purpose.

A fault matches requests by method and path prefix, fires ``times`` times (None: until cleared),
and does one thing: answer with an error status, wait, drop the connection (before or after the
request took effect), or answer with a broken, truncated or very large body.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal["status", "latency", "drop", "malformed", "truncated", "huge"]


@dataclass
class Fault:
    kind: FaultKind
    path: str = ""  # prefix under /openapi/v1, e.g. "/creations"; empty matches everything
    method: str | None = None
    times: int | None = 1
    status: int = 503  # for "status"
    retry_after: float | None = None  # for "status" 429/503
    seconds: float = 0.0  # for "latency"
    after_processing: bool = False  # "drop"/"latency": let the request take effect first
    size: int = 32 * 1024 * 1024  # for "huge"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path)


class Faults:
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

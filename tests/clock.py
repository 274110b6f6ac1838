"""A clock for tests: it reads what the test set and moves only when the test moves it."""

from __future__ import annotations


class ManualClock:
    """Seconds (monotonic or epoch, as the code under test expects) that the test sets."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

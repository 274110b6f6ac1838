"""Budgets: how many credits one key may spend, per rolling window and per call.

A :class:`Budget` is data; the state store keeps each key's ledger of reservations (in process
memory, or in Redis so that replicas share one ceiling) and reserves atomically. The executor
reserves a request's cost before sending it and refuses with ``budget_exceeded``, without any
upstream request, when the reservation does not fit.

A request whose cost cannot be known beforehand is refused while a limit is set (unless
``allow_unknown_cost``): the budget could not promise the ceiling otherwise. Every request the
catalog prices today has a known cost, so in practice this only matters for new content types.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from kp_tools.errors import BudgetExceededError

if TYPE_CHECKING:
    from kp_tools.keys import ApiKey

__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "Budget",
    "BudgetFor",
    "Ledger",
    "Reservation",
    "over_budget",
]

DEFAULT_WINDOW_SECONDS = 86400.0
"""A budget's window when none is given: a day."""


@dataclass(frozen=True, slots=True)
class Budget:
    """One key's spending limits. ``None`` means no limit of that kind.

    Args:
        credits: the most credits the key may spend (or hold reserved) in any window.
        window_seconds: the length of the rolling window (a day by default).
        max_per_call: the most one create or edit may cost.
        allow_unknown_cost: send requests whose cost is unknown (they are not counted); by
            default they are refused while a limit is set.
    """

    credits: int | None = None
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    max_per_call: int | None = None
    allow_unknown_cost: bool = False

    def __post_init__(self) -> None:
        for name in ("credits", "max_per_call"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise ValueError(f"Budget.{name} must be a whole number of credits, 0 or more")
        window = self.window_seconds
        if (
            isinstance(window, bool)
            or not isinstance(window, int | float)
            or not math.isfinite(window)
            or window <= 0
        ):
            raise ValueError("Budget.window_seconds must be a number of seconds above 0")

    @property
    def limited(self) -> bool:
        """True when the budget limits anything (a ceiling, or a maximum per call)."""
        return self.credits is not None or self.max_per_call is not None


BudgetFor: TypeAlias = Callable[["ApiKey"], Budget | None]
"""Gives the budget of one key (for apps where users have different limits); None: no limit."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """Credits held for one request, counted in its key's window from ``at`` (epoch seconds)."""

    id: str
    credits: int
    at: float


@dataclass(frozen=True, slots=True)
class Ledger:
    """What a key's window holds after a reservation was asked for.

    ``spent`` counts every reservation in the window (including the new one when ``granted``).
    When refused, ``frees_at`` is when enough will have left the window for the request to fit
    (None: it never fits, being larger than the whole ceiling).
    """

    granted: bool
    spent: int
    frees_at: float | None = None


def over_budget(
    budget: Budget, cost: int | None, ledger: Ledger | None, *, now: float | None = None
) -> BudgetExceededError:
    """The refusal for a request the budget does not allow, saying what is left and when."""
    if cost is None:
        return BudgetExceededError(
            "The cost of this request cannot be known beforehand, and a spending limit is set "
            "for this key, so it was refused; nothing was sent."
        )
    if budget.max_per_call is not None and cost > budget.max_per_call:
        return BudgetExceededError(
            f"This costs {cost} credits, over the limit of {budget.max_per_call} credits per "
            "call for this key; nothing was sent."
        )
    ceiling = budget.credits if budget.credits is not None else 0
    spent = ledger.spent if ledger is not None else 0
    left = max(ceiling - spent, 0)
    window = _duration(budget.window_seconds)
    text = (
        f"This costs {cost} credits and {left} of this key's {ceiling} credits per {window} are "
        "left, so nothing was sent."
    )
    frees_at = ledger.frees_at if ledger is not None else None
    if frees_at is None:
        text += " It is larger than the whole budget, so it will never fit."
    else:
        current = time.time() if now is None else now
        when = datetime.fromtimestamp(frees_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        text += (
            f" Enough frees up at {when} (in {_duration(max(frees_at - current, 0))}), as "
            "earlier spending leaves the window."
        )
    return BudgetExceededError(text)


def _duration(seconds: float) -> str:
    """``24 h``, ``1 h 30 min``, ``90 s``: a window or a wait, for people."""
    whole = math.ceil(seconds)
    if whole < 120:
        return f"{whole} s"
    minutes = math.ceil(whole / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")

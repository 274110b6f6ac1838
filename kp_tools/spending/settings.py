"""Spending settings from the environment, so every rendering (and kp-mcp) gets the same limits.

An executor built without explicit spending options reads these, as it reads ``KP_STATE_URL``:

======================================  ===================================================
``KP_BUDGET_CREDITS``                   credits per window per key (unset: no ceiling)
``KP_BUDGET_WINDOW_SECONDS``            the rolling window, in seconds (default 86400)
``KP_MAX_CREDITS_PER_CALL``             the most one create or edit may cost
``KP_CONFIRM_ABOVE_CREDITS``            ask the user before a request costing this much or
                                        more (0: before every paid request)
``KP_AUDIT_LOG``                        append every spending decision to this JSON-lines file
======================================  ===================================================

A value that is negative or not a number is refused when the executor is built (a
``ValueError`` naming the variable), never ignored: a limit the operator asked for must hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:  # loaded when a budget is set: kp-mcp checks these variables at every start
    from kp_tools.spending.budget import Budget

__all__ = [
    "ENV_AUDIT_LOG",
    "ENV_BUDGET_CREDITS",
    "ENV_BUDGET_WINDOW_SECONDS",
    "ENV_CONFIRM_ABOVE_CREDITS",
    "ENV_MAX_CREDITS_PER_CALL",
    "SpendingSettings",
    "use_spending_flags",
    "whole_credits",
]

T = TypeVar("T")

ENV_BUDGET_CREDITS: Final = "KP_BUDGET_CREDITS"
ENV_BUDGET_WINDOW_SECONDS: Final = "KP_BUDGET_WINDOW_SECONDS"
ENV_MAX_CREDITS_PER_CALL: Final = "KP_MAX_CREDITS_PER_CALL"
ENV_CONFIRM_ABOVE_CREDITS: Final = "KP_CONFIRM_ABOVE_CREDITS"
ENV_AUDIT_LOG: Final = "KP_AUDIT_LOG"


@dataclass(frozen=True, slots=True)
class SpendingSettings:
    """The spending options an environment sets (each ``None`` when it sets none)."""

    budget: Budget | None = None
    confirm_above_credits: int | None = None
    audit_log: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SpendingSettings:
        """Read the ``KP_*`` spending variables.

        Raises:
            ValueError: a variable is set to something that is not a valid value; the message
                names it and says what is expected.
        """
        credits = _optional(env, ENV_BUDGET_CREDITS, whole_credits)
        per_call = _optional(env, ENV_MAX_CREDITS_PER_CALL, whole_credits)
        window = _optional(env, ENV_BUDGET_WINDOW_SECONDS, _seconds)
        budget = None
        if credits is not None or per_call is not None:
            from kp_tools.spending.budget import DEFAULT_WINDOW_SECONDS, Budget

            budget = Budget(
                credits=credits,
                window_seconds=DEFAULT_WINDOW_SECONDS if window is None else window,
                max_per_call=per_call,
            )
        audit_log = (env.get(ENV_AUDIT_LOG) or "").strip() or None
        return cls(
            budget=budget,
            confirm_above_credits=_optional(env, ENV_CONFIRM_ABOVE_CREDITS, whole_credits),
            audit_log=audit_log,
        )


def whole_credits(name: str, raw: str) -> int:
    """A number of credits, 0 or more, or a ``ValueError`` naming the setting ``name``."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(
            f"{name} must be a whole number of credits, 0 or more (got {raw!r})"
        ) from None
    if value < 0:
        raise ValueError(f"{name} must be a whole number of credits, 0 or more (got {raw!r})")
    return value


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number of seconds above 0 (got {raw!r})")
    return value


def _optional(env: Mapping[str, str], name: str, parse: Callable[[str, str], T]) -> T | None:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return None
    return parse(name, raw)


def use_spending_flags(
    env: MutableMapping[str, str],
    *,
    budget_credits: int | None = None,
    budget_window_seconds: float | None = None,
    max_credits_per_call: int | None = None,
    confirm_above_credits: int | None = None,
) -> SpendingSettings:
    """Put a server's spending flags into ``env`` (a flag wins over its variable), then check.

    Entry points (``kp-mcp``) call this at start-up, so that every executor they build, now or
    on the first call, reads the same limits, and a bad value stops the process before serving.

    Raises:
        ValueError: a flag or a variable is not a valid value; the message names the variable.
    """
    flags = {
        ENV_BUDGET_CREDITS: budget_credits,
        ENV_BUDGET_WINDOW_SECONDS: budget_window_seconds,
        ENV_MAX_CREDITS_PER_CALL: max_credits_per_call,
        ENV_CONFIRM_ABOVE_CREDITS: confirm_above_credits,
    }
    for name, value in flags.items():
        if value is not None:
            env[name] = str(value)
    return SpendingSettings.from_env(env)

"""What a call's context and the paying path need of the executor, as a protocol.

:class:`~kp_tools.executor.context.CallContext` and :func:`~kp_tools.executor.paying.pay` are
built by the executor and use its client, state store and spending settings. Typing them against
this protocol instead of the :class:`~kp_tools.executor.Executor` class keeps the dependency one
way (the executor imports them; they never import it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.executor.waiting import WaitPolicy
    from kp_tools.keys import ApiKey
    from kp_tools.spending.audit import AuditTrail
    from kp_tools.spending.budget import Budget
    from kp_tools.spending.consent import Approver
    from kp_tools.state import StateStore

__all__ = ["ExecutorServices"]


class ExecutorServices(Protocol):
    """The executor's client, state and spending rules, as the code it runs for a call sees them."""

    client: KPainterClient
    store: StateStore
    wait_policy: WaitPolicy
    max_wait_seconds: float | None  # the operator's cap on one job wait
    confirm_above_credits: int | None  # ask the user from this cost on (None: never)
    approver: Approver | None  # the executor-wide consent channel, when the call brings none
    audit: AuditTrail
    clock: Callable[[], float]  # epoch seconds: dates budget windows and audit events

    def budget_for(self, key: ApiKey) -> Budget | None:
        """The budget that applies to ``key`` (``None``: no limit)."""
        ...

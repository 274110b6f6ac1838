"""Consent before spending: what the user is asked, and the one shape every channel answers in.

The executor builds a :class:`SpendRequest` before it sends a credit-spending request whose cost
reaches the consent threshold, and hands it to the call's :data:`Approver`. Each rendering
supplies its own approver (MCP elicitation, a LangGraph interrupt, LlamaIndex human-in-the-loop
events, a CLI prompt, or a callback the application gives); the executor only needs a yes or a
no. An approver that must suspend the call (a LangGraph interrupt, an MCP ``InputRequiredResult``)
raises; the executor releases what it reserved and lets that exception through unchanged, and the
call is run again when the answer is in.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

__all__ = ["APPROVAL_KIND", "Approver", "SpendRequest", "ask"]

APPROVAL_KIND: Final = "kp_spend_approval"
"""The ``kind`` of every structured approval request (a LangGraph interrupt's value, for one)."""


@dataclass(frozen=True, slots=True)
class SpendRequest:
    """One credit-spending request waiting for the user's yes or no.

    ``fingerprint`` identifies this exact request (tool and body) for this key: an answer given
    for one request can never approve another.
    """

    tool: str
    title: str
    summary: str
    cost: int | None
    credits_left: int | None
    budget_left: int | None
    fingerprint: str

    @property
    def question(self) -> str:
        """The question put to the user: what will be made, what it costs, what is left."""
        cost = "an unknown number of credits" if self.cost is None else f"{self.cost} credits"
        parts = [f"{self.title}: {self.summary}. This costs {cost}."]
        if self.credits_left is not None:
            parts.append(f"The account had {self.credits_left} credits at the last check.")
        if self.budget_left is not None:
            parts.append(f"{self.budget_left} credits are left in this key's budget window.")
        parts.append("Approve spending them?")
        return " ".join(parts)

    def as_payload(self) -> dict[str, Any]:
        """The documented structured form (``"kind": "kp_spend_approval"``), JSON-safe."""
        return {
            "kind": APPROVAL_KIND,
            "tool": self.tool,
            "title": self.title,
            "summary": self.summary,
            "cost": self.cost,
            "credits_left": self.credits_left,
            "budget_left": self.budget_left,
            "question": self.question,
        }


Approver: TypeAlias = Callable[[SpendRequest], bool | Awaitable[bool]]
"""Answers a :class:`SpendRequest`: ``True`` approves; anything else declines."""


async def ask(approver: Approver, request: SpendRequest) -> bool:
    """The approver's answer, sync or async; only a literal ``True`` counts as approval."""
    answer = approver(request)
    if inspect.isawaitable(answer):
        answer = await answer
    return answer is True

"""Consent before spending, the LangGraph way: ``interrupt`` from inside the tool.

When a KPainter tool runs as a node's tool call in a LangGraph graph compiled with a
checkpointer (``create_agent(..., checkpointer=InMemorySaver())``), a request that needs the
user's approval interrupts the graph. The interrupt's value is the structured request::

    {"kind": "kp_spend_approval", "tool": "kp_create_creation", "cost": 20,
     "question": "Create content: a slides_video ... This costs 20 credits. ...", ...}

and the app resumes with ``Command(resume={"approved": True})`` (or ``False``). Only a mapping
whose ``approved`` is exactly ``True`` approves; any other resume value declines. The tool runs
again from the start on resume (LangGraph's rule), which the executor expects: the request was
released when the interrupt was raised, so it is sent once, after the answer.

Outside such a graph (a plain ``tool.invoke``, a graph without a checkpointer, where an interrupt
could never be resumed) the toolkit's ``approver`` callback is asked; without one, a request that
needs consent ends in ``confirmation_unavailable``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import Any, Final

from langchain_core.runnables import RunnableConfig

from kp_tools.spending.consent import Approver, SpendRequest

__all__ = ["approver_for", "in_resumable_graph"]

# LangGraph's own config keys (langgraph.constants.CONFIG_KEY_CHECKPOINTER and the scratchpad
# that interrupt() reads). Read as strings so langchain-core alone needs no langgraph import.
_CHECKPOINTER: Final = "__pregel_checkpointer"
_SCRATCHPAD: Final = "__pregel_scratchpad"


def in_resumable_graph(config: RunnableConfig | Mapping[str, Any] | None) -> bool:
    """True when the call runs inside a LangGraph task whose graph has a checkpointer."""
    configurable = (config or {}).get("configurable") or {}
    return _SCRATCHPAD in configurable and configurable.get(_CHECKPOINTER) is not None


def approver_for(
    config: RunnableConfig | Mapping[str, Any] | None, fallback: Approver | None
) -> Approver | None:
    """The approver for one tool call: a LangGraph interrupt in a resumable graph, else fallback.

    ``fallback`` is the toolkit's callback, or None: then the executor's own approver is asked,
    and without one a request that needs consent is refused (``confirmation_unavailable``).
    """
    if not in_resumable_graph(config):
        return fallback
    # interrupt() reads the running task from context variables; the sync tool path runs the
    # executor on another thread, so the call's context travels with the approver.
    context = contextvars.copy_context()

    def ask_by_interrupt(request: SpendRequest) -> bool:
        from langgraph.types import interrupt

        answer = context.run(interrupt, request.as_payload())
        return isinstance(answer, Mapping) and answer.get("approved") is True

    return ask_by_interrupt

"""Inside a LlamaIndex workflow run: consent by human-in-the-loop events, progress on the stream.

When a KPainter tool runs in a ``FunctionAgent`` or ``AgentWorkflow``, the agent hands it the
run's :class:`~llama_index.core.workflow.Context`. Then:

- a request that needs the user's approval emits a :class:`SpendApprovalRequired` (an
  ``InputRequiredEvent`` carrying the question, the tool and the cost) on the run's event
  stream and waits for a ``HumanResponseEvent``: ``response="yes"`` approves, any other answer
  declines. This is LlamaIndex's own ``ctx.wait_for_event`` pattern, so the step is replayed
  once the answer is in; the executor released the request while it waited, so it is sent once.
- a job wait (``kp_get_job_status`` with ``wait_seconds``) writes a :class:`JobProgress` event to
  the stream at each poll::

      handler = agent.run(user_msg="...")
      async for event in handler.stream_events():
          if isinstance(event, SpendApprovalRequired):
              handler.ctx.send_event(HumanResponseEvent(response="yes"))
          elif isinstance(event, JobProgress):
              print(event.progress, event.message)
"""

from __future__ import annotations

from typing import Any

from llama_index.core.workflow import Context, Event, HumanResponseEvent, InputRequiredEvent

from kp_tools.executor import ProgressCallback
from kp_tools.spending.consent import APPROVAL_KIND, Approver, SpendRequest

__all__ = ["JobProgress", "SpendApprovalRequired", "stream_progress", "workflow_approver"]

APPROVING_ANSWER = "yes"


class SpendApprovalRequired(InputRequiredEvent):
    """Asks the person running the workflow to approve one credit-spending request.

    ``prefix`` is the question (LlamaIndex's convention for an input prompt); the other fields
    are :meth:`~kp_tools.spending.SpendRequest.as_payload`, ``kind`` being
    ``"kp_spend_approval"``. Answer with ``HumanResponseEvent(response="yes")`` to approve.
    """

    prefix: str
    kind: str = APPROVAL_KIND
    tool: str
    title: str
    summary: str
    cost: int | None = None
    credits_left: int | None = None
    budget_left: int | None = None
    question: str


class JobProgress(Event):
    """One poll of a job the tool is waiting on: ``progress`` of ``total`` (percent)."""

    tool: str
    progress: float
    total: float | None = None
    message: str | None = None


def workflow_approver(ctx: Context) -> Approver:
    """An approver that asks through the run's event stream and waits for the answer."""

    async def ask(request: SpendRequest) -> bool:
        payload: dict[str, Any] = request.as_payload()
        answer = await ctx.wait_for_event(
            HumanResponseEvent,
            waiter_id=f"{APPROVAL_KIND}:{request.fingerprint}",
            waiter_event=SpendApprovalRequired(prefix=request.question, **payload),
        )
        response = getattr(answer, "response", None)
        return isinstance(response, str) and response.strip().lower() == APPROVING_ANSWER

    return ask


def stream_progress(ctx: Context, tool: str) -> ProgressCallback:
    """A progress callback writing :class:`JobProgress` events to the run's stream."""

    async def report(progress: float, total: float | None, message: str | None) -> None:
        ctx.write_event_to_stream(
            JobProgress(tool=tool, progress=progress, total=total, message=message)
        )

    return report

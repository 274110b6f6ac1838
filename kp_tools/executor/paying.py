"""The one path a credit-spending request takes: preflight, dedupe, budget, consent, send.

A spec declares a :class:`~kp_tools.specs.PaidRequest`; :func:`pay` is the only code that sends
one. In order: the credits seen at ``kp_me`` must cover the cost; an identical request in the
dedupe window returns the job it started instead of paying twice; the key's budget must have
room (the cost is reserved atomically); the user approves when the cost reaches the consent
threshold; only then is the request sent. What happens to the claim and the reservation
afterwards follows what is known about the request: released when it provably never left or
was refused without a charge, kept when the job started or when the outcome is unknown.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from kp_tools.errors import (
    ConfirmationUnavailableError,
    DeclinedByUserError,
    InsufficientCreditsError,
    KPainterError,
    OutcomeUnknownError,
)
from kp_tools.keys import ApiKey
from kp_tools.specs.base import PaidRequest, ToolSpec
from kp_tools.spending.consent import Approver, SpendRequest, ask
from kp_tools.state import Claim, ClaimStatus

if TYPE_CHECKING:
    from kp_tools.executor.executor import Executor

__all__ = ["SpendSuspended", "pay"]

M = TypeVar("M", bound=BaseModel)

CLAIM_POLL_SECONDS = 0.05

logger = logging.getLogger("kp_tools.executor")


class SpendSuspended(BaseException):
    """The approver raised to suspend the call (a LangGraph interrupt, an MCP round trip).

    A ``BaseException`` so that no ``except Exception`` between :func:`pay` and
    :meth:`Executor.run` turns it into an outcome; ``run`` re-raises ``reason`` unchanged.
    """

    def __init__(self, reason: BaseException) -> None:
        super().__init__(reason)
        self.reason = reason


async def pay(
    executor: Executor,
    spec: ToolSpec[Any, Any],
    key: ApiKey,
    request: PaidRequest[M],
    approver: Approver | None,
) -> tuple[M, bool]:
    """Send ``request`` under every spending rule; returns (result, deduplicated)."""
    store = executor.store
    key_id = key.fingerprint
    seen = (await store.load(key_id)).verification
    cost = request.cost
    if cost is not None and seen is not None and seen.credits is not None and cost > seen.credits:
        raise InsufficientCreditsError(
            f"This costs {cost} credits and the account had {seen.credits} at the last "
            "kp_me, so nothing was sent."
        )
    fingerprint = request_fingerprint(spec.name, request.identity)
    claim = await _claim(executor, key_id, fingerprint)
    if claim.status is ClaimStatus.DONE and claim.result is not None:
        return request.result_model.model_validate(claim.result), True
    if claim.status is not ClaimStatus.OWNED:
        raise OutcomeUnknownError(
            "An identical request was sent moments ago (or is waiting for the user's approval) "
            "and its outcome is unknown, so this one was not sent."
        )
    # The claim is ours. Until the request is sent, every way out releases it.
    try:
        threshold = executor.confirm_above_credits
        if threshold is not None and (cost is None or cost >= threshold):
            asking = SpendRequest(
                tool=spec.name,
                title=spec.title,
                summary=request.summary,
                cost=cost,
                credits_left=None if seen is None else seen.credits,
                budget_left=None,
                fingerprint=fingerprint,
            )
            await _consent(approver or executor.approver, asking)
    except BaseException:
        await asyncio.shield(store.release(key_id, fingerprint))
        raise
    return await _send(executor, spec.name, key, request, fingerprint), False


async def _consent(approver: Approver | None, request: SpendRequest) -> None:
    """Return when the user approved; raise otherwise (or suspend, if the approver does)."""
    if approver is None:
        raise ConfirmationUnavailableError(
            f"{request.tool} costs "
            + ("an unknown number of" if request.cost is None else str(request.cost))
            + " credits, which needs the user's approval, and this call has no way to ask for "
            "it; nothing was sent."
        )
    try:
        approved = await ask(approver, request)
    except Exception as reason:
        raise SpendSuspended(reason) from None
    if not approved:
        raise DeclinedByUserError(
            f"The user declined: {request.summary} ({request.tool}). Nothing was sent; do not "
            "retry it unless the user asks again."
        )


async def _send(
    executor: Executor, tool: str, key: ApiKey, request: PaidRequest[M], fingerprint: str
) -> M:
    store = executor.store
    key_id = key.fingerprint
    try:
        result = await request.send(executor.client, key, request)
    except KPainterError as error:
        if isinstance(error, OutcomeUnknownError):
            await store.settle(key_id, fingerprint, None)
        else:  # KPainter answered with a refusal: nothing was done, the next try may send
            await store.release(key_id, fingerprint)
        raise
    except BaseException:
        # Cancelled or crashed mid-request: it may have been sent. Never assume it was not.
        await asyncio.shield(store.settle(key_id, fingerprint, None))
        raise
    # The job started and is paid for: from here on a store failure must not turn it into
    # an error (the model would retry and pay twice). The claim stays pending until its TTL,
    # so an identical request meanwhile is still not sent.
    try:
        await store.settle(key_id, fingerprint, result.model_dump(mode="json"))
        if request.cost:
            await store.debit(key_id, request.cost)
    except KPainterError as error:
        logger.warning("%s: started, but the state store could not record it: %s", tool, error.code)
    return result


async def _claim(executor: Executor, key_id: str, fingerprint: str) -> Claim:
    """Take the claim, or wait while an identical request is in flight."""
    store = executor.store
    client = executor.client
    # As long as the owner's request can take (429s are retried within the deadline).
    deadline = time.monotonic() + max(client.timeout, client.retry.deadline) + 5
    while True:
        claim = await store.claim(key_id, fingerprint)
        if claim.status is not ClaimStatus.PENDING or time.monotonic() > deadline:
            return claim
        await asyncio.sleep(CLAIM_POLL_SECONDS)


def request_fingerprint(tool: str, identity: Mapping[str, Any]) -> str:
    """A stable hash of one request (tool and body) for one key's dedupe and consent."""
    canonical = json.dumps([tool, identity], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]

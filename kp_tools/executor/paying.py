"""The one path a credit-spending request takes: preflight, dedupe, budget, consent, send.

A spec declares a :class:`~kp_tools.specs.PaidRequest`; :func:`pay` is the only code that sends
one. In order: the credits seen at ``kp_me`` must cover the cost; an identical request in the
dedupe window returns the job it started instead of paying twice; the key's budget must have
room (the cost is reserved atomically); the user approves when the cost reaches the consent
threshold; only then is the request sent. What happens to the claim and the reservation
afterwards follows what is known about the request: released when it provably never left or
was refused without a charge, kept when the job started or when the outcome is unknown. Each
of these decisions is an audit event.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

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
from kp_tools.spending.audit import AuditEvent, Decision
from kp_tools.spending.budget import Budget, Ledger, Reservation, over_budget
from kp_tools.spending.consent import Approver, SpendRequest, ask
from kp_tools.state import Claim, ClaimStatus, Verification

if TYPE_CHECKING:
    from kp_tools.executor.services import ExecutorServices

__all__ = ["SpendSuspended", "pay", "request_fingerprint"]

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
    executor: ExecutorServices,
    spec: ToolSpec[Any, Any],
    key: ApiKey,
    request: PaidRequest[M],
    approver: Approver | None,
) -> tuple[M, bool]:
    """Send ``request`` under every spending rule; returns (result, deduplicated)."""
    return await _Payment(executor, spec, key, request).run(approver or executor.approver)


class _Payment(Generic[M]):
    """One paid request on its way through the rules, with what it holds at each step."""

    def __init__(
        self,
        executor: ExecutorServices,
        spec: ToolSpec[Any, Any],
        key: ApiKey,
        request: PaidRequest[M],
    ) -> None:
        self.executor = executor
        self.store = executor.store
        self.spec = spec
        self.key = key
        self.key_id = key.fingerprint
        self.request = request
        self.fingerprint = request_fingerprint(spec.name, request.identity)
        self.reservation: Reservation | None = None

    async def run(self, approver: Approver | None) -> tuple[M, bool]:
        cost = self.request.cost
        seen = (await self.store.load(self.key_id)).verification
        if (
            cost is not None
            and seen is not None
            and seen.credits is not None
            and cost > seen.credits
        ):
            raise InsufficientCreditsError(
                f"This costs {cost} credits and the account had {seen.credits} at the last "
                "kp_me, so nothing was sent."
            )
        claim = await self._claim()
        if claim.status is ClaimStatus.DONE and claim.result is not None:
            await self._audit(Decision.DEDUPLICATED, ids=claim.result)
            return self.request.result_model.model_validate(claim.result), True
        if claim.status is not ClaimStatus.OWNED:
            raise OutcomeUnknownError(
                "An identical request was sent moments ago (or is waiting for the user's "
                "approval) and its outcome is unknown, so this one was not sent."
            )
        # The claim is ours. Until the request is sent, every way out gives back what it holds.
        try:
            budget_left = await self._reserve()
            await self._consent(approver, seen, budget_left)
        except BaseException as error:
            await asyncio.shield(self._give_back(_why_given_back(error)))
            raise
        return await self._send(), False

    # -- before sending ----------------------------------------------------------------------

    async def _claim(self) -> Claim:
        """Take the claim, or wait while an identical request is in flight."""
        client = self.executor.client
        # As long as the owner's request can take (429s are retried within the deadline).
        deadline = time.monotonic() + max(client.timeout, client.retry.deadline) + 5
        while True:
            claim = await self.store.claim(self.key_id, self.fingerprint)
            if claim.status is not ClaimStatus.PENDING or time.monotonic() > deadline:
                return claim
            await asyncio.sleep(CLAIM_POLL_SECONDS)

    async def _reserve(self) -> int | None:
        """Hold the cost in the key's budget; returns the credits the window had left before."""
        budget = self.executor.budget_for(self.key)
        if budget is None or not budget.limited:
            return None
        cost = self.request.cost
        if cost is None:
            if budget.allow_unknown_cost:
                return None
            await self._refuse(budget, None)
        if budget.max_per_call is not None and cost > budget.max_per_call:
            await self._refuse(budget, None)
        now = self.executor.clock()
        reservation = Reservation(uuid.uuid4().hex, cost, now)
        ledger = await self.store.reserve_credits(
            self.key_id, reservation, ceiling=budget.credits, window=budget.window_seconds
        )
        if not ledger.granted:
            await self._refuse(budget, ledger)
        self.reservation = reservation
        await self._audit(Decision.RESERVED, detail=f"{ledger.spent} credits held in the window")
        if budget.credits is None:
            return None
        return budget.credits - ledger.spent + cost

    async def _refuse(self, budget: Budget, ledger: Ledger | None) -> NoReturn:
        error = over_budget(budget, self.request.cost, ledger, now=self.executor.clock())
        await self._audit(Decision.REFUSED_BY_BUDGET, detail=error.message)
        raise error

    async def _consent(
        self, approver: Approver | None, seen: Verification | None, budget_left: int | None
    ) -> None:
        """Return when no consent is needed or the user approved; raise otherwise."""
        threshold = self.executor.confirm_above_credits
        cost = self.request.cost
        if threshold is None or (cost is not None and cost < threshold):
            return
        asking = SpendRequest(
            tool=self.spec.name,
            title=self.spec.title,
            summary=self.request.summary,
            cost=cost,
            credits_left=None if seen is None else seen.credits,
            budget_left=budget_left,
            fingerprint=self.fingerprint,
        )
        if approver is None:
            await self._audit(Decision.CONFIRMATION_UNAVAILABLE)
            raise ConfirmationUnavailableError(
                f"{self.spec.name} costs "
                + ("an unknown number of" if cost is None else str(cost))
                + " credits, which needs the user's approval, and this call has no way to ask "
                "for it; nothing was sent."
            )
        try:
            approved = await ask(approver, asking)
        except Exception as reason:
            raise SpendSuspended(reason) from None
        if not approved:
            await self._audit(Decision.DECLINED)
            raise DeclinedByUserError(
                f"The user declined: {self.request.summary} ({self.spec.name}). Nothing was "
                "sent; do not retry it unless the user asks again."
            )

    async def _give_back(self, why: str) -> None:
        """Release the claim and the reservation of a request that was never sent."""
        await self.store.release(self.key_id, self.fingerprint)
        await self._release_reservation(why)

    async def _release_reservation(self, why: str) -> None:
        if self.reservation is None:
            return
        reservation, self.reservation = self.reservation, None
        await self.store.release_credits(self.key_id, reservation)
        await self._audit(Decision.RELEASED, detail=why, reservation=reservation)

    # -- sending -----------------------------------------------------------------------------

    async def _send(self) -> M:
        await self._audit(Decision.SENT)
        try:
            result = await self.request.send(self.executor.client, self.key, self.request)
        except KPainterError as error:
            if isinstance(error, OutcomeUnknownError):
                await self.store.settle(self.key_id, self.fingerprint, None)
                await self._audit(Decision.OUTCOME_UNKNOWN, detail="reservation kept")
            else:  # KPainter answered with a refusal: nothing was done, the next try may send
                await self.store.release(self.key_id, self.fingerprint)
                await self._release_reservation(f"refused by KPainter: {error.code.value}")
            raise
        except BaseException:
            # Cancelled or crashed mid-request: it may have been sent. Never assume it was not.
            await asyncio.shield(self._unknown())
            raise
        # The job started and is paid for: from here on a store failure must not turn it into
        # an error (the model would retry and pay twice). The claim stays pending until its
        # TTL, so an identical request meanwhile is still not sent.
        answer = result.model_dump(mode="json")
        try:
            await self.store.settle(self.key_id, self.fingerprint, answer)
            if self.request.cost:
                await self.store.debit(self.key_id, self.request.cost)
        except KPainterError as error:
            logger.warning(
                "%s: started, but the state store could not record it: %s",
                self.spec.name,
                error.code,
            )
        await self._audit(Decision.STARTED, ids=answer)
        return result

    async def _unknown(self) -> None:
        await self.store.settle(self.key_id, self.fingerprint, None)
        await self._audit(Decision.OUTCOME_UNKNOWN, detail="interrupted while sending")

    # -- audit -------------------------------------------------------------------------------

    async def _audit(
        self,
        decision: Decision,
        *,
        detail: str | None = None,
        ids: Mapping[str, Any] | None = None,
        reservation: Reservation | None = None,
    ) -> None:
        held = reservation or self.reservation
        event = AuditEvent(
            decision=decision,
            key=self.key_id,
            tool=self.spec.name,
            type=self.spec.effect.value,
            cost=self.request.cost,
            request=self.fingerprint,
            reservation=None if held is None else held.id,
            job_id=_id(ids, "job_id"),
            creation_id=_id(ids, "creation_id") or _id(self.request.target, "creation_id"),
            detail=detail,
            time=self.executor.clock(),
        )
        await self.executor.audit.record(event)


def _why_given_back(error: BaseException) -> str:
    if isinstance(error, SpendSuspended):
        return "not sent: waiting for the user's answer"
    if isinstance(error, KPainterError):
        return f"not sent: {error.code.value}"
    return f"not sent: {type(error).__name__}"


def _id(values: Mapping[str, Any] | None, name: str) -> str | None:
    value = None if values is None else values.get(name)
    return None if value is None else str(value)


def request_fingerprint(tool: str, identity: Mapping[str, Any]) -> str:
    """A stable hash of one request (tool and body) for one key's dedupe and consent."""
    canonical = json.dumps([tool, identity], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]

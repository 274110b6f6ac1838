"""The services a spec's ``run`` gets for one call: catalog cache, spending guard, bounded wait."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from kp_tools.errors import InsufficientCreditsError, KPainterError, OutcomeUnknownError
from kp_tools.executor.waiting import ProgressCallback, wait_for_job
from kp_tools.keys import ApiKey
from kp_tools.models import Catalog
from kp_tools.specs.base import WaitResult
from kp_tools.state import Claim, ClaimStatus

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.executor.executor import Executor

M = TypeVar("M", bound=BaseModel)

CLAIM_POLL_SECONDS = 0.05

logger = logging.getLogger("kp_tools.executor")


class CallContext:
    """Implements :class:`kp_tools.specs.ToolContext` for one call of one tool with one key."""

    def __init__(
        self,
        executor: Executor,
        tool: str,
        key: ApiKey | None,
        progress: ProgressCallback | None,
    ) -> None:
        self._executor = executor
        self._tool = tool
        self._key = key
        self._progress = progress

    @property
    def client(self) -> KPainterClient:
        return self._executor.client

    @property
    def key(self) -> ApiKey:
        if self._key is None:
            raise RuntimeError(f"{self._tool} declared needs_key=False but asked for the key")
        return self._key

    async def catalog(self, *, refresh: bool = False) -> Catalog:
        store = self._executor.store
        if not refresh:
            cached = await store.get_catalog(self.key.fingerprint)
            if cached is not None:
                return Catalog.model_validate(cached)
        catalog = await self.client.catalog(self.key)
        await store.put_catalog(self.key.fingerprint, catalog.model_dump(mode="json"))
        return catalog

    async def spend(
        self,
        request: Mapping[str, Any],
        *,
        cost: int | None,
        result_model: type[M],
        send: Callable[[], Awaitable[M]],
    ) -> tuple[M, bool]:
        store = self._executor.store
        key_id = self.key.fingerprint
        seen = (await store.load(key_id)).verification
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
        fingerprint = _fingerprint(self._tool, request)
        claim = await self._claim(key_id, fingerprint)
        if claim.status is ClaimStatus.DONE and claim.result is not None:
            return result_model.model_validate(claim.result), True
        if claim.status is not ClaimStatus.OWNED:
            raise OutcomeUnknownError(
                "An identical request was sent moments ago and its outcome is unknown, so this "
                "one was not sent."
            )
        try:
            result = await send()
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
            if cost:
                await store.debit(key_id, cost)
        except KPainterError as error:
            logger.warning(
                "%s: started, but the state store could not record it: %s", self._tool, error.code
            )
        return result, False

    async def _claim(self, key_id: str, fingerprint: str) -> Claim:
        """Take the claim, or wait while an identical request is in flight."""
        store = self._executor.store
        # As long as the owner's request can take (429s are retried within the deadline).
        deadline = time.monotonic() + max(self.client.timeout, self.client.retry.deadline) + 5
        while True:
            claim = await store.claim(key_id, fingerprint)
            if claim.status is not ClaimStatus.PENDING or time.monotonic() > deadline:
                return claim
            await asyncio.sleep(CLAIM_POLL_SECONDS)

    async def wait_for_job(self, job_id: int | str, wait_seconds: float) -> WaitResult:
        return await wait_for_job(
            lambda: self.client.get_job(self.key, job_id),
            wait_seconds,
            policy=self._executor.wait_policy,
            progress=self._progress,
        )


def _fingerprint(tool: str, request: Mapping[str, Any]) -> str:
    canonical = json.dumps([tool, request], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]

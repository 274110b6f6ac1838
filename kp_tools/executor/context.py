"""The services a spec's ``run`` gets for one call: reads, catalog cache, paid requests, waits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from kp_tools.executor.paying import pay
from kp_tools.executor.waiting import ProgressCallback, remember_started_job, wait_for_job
from kp_tools.keys import ApiKey
from kp_tools.models import (
    Catalog,
    CreationDetail,
    CreationPage,
    Health,
    JobStatus,
    Me,
    ResourceId,
)
from kp_tools.specs.base import PaidRequest, ToolSpec, WaitResult
from kp_tools.spending.consent import Approver

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.executor.services import ExecutorServices

__all__ = ["CallContext", "ReadOnlyClient"]

M = TypeVar("M", bound=BaseModel)


class ReadOnlyClient:
    """The client as a spec sees it: every read endpoint, and none that spends credits.

    A spec that spends declares a :class:`~kp_tools.specs.PaidRequest` instead; the executor is
    the only holder of the full client, so no spec can send a paid request around its rules.
    """

    __slots__ = ("_client",)

    def __init__(self, client: KPainterClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"ReadOnlyClient(base_url={self._client.base_url!r})"

    async def health(self) -> Health:
        return await self._client.health()

    async def me(self, key: ApiKey) -> Me:
        return await self._client.me(key)

    async def catalog(self, key: ApiKey) -> Catalog:
        return await self._client.catalog(key)

    async def list_creations(
        self, key: ApiKey, params: Mapping[str, str | int] | None = None
    ) -> CreationPage:
        return await self._client.list_creations(key, params)

    async def get_creation(self, key: ApiKey, creation_id: ResourceId) -> CreationDetail:
        return await self._client.get_creation(key, creation_id)

    async def get_job(self, key: ApiKey, job_id: ResourceId) -> JobStatus:
        return await self._client.get_job(key, job_id)


class CallContext:
    """Implements :class:`kp_tools.specs.ToolContext` for one call of one tool with one key."""

    def __init__(
        self,
        executor: ExecutorServices,
        spec: ToolSpec[Any, Any],
        key: ApiKey | None,
        progress: ProgressCallback | None,
        approver: Approver | None = None,
        *,
        cached_reads: bool = False,
    ) -> None:
        self._executor = executor
        self._cached_reads = cached_reads
        self._spec = spec
        self._key = key
        self._progress = progress
        self._approver = approver
        self._client = ReadOnlyClient(executor.client)

    @property
    def client(self) -> ReadOnlyClient:
        return self._client

    @property
    def key(self) -> ApiKey:
        if self._key is None:
            raise RuntimeError(f"{self._spec.name} declared needs_key=False but asked for the key")
        return self._key

    async def catalog(self, *, refresh: bool = False) -> Catalog:
        store = self._executor.store
        if not refresh or self._cached_reads:
            cached = await store.get_catalog(self.key.fingerprint)
            if cached is not None:
                return Catalog.model_validate(cached)
        catalog = await self._client.catalog(self.key)
        await store.put_catalog(self.key.fingerprint, catalog.model_dump(mode="json"))
        return catalog

    async def spend(self, request: PaidRequest[M]) -> tuple[M, bool]:
        if not self._spec.effect.spends_credits:
            raise RuntimeError(f"{self._spec.name} is read-only (effect=read) but tried to spend")
        return await pay(self._executor, self._spec, self.key, request, self._approver)

    def job_started(self, job_id: int | str, status: str | None) -> None:
        remember_started_job(self._job_memory(job_id), status)

    async def wait_for_job(self, job_id: int | str, wait_seconds: float) -> WaitResult:
        limit = self._executor.max_wait_seconds  # the operator's cap, for short host timeouts
        return await wait_for_job(
            lambda: self._client.get_job(self.key, job_id),
            wait_seconds if limit is None else min(wait_seconds, limit),
            policy=self._executor.wait_policy,
            progress=self._progress,
            memory_key=self._job_memory(job_id),
        )

    def _job_memory(self, job_id: int | str) -> tuple[str, str]:
        """What this caller learned about this job carries over to its next wait on it."""
        return self.key.fingerprint, str(job_id)

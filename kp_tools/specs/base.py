"""What a tool is: the data every rendering and the executor read.

A spec holds everything tool-specific: its name, the text the model reads, its input and output
models, its effect, whether it needs a key, and ``run``, how it maps onto the API. ``run`` talks
to KPainter only through the :class:`ToolContext` the executor hands it, which is where the
workflow rules (catalog cache, credit preflight, no double spend, budgets, consent, bounded
waits) live. The context reads freely, but it has no way to spend: a spec that spends credits
declares a :class:`PaidRequest` and hands it to :meth:`ToolContext.spend`, and only the executor
sends it, after its gates, the dedupe, the budget and the user's consent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from kp_tools.models import JobStatus
from kp_tools.specs.views import AppView, ResourceView

if TYPE_CHECKING:  # the specs are data: reading them (kp-mcp's tools/list) needs no HTTP stack
    from kp_tools.client import KPainterClient
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

__all__ = [
    "Effect",
    "NoArguments",
    "PaidRequest",
    "ReadClient",
    "ToolArguments",
    "ToolContext",
    "ToolSpec",
    "WaitResult",
]

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)
M = TypeVar("M", bound=BaseModel)


class Effect(StrEnum):
    """What a call does to the user's account; drives halts, dedupe and MCP annotations."""

    READ = "read"
    CREATE = "create"
    EDIT = "edit"

    @property
    def spends_credits(self) -> bool:
        """Whether a call may cost credits: only those meet halts, the dedupe and budgets."""
        return self is not Effect.READ


def _without_class_docstring(schema: dict[str, Any]) -> None:
    """Drop the arguments class docstring from an input schema.

    The model reads the tool's description from its spec, never an arguments class docstring
    (which would differ between renderings: LangChain and LlamaIndex drop it, MCP would not).
    """
    schema.pop("description", None)


class ToolArguments(BaseModel):
    """Base of every input model: unknown fields are refused, so a typo is never ignored."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_without_class_docstring
    )


class NoArguments(ToolArguments):
    """The input of a tool that takes no arguments (any invented one is refused)."""


@dataclass(frozen=True, slots=True)
class WaitResult:
    """How a bounded wait on a job ended, for the spec to turn into what the model reads.

    ``done`` means the job succeeded or failed; ``timed_out`` that the wait ran out first (never
    for a call that asked not to wait). ``poll_after_seconds`` is when to ask again (``None``
    once done), and ``polls`` is how many requests the wait made.
    """

    job: JobStatus
    done: bool
    timed_out: bool
    waited_seconds: float
    polls: int
    poll_after_seconds: float | None


class ReadClient(Protocol):
    """The KPainter endpoints a spec may call itself: every read, and nothing that spends."""

    async def health(self) -> Health:
        """Whether the API answers; the only endpoint that needs no key."""
        ...

    async def me(self, key: ApiKey) -> Me:
        """The account behind ``key``: whether it may create, and its credits."""
        ...

    async def catalog(self, key: ApiKey) -> Catalog:
        """The catalog, uncached; a spec wants :meth:`ToolContext.catalog` (cached per key)."""
        ...

    async def list_creations(
        self, key: ApiKey, params: Mapping[str, str | int] | None = None
    ) -> CreationPage:
        """One page of the key's creations; ``params`` are the query (page, filters)."""
        ...

    async def get_creation(self, key: ApiKey, creation_id: ResourceId) -> CreationDetail:
        """One creation with its artifacts and scenes."""
        ...

    async def get_job(self, key: ApiKey, job_id: ResourceId) -> JobStatus:
        """A job's status now; to wait for it, a spec uses :meth:`ToolContext.wait_for_job`."""
        ...


SendPaid = Callable[["KPainterClient", "ApiKey", "PaidRequest[Any]"], Awaitable[M]]
"""How a declared request goes out: the endpoint call, given the full client by the executor."""


@dataclass(frozen=True, slots=True)
class PaidRequest(Generic[M]):
    """A credit-spending request as a spec declares it; only the executor sends it.

    The executor reads the declaration to apply its rules (the dedupe identity is ``target``
    with ``body``; the budget and the consent threshold read ``cost``; the user is asked about
    ``summary``), and only then calls ``send`` with the client, the call's key and this request.
    ``send`` is the endpoint, nothing more: it must send ``body`` (and the ids in ``target``)
    as declared, so what was checked is what goes out.
    """

    body: Mapping[str, Any]
    cost: int | None
    """Credits it costs, when the catalog says; ``None`` when it cannot be known beforehand."""
    result_model: type[M]
    summary: str
    """What will be made, in a few words, for the user's consent question and the audit."""
    send: SendPaid[M]
    target: Mapping[str, Any] = field(default_factory=dict)
    """The ids in the request's path (``{"creation_id": 7}``): part of what makes it unique."""

    @property
    def identity(self) -> dict[str, Any]:
        """What makes two requests the same request (and the second one a duplicate)."""
        return {**self.target, **self.body}


class ToolContext(Protocol):
    """The executor's services for one call, bound to the call's key."""

    @property
    def client(self) -> ReadClient:
        """Read-only: spending goes through :meth:`spend`, never straight to an endpoint."""
        ...

    @property
    def key(self) -> ApiKey:
        """The call's key, for :attr:`client`; a spec with ``needs_key=False`` has none."""
        ...

    async def catalog(self, *, refresh: bool = False) -> Catalog:
        """The key's catalog, cached in the state store so a create does not fetch it each time.

        ``refresh=True`` fetches it again and caches that (``kp_get_catalog`` does, so what the
        model reads is current).
        """
        ...

    async def spend(self, request: PaidRequest[M]) -> tuple[M, bool]:
        """Have the executor send ``request`` under its rules; returns (result, deduplicated).

        Raises the executor's refusal (a halt, ``budget_exceeded``, ``declined_by_user``,
        ``confirmation_unavailable``, ``outcome_unknown`` for an identical request in flight)
        or the upstream error; the spec lets it propagate.
        """
        ...

    def job_started(self, job_id: int | str, status: str | None) -> None:
        """Tell the executor that :meth:`spend` just started this job (not a deduplicated one).

        The job was 0% done then, so the first wait on it learns how fast it moves from one
        answer instead of two.
        """
        ...

    async def wait_for_job(self, job_id: int | str, wait_seconds: float) -> WaitResult:
        """Wait up to ``wait_seconds`` for the job to end, polling as rarely as that allows.

        The executor cuts the wait to its ``max_wait_seconds`` and reports progress to the call's
        progress callback; a job still running at the end comes back with ``done=False``.
        """
        ...


@dataclass(frozen=True, slots=True)
class ToolSpec(Generic[In, Out]):
    """One tool as data: the only place that knows it, read by the executor and every rendering.

    ``description`` and the input model's field descriptions are what the model reads, the same
    in every rendering. ``run`` maps a validated input onto the API through a
    :class:`ToolContext`; ``next_step`` turns a result into the hint the model gets with it.
    ``needs_key=False`` skips key resolution (``kp_health``); ``verifies_key`` marks the call
    whose success opens the ``kp_me`` gate; ``idempotent`` is what MCP hosts are told about
    repeating a call.
    """

    name: str
    title: str
    description: str
    input_model: type[In]
    output_model: type[Out]
    effect: Effect
    run: Callable[[ToolContext, In], Awaitable[Out]]
    next_step: Callable[[Out], str | None] = lambda _: None
    needs_key: bool = True
    verifies_key: bool = False
    idempotent: bool = True
    check_unknown_outcome: str | None = None
    """For a credit-spending tool: how the model finds out whether a request that got no answer
    took effect, added to every ``outcome_unknown`` it reports."""
    resources: tuple[ResourceView, ...] = ()
    """Read tools only: documents a host reads without the model (MCP resources)."""
    app_view: AppView | None = None
    """Read tools only: a page that shows the result inside hosts that render one (MCP Apps)."""
    with_wait_limit: Callable[[int], ToolSpec[Any, Any]] | None = None
    """For a tool that waits: this spec as a server that waits at most that many seconds per
    call shows it (its description, schema maximum and hints follow the limit)."""

    @property
    def read_only(self) -> bool:
        """A read costs nothing and may run for a host without the model (MCP resources)."""
        return self.effect is Effect.READ

    @property
    def destructive(self) -> bool:
        """Edits replace scene content in place; creates only add."""
        return self.effect is Effect.EDIT

    def input_schema(self) -> dict[str, Any]:
        """The arguments' JSON schema, as every rendering shows it (MCP adds ``api_key``)."""
        return self.input_model.model_json_schema()

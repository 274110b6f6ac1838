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
        return self is not Effect.READ


def _without_class_docstring(schema: dict[str, Any]) -> None:
    """The model reads the tool's description from its spec, never an arguments class docstring
    (which would differ between renderings: LangChain and LlamaIndex drop it, MCP would not)."""
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
    job: JobStatus
    done: bool
    timed_out: bool
    waited_seconds: float
    polls: int
    poll_after_seconds: float | None


class ReadClient(Protocol):
    """The KPainter endpoints a spec may call itself: every read, and nothing that spends."""

    async def health(self) -> Health: ...

    async def me(self, key: ApiKey) -> Me: ...

    async def catalog(self, key: ApiKey) -> Catalog: ...

    async def list_creations(
        self, key: ApiKey, params: Mapping[str, str | int] | None = None
    ) -> CreationPage: ...

    async def get_creation(self, key: ApiKey, creation_id: ResourceId) -> CreationDetail: ...

    async def get_job(self, key: ApiKey, job_id: ResourceId) -> JobStatus: ...


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
    def key(self) -> ApiKey: ...

    async def catalog(self, *, refresh: bool = False) -> Catalog: ...

    async def spend(self, request: PaidRequest[M]) -> tuple[M, bool]:
        """Have the executor send ``request`` under its rules; returns (result, deduplicated).

        Raises the executor's refusal (a halt, ``budget_exceeded``, ``declined_by_user``,
        ``confirmation_unavailable``, ``outcome_unknown`` for an identical request in flight)
        or the upstream error; the spec lets it propagate.
        """
        ...

    async def wait_for_job(self, job_id: int | str, wait_seconds: float) -> WaitResult: ...


@dataclass(frozen=True, slots=True)
class ToolSpec(Generic[In, Out]):
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
        return self.effect is Effect.READ

    @property
    def destructive(self) -> bool:
        """Edits replace scene content in place; creates only add."""
        return self.effect is Effect.EDIT

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()

"""What a tool is: the data every rendering and the executor read.

A spec holds everything tool-specific: its name, the text the model reads, its input and output
models, its effect, whether it needs a key, and ``run``, how it maps onto the API. ``run`` talks
to KPainter only through the :class:`ToolContext` the executor hands it, which is where the
workflow rules (catalog cache, credit preflight, no double spend, bounded waits) live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from kp_tools.models import JobStatus

if TYPE_CHECKING:  # the specs are data: reading them (kp-mcp's tools/list) needs no HTTP stack
    from kp_tools.client import KPainterClient
    from kp_tools.keys import ApiKey
    from kp_tools.models import Catalog

__all__ = ["Effect", "NoArguments", "ToolArguments", "ToolContext", "ToolSpec", "WaitResult"]

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


class ToolArguments(BaseModel):
    """Base of every input model: unknown fields are refused, so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


class ToolContext(Protocol):
    """The executor's services for one call, bound to the call's key."""

    @property
    def client(self) -> KPainterClient: ...

    @property
    def key(self) -> ApiKey: ...

    async def catalog(self, *, refresh: bool = False) -> Catalog: ...

    async def spend(
        self,
        request: Mapping[str, Any],
        *,
        cost: int | None,
        result_model: type[M],
        send: Callable[[], Awaitable[M]],
    ) -> tuple[M, bool]:
        """Send a credit-spending request at most once; returns (result, deduplicated)."""
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

    @property
    def read_only(self) -> bool:
        return self.effect is Effect.READ

    @property
    def destructive(self) -> bool:
        """Edits replace scene content in place; creates only add."""
        return self.effect is Effect.EDIT

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.output_model.model_json_schema()

"""The one result type of every tool call, whatever framework asked for it.

Adapters render an :class:`Outcome` natively (LangChain ToolMessage, LlamaIndex ToolOutput, MCP
CallToolResult), but the text the model reads is the same JSON everywhere: :meth:`Outcome.text`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from kp_tools.errors import ErrorCode, KPainterError, OutcomeError

__all__ = ["Outcome"]


class Outcome(BaseModel):
    """Success with data and a next-step hint, or an error (with data when some was learned)."""

    model_config = ConfigDict(frozen=True)

    tool: str
    ok: bool
    data: dict[str, Any] | None = None
    next_step: str | None = None
    error: OutcomeError | None = None

    @classmethod
    def success(cls, tool: str, data: BaseModel, next_step: str | None = None) -> Outcome:
        """A result for the model. Unset fields are dropped: every token the model reads counts."""
        return cls(
            tool=tool,
            ok=True,
            data=data.model_dump(mode="json", exclude_none=True),
            next_step=next_step,
        )

    @classmethod
    def failure(cls, tool: str, error: KPainterError, data: BaseModel | None = None) -> Outcome:
        """A typed failure with its guidance, and ``data`` when something was learned first.

        (A failed job's last status, for one: the model can still show the user what happened.)
        """
        return cls(
            tool=tool,
            ok=False,
            error=OutcomeError.from_exception(error),
            data=data.model_dump(mode="json") if data is not None else None,
        )

    @property
    def code(self) -> ErrorCode | None:
        """The error code, or ``None`` on success: what callers branch on."""
        return self.error.code if self.error else None

    def payload(self) -> dict[str, Any]:
        """What the model reads: the result or the error, and what to do next."""
        body: dict[str, Any] = {"ok": self.ok}
        if self.error is not None:
            body["error"] = self.error.model_dump(
                mode="json", exclude_none=True, exclude_defaults=True
            )
            body["error"].setdefault("must_stop", self.error.must_stop)
            body["error"].setdefault("retryable", self.error.retryable)
        if self.data is not None:
            body["result"] = self.data
        if self.next_step:
            body["next_step"] = self.next_step
        return body

    def text(self) -> str:
        """:meth:`payload` as compact JSON (UTF-8 kept), the text the model reads.

        Serialised by pydantic-core, four times faster than ``json.dumps`` on a creation's
        detail; every adapter renders it on every call.
        """
        return to_json(self.payload()).decode()

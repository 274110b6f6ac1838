"""One LangChain tool per spec: a generic BaseTool that hands the call to the executor.

Nothing here knows any particular tool. The spec gives the name, the description and the
argument schema; the executor validates, enforces the workflow and returns an Outcome, which is
rendered the LangChain way: ``(content, artifact)`` on success, ``ToolMessage(status="error")``
(artifact kept) on failure. The model's text is ``Outcome.text()``, the same in every rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field

from kp_tools.executor import Executor
from kp_tools.keys import ApiKey, without_invented_keys
from kp_tools.langchain.config import key_from_config
from kp_tools.langchain.consent import approver_for
from kp_tools.langchain.progress import async_progress, sync_progress
from kp_tools.outcome import Outcome
from kp_tools.specs import ToolSpec
from kp_tools.spending.consent import Approver

__all__ = ["KPainterTool", "KPainterToolError", "render_tool_error"]


class KPainterToolError(ToolException):
    """A call that ended in an error outcome. Rendered by :func:`render_tool_error`."""

    def __init__(self, outcome: Outcome, tool_call_id: str | None) -> None:
        super().__init__(outcome.text())
        self.outcome = outcome
        self.tool_call_id = tool_call_id


def render_tool_error(error: ToolException) -> str | ToolMessage:
    """``handle_tool_error`` of every KPainter tool: the outcome's JSON, artifact preserved.

    For a tool call this returns the whole ``ToolMessage(status="error")``, which LangChain
    passes through as is; that is the only way to keep the artifact, since LangChain builds
    error messages without one. Called without a tool call, it returns the JSON text.
    """
    if not isinstance(error, KPainterToolError):
        return str(error)
    if error.tool_call_id is None:
        return error.outcome.text()
    return ToolMessage(
        content=error.outcome.text(),
        artifact=error.outcome.payload(),
        tool_call_id=error.tool_call_id,
        name=error.outcome.tool,
        status="error",
    )


class KPainterTool(BaseTool):
    """A KPainter tool for LangChain, built from a spec by :meth:`from_spec`.

    The key for a call is, in order: ``config["configurable"]["__kp_api_key"]``, this tool's
    ``api_key`` (the toolkit's), then the executor's own resolution (its key, then the
    environment). The model is never shown a key argument, and one it invents is dropped.
    """

    executor: Executor = Field(exclude=True, repr=False)
    api_key: ApiKey | None = Field(default=None, exclude=True, repr=False)
    approver: Approver | None = Field(default=None, exclude=True, repr=False)
    """Asked before spending outside a resumable LangGraph graph (there: an interrupt)."""
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    # The callable may return a ToolMessage, which LangChain passes through unchanged.
    handle_tool_error: Any = cast("Any", render_tool_error)

    @classmethod
    def from_spec(
        cls,
        spec: ToolSpec[Any, Any],
        executor: Executor,
        *,
        api_key: ApiKey | None = None,
        approver: Approver | None = None,
    ) -> KPainterTool:
        """The tool for ``spec``: its name, description and input schema exactly as the spec says.

        ``args_schema`` is shown to the model only; the executor does the validating, so the
        error text is the same in every rendering.
        """
        return cls(
            name=spec.name,
            description=spec.description,
            args_schema=spec.input_model,
            executor=executor,
            api_key=api_key,
            approver=approver,
        )

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # The executor validates (one path, one error text for every rendering), so LangChain's
        # own parsing is skipped; the call id is kept to address the error message.
        return (), {"arguments": self._arguments(tool_input), "tool_call_id": tool_call_id}

    def _run(
        self,
        arguments: dict[str, Any],
        tool_call_id: str | None,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        outcome = self.executor.run_sync(
            self.name,
            arguments,
            api_key=self._key(config),
            progress=sync_progress(self.name, run_manager),
            approver=approver_for(config, self.approver),
        )
        return _rendered(outcome, tool_call_id)

    async def _arun(
        self,
        arguments: dict[str, Any],
        tool_call_id: str | None,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        outcome = await self.executor.run(
            self.name,
            arguments,
            api_key=self._key(config),
            progress=async_progress(self.name, run_manager),
            approver=approver_for(config, self.approver),
        )
        return _rendered(outcome, tool_call_id)

    def _key(self, config: RunnableConfig) -> str | ApiKey | None:
        return key_from_config(config) or self.api_key

    def _arguments(self, tool_input: str | Mapping[str, Any]) -> dict[str, Any]:
        fields = self._fields()
        if isinstance(tool_input, str):  # LangChain's convention: a string fills the first field
            return {fields[0]: tool_input} if fields else {}
        return without_invented_keys(tool_input, fields)

    def _fields(self) -> list[str]:
        schema = self.args_schema
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return list(schema.model_fields)
        return []


def _rendered(outcome: Outcome, tool_call_id: str | None) -> tuple[str, dict[str, Any]]:
    if not outcome.ok:
        raise KPainterToolError(outcome, tool_call_id)
    return outcome.text(), outcome.payload()

"""One LlamaIndex FunctionTool per spec: generic, dispatching to the executor.

LlamaIndex neither validates arguments against ``fn_schema`` nor marks errors, and it renders a
returned dict as its Python repr. So :class:`KPainterFunctionTool` builds the ``ToolOutput``
itself: the executor validates, ``content`` is ``Outcome.text()`` (JSON, the same in every
rendering), ``raw_output`` is the structured payload, ``is_error`` is set on errors, and
``raw_input`` holds only the arguments the executor got, never a key.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from llama_index.core.tools import FunctionTool, ToolMetadata, ToolOutput
from llama_index.core.workflow import Context

from kp_tools.executor import Executor
from kp_tools.keys import ApiKey, without_invented_keys
from kp_tools.llamaindex.workflow import stream_progress, workflow_approver
from kp_tools.outcome import Outcome
from kp_tools.specs import ToolSpec
from kp_tools.spending.consent import Approver

__all__ = ["KPainterFunctionTool", "KeySource"]

_CTX = "ctx"
_CONTEXT_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter(_CTX, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context),
        inspect.Parameter("arguments", inspect.Parameter.VAR_KEYWORD),
    ]
)

KeySource = Callable[[], str | ApiKey | None]
"""Gives the key for the call being made (for example from a contextvar of your web app)."""


class KPainterFunctionTool(FunctionTool):
    """A KPainter tool for LlamaIndex, built from a spec; the executor does all the work.

    ``fn``/``async_fn`` return the :class:`Outcome`; ``call``/``acall`` (what agents use) return
    its ``ToolOutput``.
    """

    def __init__(
        self,
        spec: ToolSpec[Any, Any],
        executor: Executor,
        key_source: KeySource,
        metadata: ToolMetadata | None = None,
        approver: Approver | None = None,
    ) -> None:
        self._executor = executor
        self._key_source = key_source
        self._approver = approver
        self._argument_names = list(spec.input_model.model_fields)

        def run(ctx: Context | None = None, **arguments: Any) -> Outcome:
            return executor.run_sync(spec.name, arguments, api_key=key_source(), approver=approver)

        async def arun(ctx: Context | None = None, **arguments: Any) -> Outcome:
            if ctx is None:
                return await executor.run(
                    spec.name, arguments, api_key=key_source(), approver=approver
                )
            return await executor.run(
                spec.name,
                arguments,
                api_key=key_source(),
                approver=workflow_approver(ctx),
                progress=stream_progress(ctx, spec.name),
            )

        run.__name__ = arun.__name__ = spec.name
        run.__doc__ = arun.__doc__ = spec.description
        # An agent hands the run's Context to a tool whose signature asks for one (by the
        # annotation being exactly Context), which is how the tool reaches the event stream.
        run.__signature__ = arun.__signature__ = _CONTEXT_SIGNATURE  # type: ignore[attr-defined]
        super().__init__(
            fn=run,
            async_fn=arun,
            metadata=metadata
            or ToolMetadata(
                name=spec.name, description=spec.description, fn_schema=spec.input_model
            ),
        )

    def call(self, /, *args: Any, **kwargs: Any) -> ToolOutput:
        """Run the tool without a workflow: no progress events, consent by the approver callback.

        An argument the model invents is dropped, and a failure is an ``is_error`` output (with
        the outcome's text), never an exception, so the agent can read it and go on.
        """
        kwargs.pop(_CTX, None)  # a sync call cannot wait on a workflow's events
        arguments = self._arguments(args, kwargs)
        return self._output(arguments, self.fn(**arguments))

    async def acall(self, /, *args: Any, **kwargs: Any) -> ToolOutput:
        """As :meth:`call`, and inside a workflow run it uses the run's event stream.

        An agent passes its ``Context``: consent is then asked with a ``SpendApprovalRequired``
        event on the run's stream, and job waits write progress events there.
        """
        ctx = kwargs.pop(_CTX, None)
        arguments = self._arguments(args, kwargs)
        return self._output(arguments, await self.async_fn(ctx=ctx, **arguments))

    def _arguments(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        positional = dict(zip(self._argument_names, args, strict=False))
        return without_invented_keys({**positional, **kwargs}, self._argument_names)

    def _output(self, arguments: dict[str, Any], outcome: Outcome) -> ToolOutput:
        return ToolOutput(
            tool_name=self.metadata.get_name(),
            content=outcome.text(),
            raw_input={"args": (), "kwargs": arguments},
            raw_output=outcome.payload(),
            is_error=not outcome.ok,
        )

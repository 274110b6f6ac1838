"""``KPainterToolSpec``: every KPainter tool for LlamaIndex, from the spec registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.tools import FunctionTool, ToolMetadata
from llama_index.core.tools.tool_spec.base import SPEC_FUNCTION_TYPE, BaseToolSpec

from kp_tools.executor import Executor
from kp_tools.keys import ApiKey, resolve_api_key
from kp_tools.llamaindex.tool import KeySource, KPainterFunctionTool
from kp_tools.spending.consent import Approver

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["KPainterToolSpec"]


class KPainterToolSpec(BaseToolSpec):
    """KPainter's tools for LlamaIndex agents: one FunctionTool per spec, sync and async.

    ``executor`` runs the calls (built from ``executor_options`` if not given; on an in-process
    sandbox, use :meth:`for_sandbox`). ``api_key`` is a key, or a function returning
    the key of the call being made; without one, the executor's own resolution applies (its
    key, then ``PARTNER_MCP_DEFAULT_API_KEY``, then ``KGP_API_KEY``). For many users, share one
    executor and build a tool spec per user, or pass a function reading your request context.

    Consent (when the executor's ``confirm_above_credits`` asks for it): inside a FunctionAgent
    or AgentWorkflow run, the tool asks through the run's events
    (:mod:`kp_tools.llamaindex.workflow`); outside one, ``approver`` is asked, a sync or async
    callable taking a :class:`~kp_tools.spending.SpendRequest` and returning ``True``.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        api_key: str | ApiKey | KeySource | None = None,
        approver: Approver | None = None,
        **executor_options: Any,
    ) -> None:
        if executor is None:
            executor = Executor(**executor_options)
        elif executor_options:
            raise ValueError("pass an executor, or options to build one, not both")
        self.executor = executor
        self._key_source = _key_source(api_key)
        self.approver = approver
        self.spec_functions = list(executor.specs)

    @classmethod
    def for_sandbox(
        cls,
        sandbox: Sandbox | None = None,
        *,
        api_key: str | ApiKey | KeySource | None = None,
        approver: Approver | None = None,
        **executor_options: Any,
    ) -> KPainterToolSpec:
        """A tool spec on an in-process sandbox (fresh unless given): no account, no network."""
        executor = Executor.for_sandbox(sandbox, **executor_options)
        return cls(executor, api_key=api_key, approver=approver)

    def __repr__(self) -> str:
        return f"KPainterToolSpec(executor={self.executor!r})"

    def to_tool_list(
        self,
        spec_functions: list[SPEC_FUNCTION_TYPE] | None = None,
        func_to_metadata_mapping: dict[str, ToolMetadata] | None = None,
    ) -> list[FunctionTool]:
        """One tool per spec, or the ones ``spec_functions`` names, as in every BaseToolSpec.

        ``func_to_metadata_mapping`` overrides a tool's metadata (its name or description).

        Raises:
            ValueError: ``spec_functions`` names a tool this executor does not have.
        """
        names = [str(name) for name in spec_functions or self.spec_functions]
        unknown = [name for name in names if name not in self.executor.specs]
        if unknown:
            raise ValueError(f"no KPainter tool named {unknown}; tools: {self.spec_functions}")
        overrides = func_to_metadata_mapping or {}
        return [
            KPainterFunctionTool(
                self.executor.specs[name],
                self.executor,
                self._key_source,
                overrides.get(name),
                approver=self.approver,
            )
            for name in names
        ]


def _key_source(api_key: str | ApiKey | KeySource | None) -> KeySource:
    if callable(api_key) and not isinstance(api_key, ApiKey):
        return api_key
    fixed = resolve_api_key(api_key, env={})
    return lambda: fixed

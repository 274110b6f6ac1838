"""``KPainterToolkit``: every KPainter tool for LangChain, from the spec registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict

from kp_tools.executor import Executor
from kp_tools.keys import ApiKey, resolve_api_key
from kp_tools.langchain.tool import KPainterTool
from kp_tools.spending.consent import Approver

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["KPainterToolkit"]


class KPainterToolkit(BaseToolkit):
    """KPainter's tools for LangChain agents: one tool per spec, sync and async.

    ``executor`` runs the calls (built from ``executor_options`` if not given; on an in-process
    sandbox, use :meth:`for_sandbox`). ``api_key`` is the toolkit's key; a call can
    bring its own through ``kp_config(key)``. One executor can back many toolkits and users.

    Consent (when the executor's ``confirm_above_credits`` asks for it): inside a LangGraph
    graph with a checkpointer, the tool interrupts the graph (:mod:`kp_tools.langchain.consent`);
    elsewhere ``approver`` is asked, a sync or async callable taking a
    :class:`~kp_tools.spending.SpendRequest` and returning ``True`` to approve.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    executor: Executor
    api_key: ApiKey | None = None  # its repr shows a short prefix only
    approver: Approver | None = None

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        api_key: str | ApiKey | None = None,
        approver: Approver | None = None,
        **executor_options: Any,
    ) -> None:
        if executor is None:
            executor = Executor(**executor_options)
        elif executor_options:
            raise ValueError("pass an executor, or options to build one, not both")
        super().__init__(
            executor=executor, api_key=resolve_api_key(api_key, env={}), approver=approver
        )

    @classmethod
    def for_sandbox(
        cls,
        sandbox: Sandbox | None = None,
        *,
        api_key: str | ApiKey | None = None,
        approver: Approver | None = None,
        **executor_options: Any,
    ) -> KPainterToolkit:
        """A toolkit on an in-process sandbox (a fresh one unless given): no account, no network."""
        executor = Executor.for_sandbox(sandbox, **executor_options)
        return cls(executor, api_key=api_key, approver=approver)

    def get_tools(self) -> list[BaseTool]:
        """One tool per spec, in workflow order, as the executor exposes them (its wait limit).

        Every tool shares this toolkit's executor, key and approver: one ``kp_me`` opens the gate
        for all of them, and a key's budget counts what any of them spends.
        """
        return [
            KPainterTool.from_spec(
                spec, self.executor, api_key=self.api_key, approver=self.approver
            )
            for spec in self.executor.specs.values()
        ]

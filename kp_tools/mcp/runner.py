"""What the MCP handlers need of an executor, as a protocol of its own.

The server module wires the handlers together and the handlers only need something that runs
tools; keeping the protocol here means neither imports the other (no import cycle), and a test
or ``kp-mcp``'s deferred stand-in can pass anything with these two members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # not imported at run time: listing tools needs no HTTP client stack
    from kp_tools.executor import Caller, ProgressCallback
    from kp_tools.outcome import Outcome
    from kp_tools.specs import ToolSpec
    from kp_tools.spending.consent import Approver

__all__ = ["ToolRunner"]


class ToolRunner(Protocol):
    """What the MCP handlers need of an :class:`~kp_tools.executor.Executor`.

    Its specs, and ``run``: ``kp-mcp`` over stdio passes a stand-in that builds the executor on
    first use, so listing tools loads no HTTP stack.
    """

    @property
    def specs(self) -> Mapping[str, ToolSpec[Any, Any]]:
        """The tools served, by name; read before any call, so it must not build the executor."""
        ...

    async def run(
        self,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        api_key: str | None = None,
        progress: ProgressCallback | None = None,
        caller: Caller = ...,
        approver: Approver | None = None,
    ) -> Outcome:
        """As :meth:`kp_tools.executor.Executor.run`: the call's failures come back as outcomes.

        The handlers rely on that; only what ``approver`` raises to suspend the call passes
        through.
        """
        ...

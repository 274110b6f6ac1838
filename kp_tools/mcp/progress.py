"""Job-wait progress, relayed to the MCP caller as ``notifications/progress``."""

from __future__ import annotations

import logging
from typing import Any

from mcp.server import ServerRequestContext

__all__ = ["ProgressRelay"]

logger = logging.getLogger("kp_tools.mcp")


class ProgressRelay:
    """An executor progress callback that forwards to the caller's progress token.

    MCP requires progress to increase with every notification, while a job can report the same
    percentage on several polls, so repeats are skipped. Progress is best effort: a caller that
    asked for none, or has gone away, never fails the call.
    """

    def __init__(self, ctx: ServerRequestContext[Any, Any]) -> None:
        self._ctx = ctx
        self._last: float | None = None

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        """Send ``progress`` on unless it is no step forward; a failure to send is only logged."""
        if self._last is not None and progress <= self._last:
            return
        self._last = progress
        try:
            await self._ctx.session.report_progress(progress, total, message)
        except Exception:
            logger.debug("progress notification not delivered", exc_info=True)

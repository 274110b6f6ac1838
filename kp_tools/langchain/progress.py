"""Job progress as LangChain custom events, so callback handlers and ``astream_events`` see it.

While ``kp_get_job_status`` waits on a job, the executor reports ``(progress, total, message)``.
Each report becomes a ``kp_progress`` custom event on the tool's run::

    class Watch(BaseCallbackHandler):
        def on_custom_event(self, name, data, **kwargs):
            if name == "kp_progress":
                print(data["progress"], data["message"])
"""

from __future__ import annotations

from typing import Any, Final

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun

from kp_tools.executor import ProgressCallback

__all__ = ["PROGRESS_EVENT", "async_progress", "sync_progress"]

PROGRESS_EVENT: Final = "kp_progress"
"""Name of the custom event; its data is ``{"tool", "progress", "total", "message"}``."""


def _event(tool: str, progress: float, total: float | None, message: str | None) -> dict[str, Any]:
    return {"tool": tool, "progress": progress, "total": total, "message": message}


def async_progress(
    tool: str, run_manager: AsyncCallbackManagerForToolRun | None
) -> ProgressCallback:
    """The executor's progress callback for an async tool run; without a run manager, a no-op."""

    async def report(progress: float, total: float | None, message: str | None) -> None:
        if run_manager is not None:
            await run_manager.get_child().on_custom_event(
                PROGRESS_EVENT, _event(tool, progress, total, message), run_id=run_manager.run_id
            )

    return report


def sync_progress(tool: str, run_manager: CallbackManagerForToolRun | None) -> ProgressCallback:
    """The same for a sync tool run, so sync callback handlers see the events too."""

    # Runs on the executor's private loop thread; sync handlers are called from there.
    async def report(progress: float, total: float | None, message: str | None) -> None:
        if run_manager is not None:
            run_manager.get_child().on_custom_event(
                PROGRESS_EVENT, _event(tool, progress, total, message), run_id=run_manager.run_id
            )

    return report

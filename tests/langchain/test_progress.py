"""Progress while kp_get_job_status waits reaches LangChain callbacks as kp_progress events."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tools import BaseTool

from kp_tools import Sandbox
from kp_tools.langchain import PROGRESS_EVENT, KPainterToolkit
from tests.agent_scripts import SLIDES_VIDEO
from tests.conftest import MEMBER


class ProgressWatcher(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.tool_runs: list[UUID] = []

    def on_tool_start(self, serialized: Any, input_str: str, *, run_id: UUID, **kw: Any) -> None:
        self.tool_runs.append(run_id)

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kw: Any) -> None:
        if name == PROGRESS_EVENT:
            self.events.append({**data, "run_id": run_id})


@pytest.fixture
async def slow_job() -> tuple[dict[str, BaseTool], int]:
    """A job on a sandbox where jobs take 1.5 s, and the tools to watch it."""
    toolkit = KPainterToolkit.for_sandbox(Sandbox(job_seconds=1.5), api_key=MEMBER)
    tools = {tool.name: tool for tool in toolkit.get_tools()}
    await tools["kp_me"].ainvoke({})
    created = json.loads(await tools["kp_create_creation"].ainvoke(SLIDES_VIDEO))
    return tools, created["result"]["job_id"]


def assert_progress_to_completion(watcher: ProgressWatcher) -> None:
    assert len(watcher.events) >= 2
    progress = [event["progress"] for event in watcher.events]
    assert progress == sorted(progress)
    assert progress[-1] == 100.0
    assert watcher.events[-1]["message"].endswith("succeeded")
    assert {event["tool"] for event in watcher.events} == {"kp_get_job_status"}
    assert {event["run_id"] for event in watcher.events} == set(watcher.tool_runs)


async def test_async_wait_reports_progress_to_callbacks(
    slow_job: tuple[dict[str, BaseTool], int],
) -> None:
    tools, job_id = slow_job
    watcher = ProgressWatcher()

    result = await tools["kp_get_job_status"].ainvoke(
        {"job_id": job_id, "wait_seconds": 10}, config={"callbacks": [watcher]}
    )

    assert json.loads(result)["result"]["done"] is True
    assert_progress_to_completion(watcher)


async def test_sync_wait_reports_progress_to_callbacks(
    slow_job: tuple[dict[str, BaseTool], int],
) -> None:
    tools, job_id = slow_job
    watcher = ProgressWatcher()

    result = tools["kp_get_job_status"].invoke(
        {"job_id": job_id, "wait_seconds": 10}, config={"callbacks": [watcher]}
    )

    assert json.loads(result)["result"]["done"] is True
    assert_progress_to_completion(watcher)


async def test_progress_shows_in_astream_events(
    slow_job: tuple[dict[str, BaseTool], int],
) -> None:
    tools, job_id = slow_job

    events = [
        event
        async for event in tools["kp_get_job_status"].astream_events(
            {"job_id": job_id, "wait_seconds": 10}, version="v2"
        )
        if event["event"] == "on_custom_event"
    ]

    assert {event["name"] for event in events} == {PROGRESS_EVENT}
    assert events[-1]["data"]["progress"] == 100.0

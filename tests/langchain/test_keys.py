"""Per-call keys travel in the run config, and never into traces or checkpoints."""

from __future__ import annotations

from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tracers.langchain import LangChainTracer
from langgraph.checkpoint.memory import InMemorySaver

from kp_tools import Sandbox
from kp_tools.langchain import API_KEY_CONFIG_KEY, KPainterToolkit, kp_config
from tests.agent_scripts import documented_workflow
from tests.conftest import FREE, MEMBER
from tests.langchain.agents import ScriptedChatModel


def test_kp_config_merges_into_a_copy_of_the_config() -> None:
    original: RunnableConfig = {"tags": ["web"], "configurable": {"thread_id": "t1"}}

    config = kp_config(MEMBER, original)

    assert config == {
        "tags": ["web"],
        "configurable": {"thread_id": "t1", "__kp_api_key": MEMBER},
    }
    assert original == {"tags": ["web"], "configurable": {"thread_id": "t1"}}
    assert API_KEY_CONFIG_KEY == "__kp_api_key"


def test_the_documented_config_shape_works_without_the_helper(sandbox: Sandbox) -> None:
    kp_me = KPainterToolkit.for_sandbox(sandbox).get_tools()[1]

    message = kp_me.invoke({}, config={"configurable": {"__kp_api_key": FREE}})

    assert '"name":"Fred Free"' in message


def test_the_call_key_wins_over_the_toolkit_key(sandbox: Sandbox) -> None:
    kp_me = KPainterToolkit.for_sandbox(sandbox, api_key=MEMBER).get_tools()[1]

    assert '"name":"Fred Free"' in kp_me.invoke({}, config=kp_config(FREE))
    assert '"name":"Ada Member"' in kp_me.invoke({})
    assert '"name":"Ada Member"' in kp_me.invoke({}, config=kp_config("  "))  # blank: missing


def test_one_toolkit_serves_two_users_with_separate_workflow_state(sandbox: Sandbox) -> None:
    tools = {t.name: t for t in KPainterToolkit.for_sandbox(sandbox).get_tools()}
    tools["kp_me"].invoke({}, config=kp_config(MEMBER))

    members_catalog = tools["kp_get_catalog"].invoke({}, config=kp_config(MEMBER))
    frees_catalog = tools["kp_get_catalog"].invoke({}, config=kp_config(FREE))

    assert '"ok":true' in members_catalog
    assert '"kp_me_required"' in frees_catalog


class RecordingLangSmithClient:
    """Stands in for langsmith.Client: keeps every run LangChainTracer would send to LangSmith."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def create_run(self, **run: Any) -> None:
        self.sent.append(run)

    def update_run(self, run_id: Any, **run: Any) -> None:
        self.sent.append({"id": run_id, **run})

    def flush(self) -> None:
        pass


def test_the_call_key_never_reaches_langsmith_trace_metadata(sandbox: Sandbox) -> None:
    langsmith = RecordingLangSmithClient()
    tracer = LangChainTracer(client=langsmith, project_name="kp-tools-test")  # type: ignore[arg-type]
    agent = create_agent(
        ScriptedChatModel(documented_workflow()),
        KPainterToolkit.for_sandbox(sandbox).get_tools(),
    )
    config = kp_config(MEMBER, {"configurable": {"user_id": "u-42"}, "callbacks": [tracer]})

    state = agent.invoke({"messages": [HumanMessage("Make a video")]}, config=config)

    assert state["messages"][-1].text.startswith("Your video is ready")
    metadata = [run["extra"]["metadata"] for run in langsmith.sent if "extra" in run]
    assert metadata, "nothing was traced"
    # a configurable value without the double underscore IS copied, so the check can see it
    assert all(m.get("user_id") == "u-42" for m in metadata)
    assert not [m for m in metadata if API_KEY_CONFIG_KEY in m]
    assert MEMBER not in repr(langsmith.sent)


def test_the_call_key_never_reaches_langgraph_checkpoints(sandbox: Sandbox) -> None:
    checkpointer = InMemorySaver()
    agent = create_agent(
        ScriptedChatModel(documented_workflow()),
        KPainterToolkit.for_sandbox(sandbox).get_tools(),
        checkpointer=checkpointer,
    )
    thread: RunnableConfig = {"configurable": {"thread_id": "t1", "user_id": "u-42"}}

    agent.invoke({"messages": [HumanMessage("Make a video")]}, config=kp_config(MEMBER, thread))

    checkpoints = list(checkpointer.list(thread))
    assert len(checkpoints) > 5
    assert all(c.metadata.get("user_id") == "u-42" for c in checkpoints)  # copied, so visible
    assert not [c for c in checkpoints if API_KEY_CONFIG_KEY in (c.metadata or {})]
    stored = repr((checkpointer.storage, checkpointer.blobs, checkpointer.writes, checkpoints))
    assert "Ada Member" in stored  # the conversation is there, so the key would be found
    assert MEMBER not in stored

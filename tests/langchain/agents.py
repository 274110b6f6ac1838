"""Offline LangChain agents: a scripted chat model and four ways to run the agent loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from langchain.agents import create_agent
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from pydantic import Field, PrivateAttr

from tests.agent_scripts import Call, Script, ScriptPlayer

QUESTION = "Make a short slide video about transformer attention."


class ScriptedChatModel(GenericFakeChatModel):
    """GenericFakeChatModel with bind_tools, whose replies come from a script.

    The script reads the content of the latest ToolMessage, which is what a real model reads.
    """

    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))
    bound_tools: list[str] = Field(default_factory=list)
    _player: ScriptPlayer = PrivateAttr()

    def __init__(self, script: Script, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._player = ScriptPlayer(script)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        self.bound_tools = [getattr(tool, "name", str(tool)) for tool in tools]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        last = messages[-1]
        move = self._player.next_move(last.text if isinstance(last, ToolMessage) else None)
        if isinstance(move, Call):
            call = {"name": move.tool, "args": move.args, "id": f"call_{self._player.turns}"}
            reply = AIMessage(content="", tool_calls=[{**call, "type": "tool_call"}])
        else:
            reply = AIMessage(content=move.text)
        return ChatResult(generations=[ChatGeneration(message=reply)])


AgentRunner = Callable[
    [ScriptedChatModel, list[BaseTool], RunnableConfig], Awaitable[list[BaseMessage]]
]


async def hand_loop_async(
    model: ScriptedChatModel, tools: list[BaseTool], config: RunnableConfig
) -> list[BaseMessage]:
    """The loop from the LangChain docs: the model calls, every tool call is answered."""
    by_name = {tool.name: tool for tool in tools}
    bound = model.bind_tools(tools)
    messages: list[BaseMessage] = [HumanMessage(QUESTION)]
    while True:
        reply = await bound.ainvoke(messages, config=config)
        messages.append(reply)
        if not reply.tool_calls:
            return messages
        for call in reply.tool_calls:
            messages.append(await by_name[call["name"]].ainvoke(call, config=config))


async def hand_loop_sync(
    model: ScriptedChatModel, tools: list[BaseTool], config: RunnableConfig
) -> list[BaseMessage]:
    """The same loop with sync tools, called while an event loop is running (like Jupyter)."""
    by_name = {tool.name: tool for tool in tools}
    bound = model.bind_tools(tools)
    messages: list[BaseMessage] = [HumanMessage(QUESTION)]
    while True:
        reply = bound.invoke(messages, config=config)
        messages.append(reply)
        if not reply.tool_calls:
            return messages
        for call in reply.tool_calls:
            messages.append(by_name[call["name"]].invoke(call, config=config))


async def prebuilt_agent_async(
    model: ScriptedChatModel, tools: list[BaseTool], config: RunnableConfig
) -> list[BaseMessage]:
    """langchain's prebuilt agent (a langgraph graph), run async."""
    agent = create_agent(model, tools)
    state = await agent.ainvoke({"messages": [HumanMessage(QUESTION)]}, config=config)
    return list(state["messages"])


async def prebuilt_agent_sync(
    model: ScriptedChatModel, tools: list[BaseTool], config: RunnableConfig
) -> list[BaseMessage]:
    """langchain's prebuilt agent run sync (its tools run sync), inside a running event loop."""
    agent = create_agent(model, tools)
    state = agent.invoke({"messages": [HumanMessage(QUESTION)]}, config=config)
    return list(state["messages"])


RUNNERS: dict[str, AgentRunner] = {
    "hand-loop-async": hand_loop_async,
    "hand-loop-sync": hand_loop_sync,
    "create_agent-async": prebuilt_agent_async,
    "create_agent-sync": prebuilt_agent_sync,
}


def tool_messages(messages: Sequence[BaseMessage], name: str | None = None) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage) and (name is None or m.name == name)]

"""Offline LlamaIndex agents: MockFunctionCallingLLM driven by a script, inside FunctionAgent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import BaseTool, ToolOutput

from tests.agent_scripts import Call, Script, ScriptPlayer

QUESTION = "Make a short slide video about transformer attention."

# llama-index workflows run inspect.getmembers over the agent, which trips pydantic deprecation
# warnings by the hundred; test modules that run agents apply this mark.
QUIET_WORKFLOWS = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")


def scripted_llm(script: Script) -> MockFunctionCallingLLM:
    """A function-calling LLM whose turns come from the script, reading the last tool result."""
    player = ScriptPlayer(script)

    def respond(messages: Sequence[ChatMessage], **_: Any) -> ChatMessage:
        last = messages[-1]
        move = player.next_move(last.content if last.role == MessageRole.TOOL else None)
        if isinstance(move, Call):
            call = ToolCallBlock(
                tool_call_id=f"call_{player.turns}", tool_name=move.tool, tool_kwargs=move.args
            )
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[call])
        return ChatMessage(role=MessageRole.ASSISTANT, content=move.text)

    return MockFunctionCallingLLM(response_generator=respond)


@dataclass
class AgentRun:
    outputs: list[ToolOutput]
    answer: str

    def named(self, tool: str) -> list[ToolOutput]:
        return [output for output in self.outputs if output.tool_name == tool]


async def run_function_agent(tools: Sequence[BaseTool], script: Script) -> AgentRun:
    agent = FunctionAgent(tools=list(tools), llm=scripted_llm(script), timeout=30)
    handler = agent.run(user_msg=QUESTION)
    outputs = [
        event.tool_output
        async for event in handler.stream_events()
        if isinstance(event, ToolCallResult)
    ]
    result = await handler
    return AgentRun(outputs, str(result.response.content))

"""The scripted planner as a LlamaIndex function-calling LLM (no network, no key).

    llm = scripted_llm(Planner(topic="How vaccines work"))
    agent = FunctionAgent(tools=tool_spec.to_tool_list(), llm=llm)

Each turn it rebuilds the calls made so far from the chat history (the assistant's tool-call
blocks and the tool messages that answered them) and asks the planner for the next move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLM

from kp_tools.testing.planner import Call, Planner, Step, parse_result

__all__ = ["scripted_llm", "steps_from_chat"]


def scripted_llm(planner: Planner | None = None) -> MockFunctionCallingLLM:
    """A function-calling LLM whose every reply is decided by ``planner``."""
    chosen = planner or Planner()

    def respond(messages: Sequence[ChatMessage], **_: Any) -> ChatMessage:
        steps = steps_from_chat(messages)
        move = chosen.next(steps)
        if isinstance(move, Call):
            block = ToolCallBlock(
                tool_call_id=f"call_{len(steps) + 1}", tool_name=move.tool, tool_kwargs=move.args
            )
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[block])
        return ChatMessage(role=MessageRole.ASSISTANT, content=move.text)

    return MockFunctionCallingLLM(response_generator=respond)


def steps_from_chat(messages: Sequence[ChatMessage]) -> list[Step]:
    """Each tool call of the chat with the outcome JSON its tool message carried."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    pending: list[str] = []
    steps: list[Step] = []
    for message in messages:
        if message.role == MessageRole.ASSISTANT:
            for block in message.blocks:
                if isinstance(block, ToolCallBlock):
                    call_id = str(block.tool_call_id)
                    kwargs = block.tool_kwargs if isinstance(block.tool_kwargs, dict) else {}
                    calls[call_id] = (block.tool_name, dict(kwargs))
                    pending.append(call_id)
        elif message.role == MessageRole.TOOL:
            call_id = str(message.additional_kwargs.get("tool_call_id") or "")
            if call_id not in calls and pending:
                call_id = pending[0]
            if call_id in pending:
                pending.remove(call_id)
            name, args = calls.get(call_id, ("", {}))
            steps.append(Step(name, args, parse_result(message.content or "")))
    return steps

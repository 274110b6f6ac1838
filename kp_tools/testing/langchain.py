"""The scripted planner as a LangChain chat model with tool calling (no network, no key).

    model = ScriptedChatModel(planner=Planner(topic="How vaccines work"))
    bound = model.bind_tools(tools)          # any agent loop, or langchain's create_agent

Each turn it rebuilds the calls made so far from the conversation (the AI messages' tool calls
and the ToolMessages that answered them) and asks the planner for the next move.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from kp_tools.testing.planner import Call, Planner, Step, parse_result

__all__ = ["ScriptedChatModel", "steps_from_messages"]


class ScriptedChatModel(GenericFakeChatModel):
    """A chat model whose every reply is decided by :class:`Planner` from the tool results."""

    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))
    planner: Planner = Field(default_factory=Planner)

    @property
    def _llm_type(self) -> str:
        return "kp-scripted-planner"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        """Itself: the planner already knows the KPainter tools, and calls them by name."""
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        steps = steps_from_messages(messages)
        move = self.planner.next(steps)
        if isinstance(move, Call):
            call = {
                "name": move.tool,
                "args": move.args,
                "id": f"call_{len(steps) + 1}",
                "type": "tool_call",
            }
            reply = AIMessage(content="", tool_calls=[call])
        else:
            reply = AIMessage(content=move.text)
        return ChatResult(generations=[ChatGeneration(message=reply)])


def steps_from_messages(messages: Sequence[BaseMessage]) -> list[Step]:
    """Each tool call of the conversation with the outcome JSON its ToolMessage carried."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    steps: list[Step] = []
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[str(call.get("id"))] = (call["name"], dict(call["args"]))
        elif isinstance(message, ToolMessage):
            name, args = calls.get(message.tool_call_id, (message.name or "", {}))
            steps.append(Step(name, args, parse_result(message.text)))
    return steps

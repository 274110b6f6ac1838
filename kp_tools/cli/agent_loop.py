"""The demo's agent loops: a LangChain tool-calling loop, and a framework-free fallback.

The LangChain loop is the one from the LangChain docs: the model (scripted, or a real one from
``init_chat_model``) is bound to the KPainterToolkit tools; each reply's tool calls are run and
their ToolMessages appended, until the model answers in words. Job progress reaches the screen
as the tools' ``kp_progress`` callback events. Without LangChain installed, the same planner
drives the executor directly, so ``kp-tools demo`` works on a bare install too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from kp_tools.executor import Executor
from kp_tools.guide import INSTRUCTIONS
from kp_tools.testing.planner import Call, Planner, Step, parse_result

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["LoopEvents", "ModelError", "langchain_loop", "load_model", "plain_loop"]


class LoopEvents(Protocol):
    """What the loop reports as it goes (the demo shows each on screen)."""

    def calling(self, tool: str, arguments: Mapping[str, Any]) -> None:
        """The model asked for ``tool``, before it runs (a slow call is shown as started)."""
        ...

    def progress(self, progress: float, total: float | None, message: str | None) -> None:
        """A job wait moved; the executor's progress report, passed on as it comes."""
        ...

    def returned(self, tool: str, payload: Mapping[str, Any]) -> None:
        """The call's outcome as the model reads it (``ok``, ``result`` or ``error``)."""
        ...


class ModelError(Exception):
    """The chat model asked for could not be loaded; the message says what to do."""


def load_model(spec: str | None, planner: Planner) -> BaseChatModel:
    """The scripted planner (``spec`` None), or ``provider:model`` through ``init_chat_model``."""
    if spec is None:
        from kp_tools.testing.langchain import ScriptedChatModel

        return ScriptedChatModel(planner=planner)
    try:
        from langchain.chat_models import init_chat_model
    except ImportError:
        raise ModelError(
            f"--model {spec} needs the langchain package and the provider's: "
            "pip install langchain langchain-openai (or langchain-anthropic, ...)"
        ) from None
    try:
        return init_chat_model(spec, temperature=0)
    except ImportError as error:
        raise ModelError(
            f"--model {spec}: the provider package is missing ({error}). Install it, e.g. "
            "pip install langchain-openai for openai:..., langchain-anthropic for anthropic:..."
        ) from None
    except Exception as error:
        raise ModelError(
            f"--model {spec} could not be set up: {error}. Check the provider name "
            "(provider:model, e.g. openai:gpt-4.1-mini) and its API key "
            "(OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)."
        ) from None


async def langchain_loop(
    model: BaseChatModel,
    executor: Executor,
    api_key: str,
    request: str,
    events: LoopEvents,
    *,
    max_turns: int = 30,
) -> str:
    """Run the agent until it answers in words (or ``max_turns`` model turns pass)."""
    from langchain_core.callbacks import AsyncCallbackHandler
    from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

    from kp_tools.langchain import PROGRESS_EVENT, KPainterToolkit, kp_config

    class ShowProgress(AsyncCallbackHandler):
        async def on_custom_event(
            self,
            name: str,
            data: Any,
            *,
            run_id: UUID,
            tags: list[str] | None = None,
            metadata: dict[str, Any] | None = None,
            **kwargs: Any,
        ) -> None:
            if name == PROGRESS_EVENT:
                events.progress(data["progress"], data["total"], data["message"])

    tools = {tool.name: tool for tool in KPainterToolkit(executor).get_tools()}
    bound = model.bind_tools(list(tools.values()))
    config = kp_config(api_key, {"callbacks": [ShowProgress()]})
    messages: list[BaseMessage] = [SystemMessage(INSTRUCTIONS), HumanMessage(request)]
    for _ in range(max_turns):
        reply = await bound.ainvoke(messages, config=config)
        messages.append(reply)
        calls = getattr(reply, "tool_calls", [])
        if not calls:
            return reply.text
        for call in calls:
            events.calling(call["name"], call["args"])
            tool = tools.get(call["name"])
            if tool is None:  # a real model may invent one: answer with the unknown_tool outcome
                unknown = await executor.run(call["name"], call["args"], api_key=api_key)
                result: BaseMessage = ToolMessage(
                    unknown.text(), tool_call_id=call["id"], status="error"
                )
            else:
                result = await tool.ainvoke({**call, "type": "tool_call"}, config=config)
            messages.append(result)
            events.returned(call["name"], parse_result(result.text))
    return f"(stopped after {max_turns} model turns without a final answer)"


async def plain_loop(
    planner: Planner,
    executor: Executor,
    api_key: str,
    events: LoopEvents,
    *,
    max_turns: int = 30,
) -> str:
    """The same planner driving the executor directly (no agent framework installed)."""

    async def progress(value: float, total: float | None, message: str | None) -> None:
        events.progress(value, total, message)

    steps: list[Step] = []
    for _ in range(max_turns):
        move = planner.next(steps)
        if not isinstance(move, Call):
            return move.text
        events.calling(move.tool, move.args)
        outcome = await executor.run(move.tool, move.args, api_key=api_key, progress=progress)
        payload = outcome.payload()
        events.returned(move.tool, payload)
        steps.append(Step(move.tool, move.args, payload))
    return f"(stopped after {max_turns} turns without a final answer)"

"""A LlamaIndex FunctionAgent that makes a KPainter slide video, watching each tool call.

    cd integrations/examples
    python llamaindex_agent.py                                    # sandbox, scripted LLM
    python llamaindex_agent.py --llm llama_index.llms.openai:OpenAI --model gpt-4.1-mini

The tools come from ``KPainterToolSpec``; the key is the spec's (``api_key=``, or a function that
returns the key of the user being served), never an argument the LLM sees. Errors reach the agent
as ``ToolOutput(is_error=True)`` whose content is JSON saying what to do next.

Needs: pip install 'kp-tools[llamaindex]' (and the LLM's package, e.g. llama-index-llms-openai).
Against the real API, use ``KPainterToolSpec(api_key=...)`` instead of ``for_sandbox``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from typing import Any

from llama_index.core.agent.workflow import AgentOutput, FunctionAgent, ToolCall, ToolCallResult

from kp_tools import Sandbox
from kp_tools.guide import INSTRUCTIONS
from kp_tools.llamaindex import KPainterToolSpec
from kp_tools.testing import Planner
from kp_tools.testing.llamaindex import scripted_llm

PLANNER = Planner(
    topic="How volcanoes erupt",
    prompt=None,
    scene_count=3,
    rewrite="Magma rises, pressure builds, and the trapped gas escapes in a blast.",
)


def load_llm(name: str | None, model: str | None) -> Any:
    """The scripted LLM, or ``module:Class`` built with ``model=...``."""
    if name is None:
        return scripted_llm(PLANNER)  # no network, no key: decides from tool results
    module, _, cls = name.partition(":")
    try:
        llm_class = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError) as error:
        package = module.replace("_", "-").replace(".", "-")
        raise SystemExit(f"--llm {name}: cannot load it ({error}); pip install {package}") from None
    return llm_class(model=model) if model else llm_class()


async def main() -> None:
    """Run the agent once, printing each tool call and result as it happens."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", help="module:Class, e.g. llama_index.llms.openai:OpenAI")
    parser.add_argument("--model", help="the model name passed to that class")
    parser.add_argument("--api-key", default="kgp_sandbox_member", help="a sandbox key")
    args = parser.parse_args()

    tools = KPainterToolSpec.for_sandbox(Sandbox(job_seconds=1), api_key=args.api_key)
    agent = FunctionAgent(
        tools=tools.to_tool_list(),
        llm=load_llm(args.llm, args.model),
        system_prompt=INSTRUCTIONS,
        timeout=300,
    )
    handler = agent.run(user_msg=PLANNER.request())
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            print(f"← {event.tool_name} ({'error' if event.tool_output.is_error else 'ok'})")
        elif isinstance(event, ToolCall):
            print(f"→ {event.tool_name} {event.tool_kwargs}")
    result: AgentOutput = await handler
    print(f"answer: {result.response.content}")


if __name__ == "__main__":
    asyncio.run(main())

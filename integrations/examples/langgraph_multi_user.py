"""A multi-user LangGraph app: one agent, one checkpointer, each user's own KPainter key.

    python integrations/examples/langgraph_multi_user.py                 # sandbox, scripted model
    python integrations/examples/langgraph_multi_user.py --model openai:gpt-4.1-mini

The graph (langchain's ``create_agent``) and its tools are built once and shared. Each request
brings its user's key through ``kp_config``, which keeps it out of the checkpoint and out of
traces; each user has a thread of their own in the checkpointer. Tool calls stream as graph
updates, and job progress arrives as ``kp_progress`` callback events.

Needs: pip install 'kp-tools[langchain]' langchain langgraph (and langchain-openai for --model).
Against the real API, build the toolkit with ``KPainterToolkit()`` and use your users' keys.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from kp_tools import Sandbox
from kp_tools.guide import INSTRUCTIONS
from kp_tools.langchain import PROGRESS_EVENT, KPainterToolkit, kp_config
from kp_tools.testing import Planner
from kp_tools.testing.langchain import ScriptedChatModel

USERS = {  # user -> their KPainter key (sandbox keys: one can create, one has no credits)
    "ada": "kgp_sandbox_member",
    "bo": "kgp_sandbox_broke",
}
PLANNER = Planner(topic="How bees find flowers", prompt=None, scene_count=2, rewrite=None)


class ShowProgress(BaseCallbackHandler):
    """Prints the progress of KPainter jobs while a tool waits on them."""

    def __init__(self, user: str) -> None:
        self.user = user

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        """Called for every custom event of the run; KPainter's are named ``kp_progress``."""
        if name == PROGRESS_EVENT:
            print(f"[{self.user}]   progress {data['progress']:.0f}% {data['message'] or ''}")


def load_model(spec: str | None) -> Any:
    """The scripted planner as a chat model, or a real one (``provider:model``)."""
    if spec is None:
        return ScriptedChatModel(planner=PLANNER)  # no network, no key: decides from tool results
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(spec, temperature=0)
    except (ImportError, ValueError) as error:  # provider package missing, or unknown provider
        raise SystemExit(f"--model {spec}: {error}") from None


async def ask(agent: Any, user: str, question: str) -> None:
    """One user's turn: their key and their thread, with the tool calls printed as they stream."""
    config = kp_config(
        USERS[user], {"configurable": {"thread_id": user}, "callbacks": [ShowProgress(user)]}
    )
    inputs = {"messages": [HumanMessage(question)]}
    async for update in agent.astream(inputs, config, stream_mode="updates"):
        for step in update.values():
            for message in (step or {}).get("messages", []):
                if isinstance(message, AIMessage):
                    for call in message.tool_calls:
                        print(f"[{user}] → {call['name']} {call['args']}")
                    if message.text and not message.tool_calls:
                        print(f"[{user}] answer: {message.text}")
                elif isinstance(message, ToolMessage):
                    print(f"[{user}] ← {message.name} ({message.status})")


async def main() -> None:
    """Build the agent once, then serve both users at the same time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a chat model for init_chat_model: openai:gpt-4.1-mini")
    args = parser.parse_args()

    toolkit = KPainterToolkit.for_sandbox(Sandbox(job_seconds=2))  # one toolkit for all users
    agent = create_agent(
        load_model(args.model),
        toolkit.get_tools(),
        system_prompt=INSTRUCTIONS,
        checkpointer=InMemorySaver(),
    )
    question = PLANNER.request()
    await asyncio.gather(*(ask(agent, user, question) for user in USERS))
    for user in USERS:
        state = await agent.aget_state({"configurable": {"thread_id": user}})
        print(f"[{user}] thread saved with {len(state.values['messages'])} messages")


if __name__ == "__main__":
    asyncio.run(main())

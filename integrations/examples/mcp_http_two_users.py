"""A Python MCP client driving one ``kp-mcp`` HTTP server for two users, each with their own key.

    kp-mcp --transport http --sandbox --port 8002                       # in one terminal
    python integrations/examples/mcp_http_two_users.py                  # in another
    python integrations/examples/mcp_http_two_users.py --model openai:gpt-4.1-mini

One server serves everyone: a key travels with each request, never in the server's config.
Ada's connection sends hers in the ``X-KGP-Api-Key`` header (what a gateway in front of the
server would add); Cy's client passes his as the ``api_key`` argument of each tool call. Job
progress arrives as MCP progress notifications. By default a scripted planner picks the calls
from each result; ``--model`` lets a LangChain chat model pick them instead.

Needs: pip install 'kp-tools[mcp]' (and langchain plus the provider's package for --model).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from kp_tools.testing import Answer, Planner, Step

USERS = {  # user -> (key, how it is sent)
    "ada": ("kgp_sandbox_member", "header"),
    "cy": ("kgp_sandbox_free", "argument"),
}
PLANNER = Planner(topic="How tides work", prompt=None, scene_count=2, rewrite=None)


async def run_user(url: str, user: str, model: Any) -> None:
    """One user's session: their own connection, their key sent the way they send it."""
    key, how = USERS[user]
    headers = {"X-KGP-Api-Key": key} if how == "header" else {}
    key_argument = {"api_key": key} if how == "argument" else {}

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        print(f"[{user}]   progress {progress:.0f}% {message or ''}")

    async def call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        print(f"[{user}] → {tool} {args}")
        result = await client.call_tool(
            tool, {**args, **key_argument}, progress_callback=on_progress
        )
        print(f"[{user}] ← {tool} ({'error' if result.is_error else 'ok'})")
        return dict(result.structured_content or {})

    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        if model is None:
            answer = await scripted(call)
        else:
            answer = await with_model(model, client, call)
        me = (await call("kp_me", {}))["result"]
    print(f"[{user}] answer: {answer}")
    print(f"[{user}] {me['name']} has {me['credits']} credits left")


async def scripted(call: Any) -> str:
    """The planner reads each result (the same JSON a model reads) and picks the next call."""
    steps: list[Step] = []
    while not isinstance(move := PLANNER.next(steps), Answer):
        steps.append(Step(move.tool, move.args, await call(move.tool, move.args)))
    return move.text


async def with_model(model: Any, client: Client, call: Any) -> str:
    """A LangChain chat model bound to the server's tools (their schemas, minus api_key)."""
    from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

    tools = []
    for tool in (await client.list_tools()).tools:
        schema = json.loads(json.dumps(tool.input_schema))
        schema.get("properties", {}).pop("api_key", None)  # keys are the app's business
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description or "",
                    "parameters": schema,
                },
            }
        )
    bound = model.bind_tools(tools)
    messages: list[Any] = [
        SystemMessage(client.instructions or ""),
        HumanMessage(PLANNER.request()),
    ]
    while (reply := await bound.ainvoke(messages)).tool_calls:
        messages.append(reply)
        for tool_call in reply.tool_calls:
            result = await call(tool_call["name"], tool_call["args"])
            messages.append(ToolMessage(json.dumps(result), tool_call_id=tool_call["id"]))
    return str(reply.text)


def load_model(spec: str | None) -> Any:
    """None for the scripted planner, or a LangChain chat model (``provider:model``)."""
    if spec is None:
        return None
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(spec, temperature=0)
    except (ImportError, ValueError) as error:
        raise SystemExit(f"--model {spec}: {error}") from None


async def main() -> None:
    """Both users at once, on one server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8002/mcp", help="the kp-mcp endpoint")
    parser.add_argument("--model", help="a chat model for init_chat_model: openai:gpt-4.1-mini")
    args = parser.parse_args()
    model = load_model(args.model)
    await asyncio.gather(*(run_user(args.url, user, model) for user in USERS))


if __name__ == "__main__":
    asyncio.run(main())

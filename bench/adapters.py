"""2. Adapter overhead: the same call through each framework, against the executor alone.

One executor on one in-process sandbox backs every rendering, so the difference is the
adapter: LangChain ``ainvoke`` with a tool call (what an agent sends; the result is a
``ToolMessage``), LlamaIndex ``acall`` (a ``ToolOutput``), and the MCP SDK's in-memory client
(``mcp.Client(server)``) in both modes: ``auto`` (2026-07-28, direct dispatch, no JSON-RPC) and
``legacy`` (2025-11-25, JSON-RPC over in-memory streams, so serialisation is included).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from bench.common import KEY, Settings, prepared_executor, us
from bench.report import Section, Table
from bench.stats import interleave, ratio, summarize

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from llama_index.core.tools import FunctionTool
    from mcp import Client

    from kp_tools import Executor

NAME = "adapters"
TOOLS = ("kp_me", "kp_get_creation")
BASELINE = "executor"
Call = Callable[[], Awaitable[None]]


def _executor_call(executor: Executor, tool: str, args: dict[str, Any]) -> Call:
    async def call() -> None:
        assert (await executor.run(tool, args, api_key=KEY)).ok

    return call


def _langchain_call(tool: BaseTool, args: dict[str, Any]) -> Call:
    from langchain_core.messages import ToolMessage

    from kp_tools.langchain import kp_config

    config = kp_config(KEY)
    tool_call = {"name": tool.name, "args": args, "id": "call-1", "type": "tool_call"}

    async def call() -> None:
        message = await tool.ainvoke(tool_call, config=config)
        assert isinstance(message, ToolMessage)
        assert message.status == "success"

    return call


def _llamaindex_call(tool: FunctionTool, args: dict[str, Any]) -> Call:
    async def call() -> None:
        assert not (await tool.acall(**args)).is_error

    return call


def _mcp_call(client: Client, tool: str, args: dict[str, Any]) -> Call:
    arguments = {**args, "api_key": KEY}

    async def call() -> None:
        assert not (await client.call_tool(tool, arguments)).is_error

    return call


async def _samples(settings: Settings) -> dict[str, dict[str, list[float]]]:
    from mcp import Client

    from kp_tools.langchain import KPainterToolkit
    from kp_tools.llamaindex import KPainterToolSpec
    from kp_tools.mcp import build_server

    executor, _, creation_id = await prepared_executor()
    arguments: dict[str, dict[str, Any]] = {
        "kp_me": {},
        "kp_get_creation": {"creation_id": creation_id},
    }
    langchain = {tool.name: tool for tool in KPainterToolkit(executor).get_tools()}
    llamaindex = {
        tool.metadata.name: tool for tool in KPainterToolSpec(executor, api_key=KEY).to_tool_list()
    }
    results: dict[str, dict[str, list[float]]] = {}
    async with (
        Client(build_server(executor), raise_exceptions=True) as auto,
        Client(build_server(executor), raise_exceptions=True, mode="legacy") as legacy,
    ):
        await auto.list_tools()
        await legacy.list_tools()
        for tool in TOOLS:
            args = arguments[tool]
            results[tool] = await interleave(
                {
                    BASELINE: _executor_call(executor, tool, args),
                    "LangChain ainvoke": _langchain_call(langchain[tool], args),
                    "LlamaIndex acall": _llamaindex_call(llamaindex[tool], args),
                    "MCP in-memory (auto)": _mcp_call(auto, tool, args),
                    "MCP in-memory (legacy JSON-RPC)": _mcp_call(legacy, tool, args),
                },
                rounds=settings.pick(3000, 800),
                warmup=settings.pick(300, 100),
            )
    await executor.aclose()
    return results


def run(settings: Settings) -> Section:
    samples = asyncio.run(_samples(settings))
    section = Section(
        name=NAME,
        title="2. Adapter overhead (in-process sandbox)",
        method=(
            "The same call through each rendering against `Executor.run` alone, one shared "
            "executor and sandbox, interleaved. LangChain: `tool.ainvoke(tool_call, "
            "config=kp_config(key))` returning a `ToolMessage`; LlamaIndex: `tool.acall(...)`; "
            "MCP: `mcp.Client(build_server(executor))` in-memory, `auto` (2026-07-28, direct "
            "dispatch) and `legacy` (2025-11-25 JSON-RPC over memory streams)."
        ),
    )
    for tool, by_case in samples.items():
        stats = {case: summarize(values) for case, values in by_case.items()}
        base = stats[BASELINE]
        table = Table(["rendering", "median", "p95", "overhead", "ratio"], title=f"`{tool}`")
        for case, s in stats.items():
            overhead = "—" if case == BASELINE else us(s.median - base.median)
            table.rows.append(
                [case, us(s.median), us(s.p95), overhead, f"{ratio(s.median, base.median):.2f}x"]
            )
        section.tables.append(table)
        section.data[tool] = {case: asdict(s) for case, s in stats.items()}
    return section

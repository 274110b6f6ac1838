"""An MCP client from another package (llama-index-tools-mcp) loads and calls the tools.

``BasicMCPClient`` opens a new session (``initialize``, protocol 2025-11-25) for every call, so
this also shows the workflow state living on the server, keyed by the user's key, not on the
session. The key is bound with ``global_partial_params``: the model never sees it.
"""

from __future__ import annotations

import json

import pytest
from llama_index.core.tools import FunctionTool
from llama_index.tools.mcp import BasicMCPClient, McpToolSpec
from mcp.types import CallToolResult

from kp_tools import SPECS
from tests.conftest import FREE
from tests.mcp.conftest import HttpServer, payload

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_llamaindex_loads_every_tool_and_runs_the_workflow(http_server: HttpServer) -> None:
    spec = McpToolSpec(BasicMCPClient(http_server.url), global_partial_params={"api_key": FREE})
    tools: dict[str, FunctionTool] = {
        tool.metadata.name or "": tool for tool in await spec.to_tool_list_async()
    }
    assert list(tools) == list(SPECS)
    schema = tools["kp_create_creation"].metadata.fn_schema_str
    assert "prompt" in schema and "api_key" not in schema  # bound, hidden from the model

    me = (await tools["kp_me"].acall()).raw_output
    assert isinstance(me, CallToolResult) and not me.is_error
    assert payload(me)["result"]["name"] == "Fred Free"

    catalog = (await tools["kp_get_catalog"].acall(type="slide_deck")).raw_output
    assert not catalog.is_error, payload(catalog)
    assert [t["type"] for t in payload(catalog)["result"]["content_types"]] == ["slide_deck"]

    refused = (
        await tools["kp_create_creation"].acall(type="explainer_video", prompt="x", quality="4K")
    ).raw_output
    assert refused.is_error  # 4K is for members; the free key is refused before spending
    assert payload(refused)["error"]["code"] == "insufficient_permission"
    assert json.loads(refused.content[0].text)["ok"] is False

"""MCP helpers: in-memory clients in both connection modes, and real servers on loopback.

A client is opened inside each test body (``async with connect(...)``), not in an async yield
fixture: with ``asyncio_mode=auto`` pytest-asyncio runs every async fixture, and a fixture whose
setup and teardown run in different tasks cannot hold the legacy client's task group
(libraries.md §4.8). Test modules mark their tests ``pytest.mark.asyncio`` explicitly.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import CallToolResult

from kp_tools import Executor
from kp_tools.mcp import build_server
from tests.processes import KP_MCP, KP_TOOLS, child_env, free_port, start, stop

ALLOWED_ORIGIN = "https://studio.example.com"


def payload(result: CallToolResult) -> dict[str, Any]:
    """The structured content, after checking the text block says exactly the same."""
    assert result.structured_content is not None
    texts = [block.text for block in result.content if block.type == "text"]
    assert len(texts) == 1
    assert json.loads(texts[0]) == result.structured_content
    return dict(result.structured_content)


def error_code(result: CallToolResult) -> str:
    assert result.is_error, payload(result)
    return str(payload(result)["error"]["code"])


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """auto: 2026-07-28 in-process, no JSON-RPC; legacy: the 2025-11-25 handshake, on the wire."""
    return str(request.param)


@contextlib.asynccontextmanager
async def connect(executor: Executor, mode: str) -> AsyncIterator[Client]:
    """An in-memory client of a fresh server over ``executor``."""
    async with Client(build_server(executor), mode=mode, raise_exceptions=True) as client:
        yield client


class HttpServer:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/mcp"


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """``kp-mcp --transport http --sandbox`` on a free loopback port, as a real process.

    Debug logging is on so the tests can check that no key reaches the log.
    """
    assert KP_MCP.exists(), "kp-mcp is not installed in the venv"
    port = free_port()
    log = tmp_path_factory.mktemp("kp-mcp-http") / "stderr.log"
    args = [str(KP_MCP), "--transport", "http", "--sandbox", "--port", str(port)]
    args += ["--job-seconds", "1.0", "--log-level", "debug"]
    env = child_env(PARTNER_MCP_ALLOWED_ORIGINS=f"{ALLOWED_ORIGIN}, http://localhost:*")
    process = start(args, env, f"http://127.0.0.1:{port}/healthz", log)
    yield HttpServer(port, log)
    stop(process)


@pytest.fixture(scope="session")
def sandbox_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kp-tools sandbox`` on a free loopback port: a stand-in for the real KPainter API."""
    port = free_port()
    log = tmp_path_factory.mktemp("kp-sandbox") / "stderr.log"
    args = [str(KP_TOOLS), "sandbox", "--port", str(port), "--job-seconds", "0"]
    process = start(args, child_env(), f"http://127.0.0.1:{port}/openapi/v1/health", log)
    yield f"http://127.0.0.1:{port}/openapi/v1"
    stop(process)

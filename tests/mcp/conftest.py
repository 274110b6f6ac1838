"""MCP helpers: in-memory clients in both connection modes, and real servers on loopback.

A client is opened inside each test body (``async with connect(...)``), not in an async yield
fixture: with ``asyncio_mode=auto`` pytest-asyncio runs every async fixture, and a fixture whose
setup and teardown run in different tasks cannot hold the legacy client's task group
(libraries.md §4.8). Test modules mark their tests ``pytest.mark.asyncio`` explicitly.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client import Client
from mcp.types import CallToolResult

from kp_tools import Executor
from kp_tools.mcp import build_server

VENV_BIN = Path(sys.executable).parent
KP_MCP = VENV_BIN / "kp-mcp"
KP_TOOLS = VENV_BIN / "kp-tools"
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


# -- real processes on loopback ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not come up within {timeout} s")


def child_env(**extra: str) -> dict[str, str]:
    """The test runner's environment minus every KPainter setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGP_", "PARTNER_MCP_", "KP_"))}
    env.update(extra)
    return env


def start(
    args: list[str], env: Mapping[str, str], health_url: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start a process (stderr to ``log``: a pipe nobody reads could fill and block it)."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(args, env=dict(env), stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until_up(health_url, process)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this suite started (by its own handle, never by name)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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

"""Malformed MCP requests over HTTP get protocol errors, and the server keeps serving.

A real ``kp-mcp --transport http --sandbox`` process on a free loopback port receives raw
requests no MCP client would send: broken JSON, wrong media types, oversized and deeply nested
bodies, batches and garbage, unknown methods, missing or unknown sessions, wrong protocol
headers. Each gets a 4xx (or a JSON-RPC error for a well-formed request the server cannot
honour), never a 5xx; after each, an ordinary MCP client still works, and at the end the server
log holds no traceback. Protocol errors never echo a key sent in the malformed request.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import MEMBER
from tests.processes import KP_MCP, child_env, free_port, start, stop

pytestmark = [pytest.mark.slow]

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
MODERN = "2026-07-28"
LEGACY = "2025-11-25"
ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": LEGACY,
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    },
}
SECRET = "kgp_live_SECRET_3f9c2a7e51b04d6e"
OTHER_SECRET = "sk-other-vendor-SECRET-77aa"  # not shaped like a KPainter key


@dataclass
class Server:
    base: str
    log: Path
    pid: int

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("kp-mcp-protocol") / "stderr.log"
    args = [str(KP_MCP), "--transport", "http", "--sandbox", "--port", str(port)]
    args += ["--job-seconds", "0", "--log-level", "debug"]
    process = start(args, child_env(), f"http://127.0.0.1:{port}/healthz", log)
    yield Server(f"http://127.0.0.1:{port}", log, process.pid)
    stop(process)


async def still_serving(server: Server) -> None:
    """An ordinary client, on a new session, runs a keyed tool to a good result."""
    async with httpx.AsyncClient(base_url=server.base) as raw:
        assert (await raw.get("/healthz")).status_code == 200
    async with (
        httpx2.AsyncClient(timeout=httpx2.Timeout(10)) as http,
        Client(streamable_http_client(server.url, http_client=http), mode="legacy") as client,
    ):
        result = await client.call_tool("kp_me", {"api_key": MEMBER})
    assert not result.is_error, result


async def legacy_session(raw: httpx.AsyncClient) -> dict[str, str]:
    """Headers of a fresh 2025-11-25 session (initialize, then initialized)."""
    response = await raw.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 200
    headers = {
        **MCP_HEADERS,
        "Mcp-Session-Id": response.headers["mcp-session-id"],
        "Mcp-Protocol-Version": LEGACY,
    }
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert (await raw.post("/mcp", json=note, headers=headers)).status_code == 202
    return headers


# -- the malformed requests ----------------------------------------------------------------------


@dataclass
class Bad:
    id: str
    body: bytes | None = None
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: dict(MCP_HEADERS))
    session: bool = False  # send it inside a live legacy session
    status: tuple[int, ...] = (400,)
    rpc_code: int | None = None  # the JSON-RPC error code in the answer, when it has one


def rpc(method: str, params: Any = None, id_: Any = 1) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode()


def modern_headers(method: str, name: str | None = None) -> dict[str, str]:
    headers = {**MCP_HEADERS, "Mcp-Protocol-Version": MODERN, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
BAD_REQUESTS = [
    Bad("invalid-json", b'{"jsonrpc": "2.0", "id": 1, "method":', rpc_code=PARSE_ERROR),
    Bad("not-utf8", b"\xff\xfe\x00{", rpc_code=PARSE_ERROR),
    Bad("empty-body", b"", rpc_code=PARSE_ERROR),
    Bad("deep-nesting", b"[" * 100_000 + b"]" * 100_000, rpc_code=PARSE_ERROR),
    Bad("json-null", b"null", rpc_code=INVALID_PARAMS),
    Bad("json-string", b'"tools/list"', rpc_code=INVALID_PARAMS),
    Bad("json-number", b"42", rpc_code=INVALID_PARAMS),
    Bad("batch-of-garbage", b"[1, 2, 3]", rpc_code=INVALID_PARAMS),
    Bad("empty-batch", b"[]", rpc_code=INVALID_PARAMS),
    Bad("batch-of-requests", b"[" + rpc("tools/list") + b"," + rpc("ping", id_=2) + b"]"),
    Bad("no-method", b'{"jsonrpc": "2.0", "id": 1}', rpc_code=INVALID_PARAMS),
    Bad("wrong-jsonrpc-version", b'{"jsonrpc": "1.0", "id": 1, "method": "ping"}'),
    Bad(
        "content-type-text",
        json.dumps(INITIALIZE).encode(),
        headers={**MCP_HEADERS, "Content-Type": "text/plain"},
        status=(400, 415),
    ),
    Bad(
        "no-content-type",
        json.dumps(INITIALIZE).encode(),
        headers={"Accept": MCP_HEADERS["Accept"]},
        status=(400, 415),
    ),
    Bad(
        "accepts-only-html",
        json.dumps(INITIALIZE).encode(),
        headers={**MCP_HEADERS, "Accept": "text/html"},
        status=(406,),
    ),
    Bad("oversized", b'{"pad": "' + b"x" * (1024 * 1024) + b'"}', status=(413,)),
    Bad("unknown-method-without-session", rpc("kp/unknown"), rpc_code=INVALID_REQUEST),
    Bad("tools-list-without-session", rpc("tools/list"), rpc_code=INVALID_REQUEST),
    Bad(
        "tools-list-unknown-session",
        rpc("tools/list"),
        headers={**MCP_HEADERS, "Mcp-Session-Id": "no-such-session"},
        status=(404,),
        rpc_code=INVALID_REQUEST,
    ),
    Bad(
        "delete-unknown-session",
        method="DELETE",
        headers={"Mcp-Session-Id": "no-such-session"},
        status=(404,),
    ),
    Bad("get-without-session", method="GET", headers={"Accept": "text/event-stream"}),
    Bad(
        "get-in-session-without-sse",
        method="GET",
        headers={"Accept": "application/json"},
        session=True,
        status=(406,),
    ),
    Bad("put", b"{}", method="PUT", status=(405,)),
    Bad("patch", b"{}", method="PATCH", status=(405,)),
    Bad(
        "unknown-method-in-session",
        rpc("kp/unknown"),
        session=True,
        status=(200,),
        rpc_code=METHOD_NOT_FOUND,
    ),
    Bad(
        "call-with-list-arguments",
        rpc("tools/call", {"name": "kp_me", "arguments": [1, 2]}),
        session=True,
        status=(200,),
        rpc_code=INVALID_PARAMS,
    ),
    Bad(
        "call-without-name",
        rpc("tools/call", {"arguments": {}}),
        session=True,
        status=(200,),
        rpc_code=INVALID_PARAMS,
    ),
    Bad(
        "modern-envelope-missing",
        rpc("tools/list", {}),
        headers=modern_headers("tools/list"),
    ),
    Bad(
        "modern-method-header-mismatch",
        rpc("tools/list", {"_meta": ENVELOPE}),
        headers=modern_headers("tools/call"),
    ),
    Bad(
        "modern-unknown-protocol-version",
        rpc("tools/list", {"_meta": ENVELOPE}),
        headers={**modern_headers("tools/list"), "Mcp-Protocol-Version": "1999-01-01"},
    ),
    Bad(
        "modern-response-object-posted",
        b'{"jsonrpc": "2.0", "id": 5, "result": {}}',
        headers=modern_headers("x"),
        rpc_code=INVALID_REQUEST,
    ),
]


def rpc_error_code(response: httpx.Response) -> int | None:
    """The JSON-RPC error code of a plain JSON or a one-event SSE answer."""
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        text = data[-1] if data else ""
    try:
        message = json.loads(text)
    except ValueError:
        return None
    error = message.get("error") if isinstance(message, dict) else None
    return error.get("code") if isinstance(error, dict) else None


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=lambda b: b.id)
async def test_a_malformed_request_gets_a_protocol_error_and_the_server_keeps_serving(
    server: Server, bad: Bad
) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as raw:
        headers = dict(bad.headers)
        if bad.session:
            session = await legacy_session(raw)
            headers = {**session, **headers}
        response = await raw.request(bad.method, "/mcp", content=bad.body, headers=headers)

    assert response.status_code in bad.status, (response.status_code, response.text[:300])
    assert response.status_code < 500
    if bad.rpc_code is not None:
        assert rpc_error_code(response) == bad.rpc_code, response.text[:300]
    await still_serving(server)


@pytest.mark.parametrize(
    "body",
    [
        # a request with no method: the SDK's validation error quotes the input back
        {"jsonrpc": "2.0", "id": 1, "params": {"arguments": {"api_key": SECRET}}},
        {"jsonrpc": "2.0", "id": 1, "params": {"arguments": {"api_key": OTHER_SECRET}}},
        [{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"api_key": SECRET}}],
        {"jsonrpc": "2.0", "id": 1, "method": 7, "params": {"api_key": OTHER_SECRET}},
    ],
    ids=["kgp-key", "other-key", "batch", "method-not-a-string"],
)
async def test_a_protocol_error_never_echoes_a_key_from_the_request(
    server: Server, body: Any
) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as raw:
        response = await raw.post("/mcp", json=body, headers=MCP_HEADERS)
    assert response.status_code == 400
    assert rpc_error_code(response) is not None
    for secret in (SECRET, OTHER_SECRET):
        # not the whole key, and not the tail a truncated echo would keep either
        assert secret[-12:] not in response.text, response.text


async def test_a_burst_of_garbage_leaves_the_server_serving_with_bounded_memory(
    server: Server,
) -> None:
    """600 malformed requests, 20 at a time: every one refused, none opening a lasting session."""
    rss_before = rss_kib(server.pid)
    semaphore = asyncio.Semaphore(20)

    async def one(raw: httpx.AsyncClient, index: int) -> int:
        bad = BAD_REQUESTS[index % len(BAD_REQUESTS)]
        async with semaphore:
            if bad.session:
                bad = BAD_REQUESTS[0]
            response = await raw.request(bad.method, "/mcp", content=bad.body, headers=bad.headers)
            return response.status_code

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as raw:
        statuses = await asyncio.gather(*(one(raw, i) for i in range(600)))
    elapsed = time.monotonic() - started

    assert all(400 <= status < 500 for status in statuses), sorted(set(statuses))
    assert elapsed < 30
    await still_serving(server)
    growth_mib = (rss_kib(server.pid) - rss_before) / 1024
    assert growth_mib < 25, f"RSS grew {growth_mib:.1f} MiB over 600 refused requests"


def test_the_server_logged_no_traceback(server: Server) -> None:
    """Runs last in this module: nothing above made the server fail internally."""
    logged = server.log.read_text(errors="replace")
    assert "Traceback" not in logged
    assert "Exception in ASGI application" not in logged
    assert not re.search(r"\bERROR\b", logged), [
        line for line in logged.splitlines() if "ERROR" in line
    ][:5]
    assert SECRET not in logged and OTHER_SECRET not in logged


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (psutil is not a dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")

"""Streamable HTTP: a real ``kp-mcp --transport http`` process on a loopback port, many users.

Also the HTTP app in-process (``httpx2.ASGITransport``, no socket) for the stateless mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from kp_tools import Executor, Sandbox
from kp_tools.mcp import HttpSettings, build_http_app, build_server
from tests.conftest import BROKE, FREE, MEMBER, READONLY
from tests.mcp.conftest import ALLOWED_ORIGIN, HttpServer, error_code, payload
from tests.processes import KP_MCP, child_env, free_port, start, stop

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "browser-test", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@contextlib.asynccontextmanager
async def http_client(
    url: str, mode: str = "auto", headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    timeout = httpx2.Timeout(30, read=60)
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=timeout) as hc,
        Client(streamable_http_client(url, http_client=hc), mode=mode) as client,
    ):
        yield client


async def make_something(client: Client, key: str) -> dict[str, Any]:
    """What one user's agent does: verify, create, wait (watching progress), read."""
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    me = payload(await client.call_tool("kp_me", {"api_key": key}))
    if me["next_step"].startswith("STOP"):
        result = await client.call_tool(
            "kp_create_creation", {"type": "image", "prompt": "A lighthouse", "api_key": key}
        )
        return {"me": me, "create": payload(result), "is_error": result.is_error}
    started = payload(
        await client.call_tool(
            "kp_create_creation",
            {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 2, "api_key": key},
        )
    )
    job = await client.call_tool(
        "kp_get_job_status",
        {"job_id": started["result"]["job_id"], "wait_seconds": 20, "api_key": key},
        progress_callback=on_progress,
    )
    assert payload(job)["result"]["done"], payload(job)
    detail = await client.call_tool(
        "kp_get_creation", {"creation_id": started["result"]["creation_id"], "api_key": key}
    )
    return {"me": me, "detail": payload(detail), "is_error": detail.is_error, "progress": seen}


async def test_two_users_with_different_keys_share_one_server(http_server: HttpServer) -> None:
    async def as_user(key: str, mode: str) -> dict[str, Any]:
        async with http_client(http_server.url, mode) as client:
            return await make_something(client, key)

    member, broke = await asyncio.gather(as_user(MEMBER, "auto"), as_user(BROKE, "legacy"))

    assert member["me"]["result"]["name"] == "Ada Member"
    assert not member["is_error"]
    assert member["detail"]["result"]["status"] == "ready"
    assert member["progress"][-1] == 100.0  # progress notifications arrive over HTTP too
    assert broke["me"]["result"]["name"] == "Bo Broke"
    assert broke["is_error"] and broke["create"]["error"]["code"] == "insufficient_credits"
    assert broke["create"]["error"]["must_stop"] is True

    # The halt belongs to the broke key only; the member, on a new session, is unaffected.
    again = await as_user(MEMBER, "legacy")
    assert not again["is_error"]


async def test_a_verification_on_one_key_does_not_unlock_another(http_server: HttpServer) -> None:
    async with http_client(http_server.url) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        result = await client.call_tool("kp_list_creations", {"api_key": READONLY})
    assert error_code(result) == "kp_me_required"


async def test_the_key_can_come_from_the_request_header(http_server: HttpServer) -> None:
    headers = {"X-KGP-Api-Key": FREE}
    async with http_client(http_server.url, "legacy", headers) as client:
        me = payload(await client.call_tool("kp_me", {}))
        assert me["result"]["name"] == "Fred Free"
        # The api_key argument is the call's own key and wins over the header.
        other = payload(await client.call_tool("kp_me", {"api_key": BROKE}))
        assert other["result"]["name"] == "Bo Broke"
        resource = await client.read_resource("kpainter://content-types")
    types = json.loads(resource.contents[0].text)["content_types"]  # type: ignore[union-attr]
    assert "explainer_video" in [t["type"] for t in types]


async def test_an_allowed_browser_origin_gets_cors_and_can_read_the_session_id(
    http_server: HttpServer,
) -> None:
    async with httpx.AsyncClient(base_url=http_server.base) as raw:
        preflight = await raw.options(
            "/mcp",
            headers={
                "Origin": ALLOWED_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,mcp-session-id,x-kgp-api-key",
            },
        )
        initialized = await raw.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": ALLOWED_ORIGIN}
        )
        port_wildcard = await raw.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "http://localhost:5173"}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-kgp-api-key" in preflight.headers["access-control-allow-headers"].lower()
    assert initialized.status_code == 200
    assert initialized.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "Mcp-Session-Id" in initialized.headers["access-control-expose-headers"]
    assert initialized.headers["mcp-session-id"]
    assert "Origin" in initialized.headers["vary"]
    assert port_wildcard.status_code == 200


async def test_a_request_without_an_origin_gets_no_cors_headers_yet_varies_on_origin(
    http_server: HttpServer,
) -> None:
    """Hosts send no Origin: no CORS answer, but caches learn a browser's could differ."""
    async with httpx.AsyncClient(base_url=http_server.base) as raw:
        initialized = await raw.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        health = await raw.get("/healthz")
    for response in (initialized, health):
        assert response.status_code == 200
        assert not [name for name in response.headers if name.startswith("access-control-")]
        assert [v.strip() for v in response.headers["vary"].split(",")].count("Origin") == 1


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "GET"])
async def test_a_request_from_an_origin_not_on_the_list_is_refused(
    http_server: HttpServer, method: str
) -> None:
    headers = {**MCP_HEADERS, "Origin": "https://evil.example.net"}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    async with httpx.AsyncClient(base_url=http_server.base) as raw:
        response = await raw.request(method, "/mcp", headers=headers, json=INITIALIZE)
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """``kp-mcp --transport http --sandbox`` on 127.0.0.1 with no allowed origins configured."""
    port = free_port()
    log = tmp_path_factory.mktemp("kp-mcp-bare") / "stderr.log"
    args = [str(KP_MCP), "--transport", "http", "--sandbox", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--job-seconds", "0"]
    process = start(args, child_env(), f"http://127.0.0.1:{port}/healthz", log)
    yield HttpServer(port, log)
    stop(process)


async def post_initialize(base: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base) as raw:
        return await raw.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers})


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:{port}",  # its own address: a page the server's machine serves
        "http://localhost:{port}",
        "http://[::1]:{port}",
        "http://localhost:5173",  # a local dev server or the MCP Inspector, on its own port
        "http://127.0.0.1",
    ],
)
async def test_a_loopback_server_accepts_loopback_origins_with_no_configuration(
    bare_server: HttpServer, origin: str
) -> None:
    origin = origin.format(port=bare_server.port)
    response = await post_initialize(bare_server.base, Origin=origin)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["mcp-session-id"]


async def test_a_loopback_origin_with_a_localhost_host_header_is_served(
    bare_server: HttpServer,
) -> None:
    """What a browser page at http://localhost:P sends to the server on port P."""
    own = f"localhost:{bare_server.port}"
    response = await post_initialize(bare_server.base, Host=own, Origin=f"http://{own}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.net",
        "http://127.0.0.1.evil.example:{port}",
        "http://localhost.evil.example",
        "http://localhost:{port}.evil.example",
        "http://10.0.0.5:{port}",
        "null",
    ],
)
async def test_a_loopback_server_still_refuses_every_other_origin(
    bare_server: HttpServer, origin: str
) -> None:
    response = await post_initialize(bare_server.base, Origin=origin.format(port=bare_server.port))
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers


async def test_a_loopback_origin_does_not_excuse_a_foreign_host_header(
    bare_server: HttpServer,
) -> None:
    """DNS rebinding: the page's name resolved to 127.0.0.1, so Host is the attacker's name."""
    response = await post_initialize(
        bare_server.base,
        Host=f"evil.example.com:{bare_server.port}",
        Origin=f"http://localhost:{bare_server.port}",
    )
    assert response.status_code == 421


async def test_a_server_bound_to_another_address_refuses_loopback_origins() -> None:
    """Only a loopback bind trusts loopback origins; a public one needs them configured."""
    executor = Executor.for_sandbox(Sandbox(), api_key=MEMBER)
    settings = HttpSettings(host="10.1.2.3", port=8000, allowed_origins=[])
    app = build_http_app(build_server(executor), settings, on_shutdown=executor.aclose)
    transport = httpx2.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://10.1.2.3:8000") as hc,
    ):
        local = await hc.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "http://localhost:8000"}
        )
        none = await hc.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert local.status_code == 403
    assert none.status_code == 200


async def test_dns_rebinding_a_foreign_host_header_is_refused(http_server: HttpServer) -> None:
    async with httpx.AsyncClient(base_url=http_server.base) as raw:
        response = await raw.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "attacker.example:80"}
        )
    assert response.status_code == 421


async def test_an_oversized_request_body_is_refused(http_server: HttpServer) -> None:
    body = {**INITIALIZE, "padding": "x" * (1024 * 1024)}
    async with httpx.AsyncClient(base_url=http_server.base) as raw:
        response = await raw.post("/mcp", content=json.dumps(body), headers=MCP_HEADERS)
    assert response.status_code == 413


async def test_the_server_log_never_holds_a_key(http_server: HttpServer) -> None:
    async with http_client(http_server.url, "legacy", {"X-KGP-Api-Key": FREE}) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        await client.call_tool("kp_me", {})
    logged = http_server.log.read_text()
    assert "kp_me key=ApiKey(" in logged  # the server logs at debug level
    for key in (MEMBER, FREE, BROKE, READONLY):
        assert key not in logged


# -- stateless mode, in-process ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stateless_mode_keeps_no_session_but_the_workflow_still_holds(mode: str) -> None:
    """Each request stands alone (no Mcp-Session-Id); the kp_me gate lives in the executor."""
    executor = Executor.for_sandbox(Sandbox(), api_key=MEMBER)
    settings = HttpSettings(port=8000, stateless=True, allowed_origins=[])
    app = build_http_app(build_server(executor), settings, on_shutdown=executor.aclose)
    url = "http://127.0.0.1:8000/mcp"
    transport = httpx2.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as hc,
    ):
        raw = await hc.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        assert raw.status_code == 200 and "mcp-session-id" not in raw.headers
        async with Client(streamable_http_client(url, http_client=hc), mode=mode) as client:
            before = await client.call_tool("kp_get_catalog", {})
            await client.call_tool("kp_me", {})
            after = await client.call_tool("kp_get_catalog", {"type": "image"})
    assert error_code(before) == "kp_me_required"
    assert not after.is_error

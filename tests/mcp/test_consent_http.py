"""Consent over streamable HTTP: the JSON-RPC wire of both revisions, and keys sent in a header.

2026-07-28 runs in-process (``httpx2.ASGITransport``, no socket), stateful and stateless. The
2025-11-25 callback needs the response to stream while the tool waits for the person, which an
in-process transport cannot do (it buffers whole bodies), so that one runs uvicorn on a loopback
port. A stateless 2025-11-25 request has no channel for the callback at all: consent is refused
as unavailable, never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx2
import pytest
import uvicorn
from mcp import MCPError
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import INVALID_PARAMS, CallToolResult, ElicitResult, InputRequiredResult
from starlette.applications import Starlette

from kp_tools import Executor, Sandbox
from kp_tools.mcp import HttpSettings, build_http_app, build_server
from kp_tools.mcp.consent import CONSENT_INPUT_KEY
from tests.conftest import FREE, MEMBER
from tests.mcp.conftest import error_code, payload
from tests.mcp.scripted_human import APPROVE, DECLINE, ScriptedHuman
from tests.processes import free_port

SLIDES = {"type": "slides_video", "prompt": "How tides work", "scene_count": 3}
POSTS = ("POST", "/creations")
BASE = "http://127.0.0.1:8000"


@pytest.fixture
async def asking(sandbox: Sandbox) -> AsyncIterator[Executor]:
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=0)
    yield executor
    await executor.aclose()


def app_for(executor: Executor, *, stateless: bool, port: int = 8000) -> Starlette:
    settings = HttpSettings(port=port, stateless=stateless, allowed_origins=[])
    return build_http_app(build_server(executor), settings)


def http(app: Starlette, key: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers={"X-KGP-Api-Key": key}
    )


def client(hc: httpx2.AsyncClient, mode: str, human: ScriptedHuman) -> Client:
    return Client(
        streamable_http_client(f"{BASE}/mcp", http_client=hc), mode=mode, elicitation_callback=human
    )


@pytest.mark.parametrize("stateless", [False, True], ids=["stateful", "stateless"])
async def test_an_approval_over_the_2026_wire_sends_one_create(
    asking: Executor, sandbox: Sandbox, stateless: bool
) -> None:
    app = app_for(asking, stateless=stateless)
    human = ScriptedHuman(APPROVE)
    async with (
        app.router.lifespan_context(app),
        http(app, MEMBER) as hc,
        client(hc, "auto", human) as c,
    ):
        assert c.protocol_version == "2026-07-28"
        await c.call_tool("kp_me", {})
        result = await c.call_tool("kp_create_creation", SLIDES)
    assert payload(result)["ok"] is True
    assert len(human.forms) == 1
    assert sandbox.count(*POSTS) == 1


async def test_a_state_issued_for_one_header_key_is_refused_for_another(
    asking: Executor, sandbox: Sandbox
) -> None:
    """The key in the header is not among the arguments the seal digests: our claims bind it."""
    app = app_for(asking, stateless=True)
    async with (
        app.router.lifespan_context(app),
        http(app, MEMBER) as member_http,
        http(app, FREE) as free_http,
        client(member_http, "auto", ScriptedHuman()) as member,
        client(free_http, "auto", ScriptedHuman()) as other,
    ):
        await member.call_tool("kp_me", {})
        await other.call_tool("kp_me", {})
        asked = await member.session.call_tool(
            "kp_create_creation", SLIDES, allow_input_required=True
        )
        assert isinstance(asked, InputRequiredResult)
        with pytest.raises(MCPError) as refused:
            await other.session.call_tool(
                "kp_create_creation",
                SLIDES,
                input_responses={CONSENT_INPUT_KEY: APPROVE},
                request_state=asked.request_state,
                allow_input_required=True,
            )
        assert refused.value.code == INVALID_PARAMS
        assert sandbox.count(*POSTS) == 0
        done = await member.session.call_tool(
            "kp_create_creation",
            SLIDES,
            input_responses={CONSENT_INPUT_KEY: APPROVE},
            request_state=asked.request_state,
            allow_input_required=True,
        )
    assert isinstance(done, CallToolResult) and payload(done)["ok"] is True
    assert sandbox.count(*POSTS) == 1


async def test_a_stateless_2025_request_cannot_be_asked_so_consent_is_unavailable(
    asking: Executor, sandbox: Sandbox
) -> None:
    app = app_for(asking, stateless=True)
    human = ScriptedHuman()
    async with (
        app.router.lifespan_context(app),
        http(app, MEMBER) as hc,
        client(hc, "legacy", human) as c,
    ):
        await c.call_tool("kp_me", {})
        result = await c.call_tool("kp_create_creation", SLIDES)
    assert error_code(result) == "confirmation_unavailable"
    assert human.asked == []
    assert sandbox.count(*POSTS) == 0


def client_at(url: str, hc: httpx2.AsyncClient, human: ScriptedHuman) -> Client:
    transport = streamable_http_client(url, http_client=hc)
    return Client(transport, mode="legacy", elicitation_callback=human)


@contextlib.asynccontextmanager
async def serving(app: Starlette, port: int) -> AsyncIterator[str]:
    """``app`` under uvicorn on a loopback port, for as long as the block runs."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await task


@pytest.mark.slow
@pytest.mark.parametrize(("answer", "posts"), [(APPROVE, 1), (DECLINE, 0)], ids=["yes", "no"])
async def test_the_2025_callback_over_a_real_socket(
    asking: Executor, sandbox: Sandbox, answer: ElicitResult, posts: int
) -> None:
    port = free_port()
    human = ScriptedHuman(answer)
    async with (
        serving(app_for(asking, stateless=False, port=port), port) as url,
        httpx2.AsyncClient(headers={"X-KGP-Api-Key": MEMBER}) as hc,
        client_at(url, hc, human) as c,
    ):
        await c.call_tool("kp_me", {})
        result = await c.call_tool("kp_create_creation", SLIDES)
    assert result.is_error is (posts == 0)
    assert len(human.forms) == 1
    assert sandbox.count(*POSTS) == posts

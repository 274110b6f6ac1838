"""Sending the user to the KPainter site (URL-mode elicitation), with a real mcp client.

Both revisions (``auto``: an ``InputRequiredResult`` round trip on 2026-07-28; ``legacy``:
``elicitation/create`` in URL mode on 2025-11-25). A scripted person is shown the page and, in
some tests, fixes the problem there (the test tops up the sandbox account, or reactivates the
key) before coming back. "Today's error" is the outcome the executor gives on its own, rendered
as every client without URL elicitation still gets it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import MCPError
from mcp.client import Client
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    ElicitRequest,
    ElicitRequestURLParams,
    ElicitResult,
    InputRequiredResult,
)

from kp_tools import Executor, Sandbox
from kp_tools.api_contract import API_KEY_PAGE, CREDITS_PAGE
from kp_tools.mcp import build_server
from kp_tools.mcp.tools import call_result
from kp_tools.mcp.url_elicitation import SITE_VISIT_INPUT_KEY
from tests.conftest import BROKE, MEMBER, REVOKED
from tests.mcp.conftest import error_code, payload
from tests.mcp.scripted_human import ACCEPT, APPROVE, CANCEL, DECLINE, ScriptedHuman

SLIDES = {"type": "slides_video", "prompt": "How tides work", "scene_count": 3}
POSTS = ("POST", "/creations")


def broke(**extra: Any) -> dict[str, Any]:
    return {**SLIDES, "api_key": BROKE, **extra}


async def todays_create_error() -> dict[str, Any]:
    """What a broke key's create gives without any elicitation: the executor's own outcome."""
    executor = Executor.for_sandbox(Sandbox())
    try:
        await executor.run("kp_me", api_key=BROKE)
        outcome = await executor.run("kp_create_creation", SLIDES, api_key=BROKE)
    finally:
        await executor.aclose()
    return dict(call_result(outcome).structured_content or {})


def top_up(sandbox: Sandbox) -> Any:
    return lambda params: sandbox.top_up(BROKE, 1000)


async def create_while_broke(client: Client) -> CallToolResult:
    await client.call_tool("kp_me", {"api_key": BROKE})
    return await client.call_tool("kp_create_creation", broke())


async def test_credits_bought_on_the_site_let_the_create_go_through_once(
    executor: Executor, sandbox: Sandbox, mode: str
) -> None:
    human = ScriptedHuman(ACCEPT, act=top_up(sandbox))
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        result = await create_while_broke(client)
    assert payload(result)["ok"] is True
    assert sandbox.count(*POSTS) == 1
    (page,) = human.asked
    assert isinstance(page, ElicitRequestURLParams)
    assert page.url == CREDITS_PAGE  # a fixed page: no key, no user data
    assert "credits" in page.message and "How tides work" not in page.message
    assert BROKE not in page.url + page.message


@pytest.mark.parametrize("answer", [ACCEPT, DECLINE, CANCEL], ids=["unfixed", "decline", "cancel"])
async def test_without_a_fix_the_create_ends_in_todays_error_and_nothing_is_sent(
    executor: Executor, sandbox: Sandbox, mode: str, answer: ElicitResult
) -> None:
    human = ScriptedHuman(answer)
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        await client.call_tool("kp_me", {"api_key": BROKE})
        checks_before = sandbox.count("GET", "/me")
        result = await client.call_tool("kp_create_creation", broke())
        assert payload(result) == await todays_create_error()
        assert error_code(result) == "insufficient_credits"
        # the server keeps serving, and does not send the person to the site twice
        assert payload(await client.call_tool("kp_me", {"api_key": MEMBER}))["ok"] is True
    assert sandbox.count(*POSTS) == 0
    assert len(human.pages) == 1
    rechecked = sandbox.count("GET", "/me") - checks_before - 1  # minus the MEMBER kp_me
    assert rechecked == (1 if answer is ACCEPT else 0)


async def test_a_client_without_elicitation_sees_todays_error_unchanged(
    executor: Executor, sandbox: Sandbox, mode: str
) -> None:
    async with Client(build_server(executor), mode=mode) as client:
        result = await create_while_broke(client)
    assert payload(result) == await todays_create_error()
    assert sandbox.count(*POSTS) == 0


async def test_a_reactivated_key_is_verified_when_the_user_comes_back(
    executor: Executor, sandbox: Sandbox, mode: str
) -> None:
    def reactivate(params: Any) -> None:
        sandbox.account(REVOKED).active = True

    human = ScriptedHuman(ACCEPT, act=reactivate)
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        result = await client.call_tool("kp_me", {"api_key": REVOKED})
    assert payload(result)["ok"] is True
    assert [page.url for page in human.pages] == [API_KEY_PAGE]
    assert sandbox.count("GET", "/me") == 2  # the call, then the one check after the visit


async def test_a_key_still_rejected_after_the_visit_ends_in_invalid_api_key(
    executor: Executor, mode: str
) -> None:
    human = ScriptedHuman(ACCEPT)
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        result = await client.call_tool("kp_me", {"api_key": REVOKED})
    assert error_code(result) == "invalid_api_key"
    assert len(human.pages) == 1


async def test_a_read_refused_for_a_revoked_key_runs_once_more_after_the_fix(
    executor: Executor, sandbox: Sandbox, mode: str
) -> None:
    """Not only the verifying tool: any call whose error has a page is carried out again."""

    def reactivate(params: Any) -> None:
        sandbox.account(MEMBER).active = True

    human = ScriptedHuman(ACCEPT, act=reactivate)
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        sandbox.account(MEMBER).active = False  # revoked between two calls
        result = await client.call_tool("kp_list_creations", {"api_key": MEMBER})
    assert payload(result)["ok"] is True
    assert sandbox.count("GET", "/creations") == 2  # refused, then carried out once


async def test_a_missing_key_is_not_sent_to_the_site(executor: Executor, mode: str) -> None:
    """A key made on the site cannot reach kp-mcp through the elicitation: nothing to re-check."""
    human = ScriptedHuman()
    async with Client(build_server(executor), mode=mode, elicitation_callback=human) as client:
        result = await client.call_tool("kp_me", {})
    assert error_code(result) == "missing_api_key"
    assert human.asked == []


@pytest.fixture
async def asking(sandbox: Sandbox) -> AsyncIterator[Executor]:
    executor = Executor.for_sandbox(sandbox, confirm_above_credits=0)
    yield executor
    await executor.aclose()


async def test_after_the_credits_are_fixed_the_create_still_asks_for_consent(
    asking: Executor, sandbox: Sandbox, mode: str
) -> None:
    human = ScriptedHuman(ACCEPT, APPROVE, act=top_up(sandbox))
    async with Client(build_server(asking), mode=mode, elicitation_callback=human) as client:
        result = await create_while_broke(client)
    assert payload(result)["ok"] is True
    assert [type(p).__name__ for p in human.asked] == [
        "ElicitRequestURLParams",
        "ElicitRequestFormParams",
    ]
    assert sandbox.count(*POSTS) == 1


# -- 2026-07-28: the request state -----------------------------------------------------------


async def sent_to_the_site(client: Client) -> InputRequiredResult:
    await client.call_tool("kp_me", {"api_key": BROKE})
    asked = await client.session.call_tool("kp_create_creation", broke(), allow_input_required=True)
    assert isinstance(asked, InputRequiredResult)
    return asked


async def back_from_the_site(client: Client, state: str | None) -> CallToolResult:
    result = await client.session.call_tool(
        "kp_create_creation",
        broke(),
        input_responses={SITE_VISIT_INPUT_KEY: ACCEPT},
        request_state=state,
        allow_input_required=True,
    )
    assert isinstance(result, CallToolResult)
    return result


def driving(executor: Executor) -> Client:
    return Client(build_server(executor), mode="auto", elicitation_callback=ScriptedHuman())


async def test_the_page_comes_back_as_one_url_request_with_an_opaque_state(
    executor: Executor,
) -> None:
    async with driving(executor) as client:
        asked = await sent_to_the_site(client)
    (request,) = (asked.input_requests or {}).values()
    assert isinstance(request, ElicitRequest)
    assert isinstance(request.params, ElicitRequestURLParams)
    assert request.params.url == CREDITS_PAGE
    assert asked.request_state is not None
    for plain in ("insufficient_credits", "site_visit", "kp_create_creation", BROKE):
        assert plain not in asked.request_state


async def test_a_forged_or_replayed_return_from_the_site_is_refused(
    executor: Executor, sandbox: Sandbox
) -> None:
    async with driving(executor) as client:
        asked = await sent_to_the_site(client)
        assert asked.request_state is not None
        with pytest.raises(MCPError) as forged:
            await back_from_the_site(client, asked.request_state[:-2] + "xx")
        assert forged.value.code == INVALID_PARAMS
        sandbox.top_up(BROKE, 1000)
        assert payload(await back_from_the_site(client, asked.request_state))["ok"] is True
        with pytest.raises(MCPError) as replayed:
            await back_from_the_site(client, asked.request_state)
        assert replayed.value.code == INVALID_PARAMS
    assert sandbox.count(*POSTS) == 1

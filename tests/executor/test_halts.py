"""docs/workflow.md rules 3-4: a 401 forgets the verification; 402/403 and a bad kp_me halt."""

from __future__ import annotations

from kp_tools import ErrorCode, Executor, Sandbox
from tests.conftest import BROKE, FREE, MEMBER, READONLY, REVOKED

VIDEO = {"type": "explainer_video", "prompt": "What is MCP?", "duration_seconds": 30}


async def verified(executor: Executor, key: str) -> None:
    outcome = await executor.run("kp_me", api_key=key)
    assert outcome.ok, outcome


async def test_revoked_key_is_invalid_and_says_where_to_fix_it(executor: Executor) -> None:
    outcome = await executor.run("kp_me", api_key=REVOKED)
    assert outcome.code is ErrorCode.INVALID_API_KEY
    assert outcome.error is not None
    assert "API Key page" in (outcome.error.tell_user or "")


async def test_a_401_forgets_the_verification(executor: Executor, sandbox: Sandbox) -> None:
    sandbox.add_account("kgp_soon_revoked")
    await verified(executor, "kgp_soon_revoked")
    sandbox.account("kgp_soon_revoked").active = False
    assert (await executor.run("kp_list_creations", api_key="kgp_soon_revoked")).code is (
        ErrorCode.INVALID_API_KEY
    )
    requests_before = sandbox.count()
    again = await executor.run("kp_create_creation", VIDEO, api_key="kgp_soon_revoked")
    assert again.code is ErrorCode.KP_ME_REQUIRED
    assert sandbox.count() == requests_before


async def test_after_a_402_the_next_create_is_refused_without_an_upstream_request(
    executor: Executor, sandbox: Sandbox
) -> None:
    sandbox.add_account("kgp_two_videos", credits=60)
    await verified(executor, "kgp_two_videos")
    sandbox.account("kgp_two_videos").credits = 10  # spent elsewhere since kp_me
    first = await executor.run("kp_create_creation", VIDEO, api_key="kgp_two_videos")
    assert first.code is ErrorCode.INSUFFICIENT_CREDITS
    assert first.error is not None and first.error.must_stop
    assert "main site" in (first.error.tell_user or "")
    assert sandbox.count("POST", "/creations") == 1

    second = await executor.run(
        "kp_create_creation", {**VIDEO, "prompt": "Another"}, api_key="kgp_two_videos"
    )
    assert second.code is ErrorCode.INSUFFICIENT_CREDITS
    assert sandbox.count("POST", "/creations") == 1


async def test_kp_me_showing_no_credits_halts_creates_locally(
    executor: Executor, sandbox: Sandbox
) -> None:
    me = await executor.run("kp_me", api_key=BROKE)
    assert me.ok
    assert (me.next_step or "").startswith("STOP")
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=BROKE)
    assert outcome.code is ErrorCode.INSUFFICIENT_CREDITS
    assert sandbox.count("POST", "/creations") == 0


async def test_kp_me_after_a_top_up_lifts_the_halt(executor: Executor, sandbox: Sandbox) -> None:
    await verified(executor, BROKE)
    assert (await executor.run("kp_create_creation", VIDEO, api_key=BROKE)).code is (
        ErrorCode.INSUFFICIENT_CREDITS
    )
    sandbox.top_up(BROKE, 500)
    await verified(executor, BROKE)
    outcome = await executor.run("kp_create_creation", VIDEO, api_key=BROKE)
    assert outcome.ok, outcome
    assert sandbox.count("POST", "/creations") == 1


async def test_a_halt_stays_until_kp_me_shows_it_resolved(executor: Executor) -> None:
    await verified(executor, BROKE)
    await verified(executor, BROKE)  # still broke: still halted
    assert (await executor.run("kp_create_creation", VIDEO, api_key=BROKE)).code is (
        ErrorCode.INSUFFICIENT_CREDITS
    )


async def test_readonly_key_is_halted_by_kp_me_and_never_creates(
    executor: Executor, sandbox: Sandbox
) -> None:
    me = await executor.run("kp_me", api_key=READONLY)
    assert me.ok and "cannot manage creations" in (me.next_step or "")
    for _ in range(3):
        outcome = await executor.run("kp_create_creation", VIDEO, api_key=READONLY)
        assert outcome.code is ErrorCode.INSUFFICIENT_PERMISSION
        assert outcome.error is not None and outcome.error.must_stop
    assert sandbox.count("POST", "/creations") == 0


async def test_a_403_from_a_member_only_option_halts_then_kp_me_lifts_it(
    executor: Executor, sandbox: Sandbox
) -> None:
    await verified(executor, FREE)
    four_k = await executor.run("kp_create_creation", {**VIDEO, "quality": "4K"}, api_key=FREE)
    assert four_k.code is ErrorCode.INSUFFICIENT_PERMISSION
    halted = await executor.run("kp_create_creation", {**VIDEO, "quality": "1K"}, api_key=FREE)
    assert halted.code is ErrorCode.INSUFFICIENT_PERMISSION
    assert sandbox.count("POST", "/creations") == 1
    await verified(executor, FREE)  # the key itself may create: the halt is lifted
    assert (await executor.run("kp_create_creation", {**VIDEO, "quality": "1K"}, api_key=FREE)).ok


async def test_a_halt_on_one_key_does_not_reach_another(executor: Executor) -> None:
    await verified(executor, BROKE)
    await verified(executor, MEMBER)
    assert (await executor.run("kp_create_creation", VIDEO, api_key=BROKE)).code is (
        ErrorCode.INSUFFICIENT_CREDITS
    )
    assert (await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)).ok


async def test_reads_still_work_on_a_halted_key(executor: Executor) -> None:
    await verified(executor, BROKE)
    assert (await executor.run("kp_list_creations", api_key=BROKE)).ok
    assert (await executor.run("kp_get_catalog", api_key=BROKE)).ok

"""docs/workflow.md rules 1-2: keys are resolved first, and kp_me comes before everything else."""

from __future__ import annotations

import pytest

from kp_tools import ErrorCode, Executor, MePolicy, Sandbox
from kp_tools.state import KeyState, MemoryStateStore
from tests.conftest import MEMBER

CREATE = {"type": "slides_video", "prompt": "Photosynthesis in 4 slides", "scene_count": 4}


async def test_kp_health_needs_no_key(executor: Executor) -> None:
    outcome = await executor.run("kp_health")
    assert outcome.ok
    assert outcome.data == {"status": "ok", "service": "kpainter-sandbox"}


@pytest.mark.parametrize(
    "tool",
    ["kp_me", "kp_get_catalog", "kp_list_creations", "kp_create_creation", "kp_get_creation"],
)
async def test_every_keyed_tool_without_a_key_is_missing_api_key(
    executor: Executor, sandbox: Sandbox, tool: str
) -> None:
    arguments = {"kp_create_creation": CREATE, "kp_get_creation": {"creation_id": 1}}.get(tool, {})
    outcome = await executor.run(tool, arguments)
    assert outcome.code is ErrorCode.MISSING_API_KEY
    assert outcome.error is not None and outcome.error.must_stop
    assert "KGP_API_KEY" in (outcome.error.tell_user or "")
    assert sandbox.count() == 0


async def test_blank_keys_count_as_missing(sandbox: Sandbox) -> None:
    executor = Executor(
        sandbox.client(), env={"PARTNER_MCP_DEFAULT_API_KEY": "  ", "KGP_API_KEY": ""}
    )
    outcome = await executor.run("kp_me", api_key="   ")
    assert outcome.code is ErrorCode.MISSING_API_KEY


async def test_key_resolution_order_is_call_then_own_then_partner_default_then_kgp(
    sandbox: Sandbox,
) -> None:
    sandbox.add_account("kgp_partner_default", name="Partner Default")
    sandbox.add_account("kgp_plain_env", name="Plain Env")
    sandbox.add_account("kgp_constructor", name="Constructor Key")
    env = {"PARTNER_MCP_DEFAULT_API_KEY": "kgp_partner_default", "KGP_API_KEY": "kgp_plain_env"}

    async def who(executor: Executor, **kwargs: str) -> str:
        outcome = await executor.run("kp_me", **kwargs)
        assert outcome.ok, outcome
        return str((outcome.data or {})["name"])

    with_own = Executor(sandbox.client(), api_key="kgp_constructor", env=env)
    assert await who(with_own, api_key=MEMBER) == "Ada Member"
    assert await who(with_own) == "Constructor Key"
    assert await who(Executor(sandbox.client(), env=env)) == "Partner Default"
    only_kgp = Executor(sandbox.client(), env={"KGP_API_KEY": "kgp_plain_env"})
    assert await who(only_kgp) == "Plain Env"


async def test_create_before_kp_me_is_refused_without_an_upstream_request(
    executor: Executor, sandbox: Sandbox
) -> None:
    outcome = await executor.run("kp_create_creation", CREATE, api_key=MEMBER)
    assert outcome.code is ErrorCode.KP_ME_REQUIRED
    assert "kp_me" in outcome.text()
    assert sandbox.count() == 0


async def test_reads_before_kp_me_are_refused_too(executor: Executor, sandbox: Sandbox) -> None:
    for tool in ("kp_get_catalog", "kp_list_creations"):
        assert (await executor.run(tool, api_key=MEMBER)).code is ErrorCode.KP_ME_REQUIRED
    assert sandbox.count() == 0


async def test_after_kp_me_the_same_create_goes_through(executor: Executor) -> None:
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    outcome = await executor.run("kp_create_creation", CREATE, api_key=MEMBER)
    assert outcome.ok, outcome
    assert outcome.data is not None and outcome.data["job_id"]


async def test_verification_is_per_key(executor: Executor, sandbox: Sandbox) -> None:
    sandbox.add_account("kgp_other_user")
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    other = await executor.run("kp_create_creation", CREATE, api_key="kgp_other_user")
    assert other.code is ErrorCode.KP_ME_REQUIRED


async def test_auto_policy_verifies_on_the_callers_behalf(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(sandbox, me_policy=MePolicy.AUTO)
    outcome = await executor.run("kp_create_creation", CREATE, api_key=MEMBER)
    assert outcome.ok, outcome
    assert sandbox.count("GET", "/me") == 1


async def test_auto_policy_still_stops_a_broke_key_before_creating(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(sandbox, me_policy="auto")
    outcome = await executor.run("kp_create_creation", CREATE, api_key="kgp_sandbox_broke")
    assert outcome.code is ErrorCode.INSUFFICIENT_CREDITS
    assert sandbox.count("POST", "/creations") == 0


async def test_off_policy_skips_the_gate(sandbox: Sandbox) -> None:
    executor = Executor.for_sandbox(sandbox, me_policy="off")
    outcome = await executor.run("kp_create_creation", CREATE, api_key=MEMBER)
    assert outcome.ok, outcome
    assert sandbox.count("GET", "/me") == 0


class _CountingStore(MemoryStateStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    async def load(self, key_id: str) -> KeyState:
        self.loads += 1
        return await super().load(key_id)


async def test_only_calls_a_rule_applies_to_read_the_workflow_state(sandbox: Sandbox) -> None:
    # On a shared Redis each read is a round trip; kp_me (and a read with the gate off) has no
    # rule that looks at the state, so it pays none.
    store = _CountingStore()
    executor = Executor(sandbox.client(), store=store, env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    assert store.loads == 0
    assert (await executor.run("kp_list_creations", api_key=MEMBER)).ok  # the kp_me gate
    assert store.loads == 1
    ungated = Executor(sandbox.client(), store=store, env={}, me_policy="off")
    assert (await ungated.run("kp_list_creations", api_key=MEMBER)).ok
    assert store.loads == 1


async def test_unknown_tool_is_a_typed_outcome(executor: Executor) -> None:
    outcome = await executor.run("kp_delete_everything")
    assert outcome.code is ErrorCode.UNKNOWN_TOOL
    assert "kp_create_creation" in (outcome.error.message if outcome.error else "")

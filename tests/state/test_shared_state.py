"""Two executors (stand-ins for two replicas) sharing one Redis see one workflow state."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.state.redis import RedisStateStore
from tests.conftest import MEMBER
from tests.processes import free_port
from tests.redis_server import redis_server

VIDEO = {"type": "slides_video", "prompt": "Shared state", "scene_count": 3}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def replicas(redis_url: str, sandbox: Sandbox) -> tuple[Executor, Executor]:
    prefix = f"replicas-{uuid.uuid4().hex[:8]}"
    return (
        Executor(sandbox.client(), store=RedisStateStore(redis_url, prefix=prefix), env={}),
        Executor(sandbox.client(), store=RedisStateStore(redis_url, prefix=prefix), env={}),
    )


async def test_kp_me_on_one_replica_lets_a_create_through_on_the_other(
    replicas: tuple[Executor, Executor],
) -> None:
    a, b = replicas
    assert (
        await b.run("kp_create_creation", VIDEO, api_key=MEMBER)
    ).code is ErrorCode.KP_ME_REQUIRED
    assert (await a.run("kp_me", api_key=MEMBER)).ok
    assert (await b.run("kp_create_creation", VIDEO, api_key=MEMBER)).ok


async def test_a_402_on_one_replica_halts_creates_on_the_other(
    replicas: tuple[Executor, Executor], sandbox: Sandbox
) -> None:
    a, b = replicas
    sandbox.add_account("kgp_spent_elsewhere", credits=100)
    assert (await a.run("kp_me", api_key="kgp_spent_elsewhere")).ok
    sandbox.account("kgp_spent_elsewhere").credits = 0
    assert (await a.run("kp_create_creation", VIDEO, api_key="kgp_spent_elsewhere")).code is (
        ErrorCode.INSUFFICIENT_CREDITS
    )
    posts = sandbox.count("POST", "/creations")
    refused = await b.run(
        "kp_create_creation", {**VIDEO, "prompt": "Other"}, api_key="kgp_spent_elsewhere"
    )
    assert refused.code is ErrorCode.INSUFFICIENT_CREDITS
    assert sandbox.count("POST", "/creations") == posts


async def test_the_same_create_sent_to_both_at_once_starts_one_job(
    replicas: tuple[Executor, Executor], sandbox: Sandbox
) -> None:
    a, b = replicas
    assert (await a.run("kp_me", api_key=MEMBER)).ok
    outcomes = await asyncio.gather(
        *(replica.run("kp_create_creation", VIDEO, api_key=MEMBER) for replica in (a, b, a, b))
    )
    assert all(o.ok for o in outcomes), outcomes
    assert len({o.data["job_id"] for o in outcomes if o.data}) == 1
    assert sandbox.count("POST", "/creations") == 1


async def test_redis_down_refuses_calls_with_state_unavailable(sandbox: Sandbox) -> None:
    store = RedisStateStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.3)
    executor = Executor(sandbox.client(), store=store, env={})
    outcome = await executor.run("kp_me", api_key=MEMBER)
    assert outcome.code is ErrorCode.STATE_UNAVAILABLE
    assert outcome.error is not None and "KP_STATE_URL" in (outcome.error.tell_user or "")
    assert (await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)).code is (
        ErrorCode.STATE_UNAVAILABLE
    )
    assert sandbox.count("POST") == 0

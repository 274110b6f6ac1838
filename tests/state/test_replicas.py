"""Two kp-mcp HTTP replicas behind nothing but Redis: one workflow state, wherever a call lands.

Real processes on loopback: a Redis server, ``kp-tools sandbox`` standing in for KPainter, and two
``kp-mcp --transport http --stateless`` replicas sharing ``KP_STATE_URL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import FREE, MEMBER
from tests.mcp.conftest import error_code, payload
from tests.processes import (
    KP_MCP,
    child_env,
    free_port,
    served_sandbox,
    start,
    stateless_replicas,
    stop,
    upstream_posts,
)
from tests.redis_server import redis_server

pytestmark = [pytest.mark.slow]

SLIDES = {"type": "slides_video", "prompt": "Replicas share one state", "scene_count": 3}


@dataclass
class Cluster:
    replica_a: str
    replica_b: str
    upstream: str

    def posts(self, path: str = "/creations") -> int:
        return upstream_posts(self.upstream, path)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("replicas")
    with (
        redis_server() as redis_url,
        served_sandbox(logs) as upstream,
        stateless_replicas(upstream, redis_url, logs, [([], {}), ([], {})]) as urls,
    ):
        yield Cluster(urls[0], urls[1], upstream)


@contextlib.asynccontextmanager
async def client(url: str, mode: str = "auto") -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as connected,
    ):
        yield connected


async def call(url: str, tool: str, arguments: dict[str, Any], key: str) -> Any:
    async with client(url) as connected:
        return await connected.call_tool(tool, {**arguments, "api_key": key})


async def test_kp_me_on_replica_a_lets_a_create_through_on_replica_b(cluster: Cluster) -> None:
    assert error_code(await call(cluster.replica_b, "kp_create_creation", SLIDES, MEMBER)) == (
        "kp_me_required"
    )
    assert payload(await call(cluster.replica_a, "kp_me", {}, MEMBER))["ok"]
    created = payload(await call(cluster.replica_b, "kp_create_creation", SLIDES, MEMBER))
    assert created["ok"] and created["result"]["job_id"]


async def test_a_402_on_replica_a_halts_creates_on_replica_b(cluster: Cluster) -> None:
    assert payload(await call(cluster.replica_a, "kp_me", {}, FREE))["ok"]  # sees 100 credits
    async with httpx.AsyncClient(base_url=cluster.upstream, headers={"X-KGP-Api-Key": FREE}) as api:
        for _ in range(5):  # the account is spent elsewhere (the KPainter site, another tool)
            drained = await api.post("/creations", json={"type": "slides_video", "prompt": "x"})
            assert drained.status_code == 200
    posts = cluster.posts()
    refused = await call(cluster.replica_a, "kp_create_creation", SLIDES, FREE)
    assert error_code(refused) == "insufficient_credits"
    assert cluster.posts() == posts + 1  # the one that met the 402
    halted = await call(
        cluster.replica_b, "kp_create_creation", {**SLIDES, "prompt": "Other"}, FREE
    )
    assert error_code(halted) == "insufficient_credits"
    assert payload(halted)["error"]["must_stop"] is True
    assert cluster.posts() == posts + 1  # replica B refused without asking KPainter


async def test_the_same_create_sent_to_both_replicas_at_once_starts_one_job(
    cluster: Cluster,
) -> None:
    assert payload(await call(cluster.replica_a, "kp_me", {}, MEMBER))["ok"]
    posts = cluster.posts()
    brief = {**SLIDES, "prompt": "Sent to both replicas at the same moment"}
    results = await asyncio.gather(
        *(
            call(url, "kp_create_creation", brief, MEMBER)
            for url in [cluster.replica_a, cluster.replica_b] * 3
        )
    )
    outcomes = [payload(result) for result in results]
    assert all(outcome["ok"] for outcome in outcomes), outcomes
    assert len({outcome["result"]["job_id"] for outcome in outcomes}) == 1
    assert cluster.posts() == posts + 1


async def test_both_protocol_revisions_work_against_stateless_replicas(cluster: Cluster) -> None:
    async with client(cluster.replica_b, mode="legacy") as legacy:
        assert payload(await legacy.call_tool("kp_me", {"api_key": MEMBER}))["ok"]
        listed = payload(await legacy.call_tool("kp_list_creations", {"api_key": MEMBER}))
        assert listed["result"]["total"] >= 1


def test_a_replica_refuses_to_start_when_redis_does_not_answer(tmp_path: Path) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    result = subprocess.run(
        [str(KP_MCP), "--transport", "http", "--stateless", "--port", str(free_port())],
        env=child_env(KP_STATE_URL=dead),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"KP_STATE_URL is set but the state store does not answer" in result.stderr


async def test_calls_are_refused_not_run_unchecked_when_redis_goes_away(
    tmp_path: Path,
) -> None:
    redis: contextlib.AbstractContextManager[str] | None = redis_server()
    redis_url = redis.__enter__()
    replica = None
    try:
        port = free_port()
        args = [str(KP_MCP), "--transport", "http", "--stateless", "--sandbox", "--port", str(port)]
        health = f"http://127.0.0.1:{port}/healthz"
        replica = start(args, child_env(KP_STATE_URL=redis_url), health, tmp_path / "replica.log")
        url = f"http://127.0.0.1:{port}/mcp"
        assert payload(await call(url, "kp_me", {}, MEMBER))["ok"]
        redis.__exit__(None, None, None)  # Redis goes away under a running replica
        redis = None
        outcome = await call(url, "kp_create_creation", SLIDES, MEMBER)
        assert error_code(outcome) == "state_unavailable"
        assert "KP_STATE_URL" in payload(outcome)["error"]["tell_user"]
    finally:
        if redis is not None:
            redis.__exit__(None, None, None)
        if replica is not None:
            stop(replica)

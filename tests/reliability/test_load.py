"""Many users on one kp-mcp HTTP server: nothing lost, nothing crossing keys, memory bounded.

Three processes on 127.0.0.1: the KPainter stand-in (``kp-tools sandbox``, accounts added over
its admin API), ``kp-mcp --transport http`` pointed at it, and this test with 50 concurrent MCP
clients over streamable HTTP, each with its own key: 40 members, 5 broke (no credits), 5 revoked.
Half send the key in the ``X-KGP-Api-Key`` header, half as the ``api_key`` argument; half use the
2026-07-28 protocol, half the 2025-11-25 handshake. Every client works in two phases on two
sessions (a reconnect in between), about 2,500 tool calls in all.

Asserted: every call that should succeed does (members: all of them); a broke key is told
``insufficient_credits`` and must stop, and no ``POST /creations`` of it reaches KPainter; a
revoked key gets ``invalid_api_key``, then ``kp_me_required`` (no other key's verification
unlocks it); no member is ever refused ``kp_me_required`` after its own ``kp_me`` (no
verification lost, even across sessions) nor halted (no halt crossing keys); a member reading
another member's creation gets ``not_found``; the server's resident memory after warm-up grows
by less than ``RSS_GROWTH_LIMIT_MIB`` over the run. Throughput and latency are printed
(one line; ``KP_LOAD_REPORT=path`` writes them all as JSON) and bounded loosely, so a slow CI
machine does not fail the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.processes import KP_MCP, KP_TOOLS, child_env, free_port, start, stop

pytestmark = [pytest.mark.slow]

MEMBERS, BROKE, REVOKED = 40, 5, 5
ROUNDS = 6  # per phase; a member round is create, job, detail, list (+ an edit every other)
RSS_GROWTH_LIMIT_MIB = 25.0  # after warm-up, over both phases (measured: +2 to +6)
WALL_LIMIT_SECONDS = 150.0  # the whole run; it takes ~30 s on 2 cores
VIDEO = {"type": "slides_video", "scene_count": 2}


@dataclass
class User:
    index: int
    role: str  # member, broke or revoked
    key: str
    by_header: bool
    mode: str
    results: list[tuple[str, str, float]] = field(default_factory=list)  # (tool, code, seconds)
    created: list[int] = field(default_factory=list)
    someone_elses: str | None = None  # the code seen reading another member's creation

    @property
    def prefix(self) -> str:
        return self.key[:8]  # what the sandbox's request log keeps


@dataclass
class Stack:
    upstream: str
    mcp_url: str
    pid: int
    upstream_pid: int
    log: Path


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("load")
    sandbox_port, mcp_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{sandbox_port}"
    sandbox = start(
        [str(KP_TOOLS), "sandbox", "--port", str(sandbox_port), "--job-seconds", "0"],
        child_env(),
        f"{upstream}/openapi/v1/health",
        logs / "sandbox.log",
    )
    try:
        server = start(
            [str(KP_MCP), "--transport", "http", "--port", str(mcp_port)],
            child_env(KGP_BASE_URL=f"{upstream}/openapi/v1"),
            f"http://127.0.0.1:{mcp_port}/healthz",
            logs / "kp-mcp.log",
        )
        try:
            mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
            yield Stack(upstream, mcp_url, server.pid, sandbox.pid, logs / "kp-mcp.log")
        finally:
            stop(server)
    finally:
        stop(sandbox)


def make_users() -> list[User]:
    roles = ["member"] * MEMBERS + ["broke"] * BROKE + ["revoked"] * REVOKED
    users = []
    for index, role in enumerate(roles):
        key = f"kgp_{index:03d}{role[0]}_{uuid.uuid4().hex}"  # the first 8 characters differ
        users.append(
            User(
                index, role, key, by_header=index % 2 == 0, mode=("auto", "legacy")[index // 2 % 2]
            )
        )
    return users


async def register(upstream: str, users: list[User]) -> None:
    async with httpx.AsyncClient(base_url=upstream) as admin:
        for user in users:
            account = {
                "key": user.key,
                "name": f"User {user.index}",
                "credits": {"member": 1_000_000, "broke": 0, "revoked": 1000}[user.role],
                "active": user.role != "revoked",
            }
            response = await admin.post("/_sandbox/accounts", json=account)
            assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def session(stack: Stack, user: User) -> AsyncIterator[Client]:
    headers = {"X-KGP-Api-Key": user.key} if user.by_header else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60)) as http,
        Client(streamable_http_client(stack.mcp_url, http_client=http), mode=user.mode) as client,
    ):
        yield client


async def call(client: Client, user: User, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    if not user.by_header:
        arguments = {**arguments, "api_key": user.key}
    started = time.perf_counter()
    result = await client.call_tool(tool, arguments)
    elapsed = time.perf_counter() - started
    payload = dict(result.structured_content or {})
    code = "ok" if payload.get("ok") else str(payload.get("error", {}).get("code"))
    assert result.is_error is (code != "ok")
    user.results.append((tool, code, elapsed))
    return payload


async def warm_up(client: Client, user: User) -> None:
    await call(client, user, "kp_me", {})
    await call(client, user, "kp_get_catalog", {"type": "slides_video"})


async def phase(client: Client, user: User, number: int) -> None:
    for round_ in range(ROUNDS):
        if user.role == "member":
            prompt = f"Load {user.index} phase {number} round {round_}"
            made = await call(client, user, "kp_create_creation", {**VIDEO, "prompt": prompt})
            if made.get("ok"):
                result = made["result"]
                user.created.append(result["creation_id"])
                await call(client, user, "kp_get_job_status", {"job_id": result["job_id"]})
                await call(client, user, "kp_get_creation", {"creation_id": result["creation_id"]})
                if round_ % 2:
                    edit = {
                        "creation_id": result["creation_id"],
                        "scene_id": "s1",
                        "action": "update_scene_narration",
                        "narration_text": f"Narration {user.index}/{number}/{round_}",
                    }
                    await call(client, user, "kp_edit_scene", edit)
            await call(client, user, "kp_list_creations", {"page_size": 5})
        else:  # broke and revoked keys keep trying; none of it may reach or affect anyone
            prompt = f"Load {user.index} phase {number} round {round_}"
            await call(client, user, "kp_create_creation", {**VIDEO, "prompt": prompt})
            await call(client, user, "kp_list_creations", {"page_size": 5})


async def read_someone_elses(client: Client, user: User, other: User) -> None:
    arguments: dict[str, Any] = {"creation_id": other.created[0]}
    if not user.by_header:
        arguments["api_key"] = user.key
    result = await client.call_tool("kp_get_creation", arguments)
    user.someone_elses = str((result.structured_content or {}).get("error", {}).get("code"))


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(int(p * len(ordered)), len(ordered) - 1)] * 1000

    return {
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


async def test_fifty_users_on_one_server(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    users = make_users()
    await register(stack.upstream, users)
    members = [u for u in users if u.role == "member"]
    alone = User(999, "member", f"kgp_999a_{uuid.uuid4().hex}", by_header=False, mode="auto")
    await register(stack.upstream, [alone])
    async with session(stack, alone) as client:  # one user, no contention: the baseline
        await warm_up(client, alone)
        for _ in range(30):
            await call(client, alone, "kp_list_creations", {"page_size": 5})
    baseline = summary([s for t, _, s in alone.results if t == "kp_list_creations"])
    began = time.monotonic()

    async def first_session(user: User) -> None:
        async with session(stack, user) as client:
            await warm_up(client, user)
            warmed.append(user)
            if len(warmed) == len(users):
                all_warm.set()
            await ready.wait()  # every user verified before the measured phases start
            await phase(client, user, 1)

    async def second_session(user: User) -> None:
        async with session(stack, user) as client:  # a new session: kp_me is not repeated
            await phase(client, user, 2)
            if user.role == "member":
                other = members[(members.index(user) + 1) % len(members)]
                await read_someone_elses(client, user, other)

    ready, all_warm = asyncio.Event(), asyncio.Event()
    warmed: list[User] = []
    first = [asyncio.create_task(first_session(u)) for u in users]
    await all_warm.wait()
    rss_start = rss_mib(stack.pid)
    cpu_start = cpu_seconds(stack.pid), cpu_seconds(stack.upstream_pid), time.process_time()
    calls_before = sum(len(u.results) for u in users)
    measured_from = time.monotonic()
    ready.set()
    await asyncio.gather(*first)
    rss_middle = rss_mib(stack.pid)
    await asyncio.gather(*(second_session(u) for u in users))
    measured_seconds = time.monotonic() - measured_from
    rss_end = rss_mib(stack.pid)
    cpu_used = (
        cpu_seconds(stack.pid) - cpu_start[0],
        cpu_seconds(stack.upstream_pid) - cpu_start[1],
        time.process_time() - cpu_start[2],
    )
    wall = time.monotonic() - began

    async with httpx.AsyncClient(base_url=stack.upstream) as admin:
        upstream_log = (await admin.get("/_sandbox/requests")).json()["requests"]

    # -- what every user saw --------------------------------------------------------------------
    for user in users:
        codes = [(tool, code) for tool, code, _ in user.results]
        if user.role == "member":
            assert all(c == "ok" for _, c in codes), (user.index, Counter(codes))
            assert user.someone_elses == "not_found"  # another member's creation
        elif user.role == "broke":
            assert codes[0] == ("kp_me", "ok")  # verified: it shows no credits, and halts
            creates = [c for t, c in codes if t == "kp_create_creation"]
            assert set(creates) == {"insufficient_credits"}, Counter(creates)
            assert all(c == "ok" for t, c in codes if t in ("kp_list_creations", "kp_get_catalog"))
        else:
            assert codes[0] == ("kp_me", "invalid_api_key")
            later = Counter(c for _, c in codes[1:])
            assert set(later) == {"kp_me_required"}, later

    # -- what reached KPainter ------------------------------------------------------------------
    posts = Counter(r["key_prefix"] for r in upstream_log if r["method"] == "POST")
    for user in users:
        if user.role != "member":
            assert posts[user.prefix] == 0, (user.role, posts[user.prefix])
    assert sum(posts[u.prefix] for u in members) == sum(
        1 for u in members for t, c, _ in u.results if t in ("kp_create_creation", "kp_edit_scene")
    )

    # -- figures ----------------------------------------------------------------------------------
    all_calls = sum(len(u.results) for u in users)
    figures: dict[str, Any] = {
        "users": len(users),
        "calls": all_calls,
        "measured_calls": all_calls - calls_before,
        "measured_seconds": round(measured_seconds, 1),
        "calls_per_second": round((all_calls - calls_before) / measured_seconds, 1),
        "kp_mcp_cpu_ms_per_call": round(cpu_used[0] * 1000 / (all_calls - calls_before), 2),
        "upstream_cpu_ms_per_call": round(cpu_used[1] * 1000 / (all_calls - calls_before), 2),
        "clients_cpu_ms_per_call": round(cpu_used[2] * 1000 / (all_calls - calls_before), 2),
        "one_user_alone_list_creations": baseline,
        "latency": summary([seconds for u in users for _, _, seconds in u.results]),
        "latency_by_tool": {
            tool: summary([s for u in users for t, _, s in u.results if t == tool])
            for tool in sorted({t for u in users for t, _, _ in u.results})
        },
        "rss_mib": {
            "start": round(rss_start, 1),
            "middle": round(rss_middle, 1),
            "end": round(rss_end, 1),
        },
        "wall_seconds": round(wall, 1),
    }
    latency = figures["latency"]
    with capsys.disabled():  # one line in every run; the whole set with KP_LOAD_REPORT=path
        print(
            f"\nload: {all_calls} calls by {len(users)} users, "
            f"{figures['calls_per_second']} calls/s, p50 {latency['p50_ms']} ms, "
            f"p99 {latency['p99_ms']} ms, kp-mcp {figures['kp_mcp_cpu_ms_per_call']} ms CPU/call, "
            f"RSS {rss_start:.0f}->{rss_middle:.0f}->{rss_end:.0f} MiB"
        )
    if report := os.environ.get("KP_LOAD_REPORT"):
        await asyncio.to_thread(Path(report).write_text, json.dumps(figures, indent=1) + "\n")

    assert all_calls >= 2000
    assert wall < WALL_LIMIT_SECONDS
    assert rss_end - rss_start < RSS_GROWTH_LIMIT_MIB, figures["rss_mib"]
    logged = stack.log.read_text(errors="replace")
    assert "Traceback" not in logged and " ERROR " not in logged
    assert not any(u.key in logged for u in users)

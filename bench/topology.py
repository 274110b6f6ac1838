"""7. The production topology: kp-mcp over streamable HTTP in front of the API on another socket.

Three processes besides the load generator: the sandbox served on a loopback port
(bench/fixtures/upstream_server.py, what ``kp-tools sandbox --port`` serves, with one member
key per simulated user), and the MCP servers pointed at it with ``KGP_BASE_URL``:

- ``kp-mcp --transport http``: every call goes through the executor and its client, over a real
  socket to the API;
- the bare SDK server making the same upstream requests with a plain ``httpx.AsyncClient``
  (bench/fixtures/bare_upstream_server.py): no workflow at all;
- the FastMCP fixture with the eight tools over kp-tools' executor (the peer).

The clients are :class:`bench.lean_client.LeanClient` (a 2026-07-28 ``tools/call`` as one JSON
POST), one keep-alive connection per user, so the two cores go to the servers rather than to
the SDK client's machinery. Measured, interleaved (A B C, C B A, ...):

1. per call at one client: ``kp_me``, ``kp_get_creation``, and a create followed by a bounded
   wait (``kp_create_creation`` then ``kp_get_job_status(wait_seconds=10)``; jobs end at once,
   so the wait is one upstream request), with the CPU each process spent per call;
2. where kp-mcp's server CPU goes on this topology, one part at a time (``kp_health``, one
   upstream request without a key): the SDK, kp-mcp's HTTP layers, the executor and MCP
   adapter, the upstream client (against the bare server's plain httpx request);
3. a load of 50 users, each with a key and a connection of their own, each running the same
   calls in turn back to back: latency percentiles per server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.common import (
    FIXTURES,
    Settings,
    fastmcp_command,
    free_port,
    kp_mcp_command,
    minimal_command,
    peer_env,
    proc_cpu_seconds,
    server_env,
    start_http_server,
    stop,
)
from bench.lean_client import LeanClient
from bench.report import Check, Section, Table
from bench.stats import summarize
from kp_tools.mcp.heap import collections_paused

NAME = "topology"
USERS = 50
P99_LIMIT = 1.2  # issue 16: kp-mcp's p99 under the 50-user load, against the bare server
KP_MCP = "kp-mcp"
BARE = "bare SDK server + httpx"
FASTMCP = "FastMCP, the eight tools"
ORDER = (KP_MCP, BARE, FASTMCP)
OPERATIONS = ("kp_me", "kp_get_creation", "create + bounded wait")
WAIT_SECONDS = 10
_prompts = itertools.count()


def user_key(index: int) -> str:
    return f"kgp_bench_user_{index:02d}"


@dataclass(frozen=True, slots=True)
class Server:
    label: str
    url: str
    pid: int


@dataclass(slots=True)
class User:
    """One session with one key, and the creation it reads."""

    session: LeanClient
    key: str
    creation_id: int = 0
    turn: int = 0

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, {"api_key": self.key, **arguments})
        content: dict[str, Any] = dict(result.get("structuredContent") or {})
        inner = content.get("result", content)  # kp-mcp and FastMCP wrap the API's answer
        return dict(inner)

    async def operation(self, name: str) -> None:
        if name == "kp_me":
            await self.call("kp_me")
        elif name == "kp_get_creation":
            await self.call("kp_get_creation", creation_id=self.creation_id)
        else:
            await self.create_and_wait()

    async def create_and_wait(self) -> int:
        started = await self.call(
            "kp_create_creation",
            type="slides_video",
            prompt=f"How tides work, part {next(_prompts)}",  # never a repeat (no dedupe)
            scene_count=4,
        )
        job = await self.call("kp_get_job_status", job_id=started["job_id"], wait_seconds=10)
        if job.get("status") != "succeeded":
            raise RuntimeError(f"the job did not finish: {job}")
        return int(started["creation_id"])


@dataclass(slots=True)
class Run:
    operations: int
    seconds: float
    latencies_ms: list[float]
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per operation, by process


@contextlib.contextmanager
def topology(users: int) -> Iterator[tuple[dict[str, Server], int]]:
    """The upstream and the three servers in front of it; yields them and the upstream's pid."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], port: int, env: dict[str, str]) -> int:
        process = start_http_server(command, port, env, timeout=60)
        processes.append(process)
        return process.pid

    try:
        api_port = free_port()
        upstream = [sys.executable, str(FIXTURES / "upstream_server.py"), str(api_port)]
        api_pid = start([*upstream, str(users)], api_port, server_env())
        api = {"KGP_BASE_URL": f"http://127.0.0.1:{api_port}/openapi/v1"}
        servers: dict[str, Server] = {}
        for label, command, env in (
            (KP_MCP, [*kp_mcp_command(), "--transport", "http", "--port"], server_env(api)),
            (BARE, [sys.executable, str(FIXTURES / "bare_upstream_server.py")], server_env(api)),
            (FASTMCP, [*fastmcp_command("kp", "http"), "--port"], peer_env(api)),
        ):
            port = free_port()
            pid = start([*command, str(port)], port, env)
            servers[label] = Server(label, f"http://127.0.0.1:{port}/mcp", pid)
        yield servers, api_pid
    finally:
        for process in processes:
            stop(process)


async def open_users(server: Server, count: int) -> list[User]:
    """``count`` clients, user ``i`` with key ``i``: verified, with one creation to read."""
    users = [User(LeanClient(server.url), user_key(index)) for index in range(count)]

    async def prepare(user: User) -> None:
        await user.call("kp_me")
        user.creation_id = await user.create_and_wait()
        for name in OPERATIONS:  # warm-up
            await user.operation(name)

    await asyncio.gather(*(prepare(user) for user in users))
    return users


@contextlib.asynccontextmanager
async def _users(servers: dict[str, Server], count: int) -> AsyncIterator[dict[str, list[User]]]:
    opened: dict[str, list[User]] = {}
    try:
        for label in ORDER:
            opened[label] = await open_users(servers[label], count)
        yield opened
    finally:
        for users in opened.values():
            for user in users:
                await user.session.aclose()


async def drive(
    users: list[User], work: Callable[[User], Awaitable[None]], seconds: float, pids: dict[str, int]
) -> Run:
    """Every user runs ``work`` back to back for ``seconds``; CPU per operation by process."""
    latencies: list[float] = []
    # The load generator's own garbage collections would land inside whichever server's call
    # was in flight: in a few seconds it makes too little garbage to need any.
    gc.collect()
    stop_at = time.perf_counter() + seconds
    before = {label: proc_cpu_seconds(pid) for label, pid in pids.items()}
    own = time.process_time()

    async def loop(user: User) -> None:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await work(user)
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    with collections_paused():
        await asyncio.gather(*(loop(user) for user in users))
    took = time.perf_counter() - started
    count = max(len(latencies), 1)
    cpu = {
        label: (proc_cpu_seconds(pid) - before[label]) * 1000 / count for label, pid in pids.items()
    }
    cpu["load generator"] = (time.process_time() - own) * 1000 / count
    return Run(len(latencies), took, latencies, cpu)


def _per_call_work(name: str) -> Callable[[User], Awaitable[None]]:
    async def work(user: User) -> None:
        await user.operation(name)

    return work


async def _mixed(user: User) -> None:
    """The user's next operation, each in turn: what a team's agents do, reads and paid work."""
    user.turn += 1
    await user.operation(OPERATIONS[user.turn % len(OPERATIONS)])


async def _measure(settings: Settings) -> dict[str, Any]:
    seconds = settings.seconds(3.0, 1.0, 0.2)
    rounds = settings.pick(4, 2, 1)
    load_seconds = settings.seconds(6.0, 2.0, 0.3)
    users = settings.pick(USERS, USERS, 3)
    per_call: dict[str, dict[str, list[Run]]] = {name: {} for name in OPERATIONS}
    load: dict[str, list[Run]] = {label: [] for label in ORDER}
    with topology(users) as (servers, api_pid):
        async with _users(servers, 1) as opened:
            for name in OPERATIONS:
                for i in range(rounds):
                    for label in ORDER if i % 2 == 0 else reversed(ORDER):
                        pids = {"server": servers[label].pid, "API": api_pid}
                        run = await drive(opened[label], _per_call_work(name), seconds, pids)
                        per_call[name].setdefault(label, []).append(run)
        async with _users(servers, users) as crowd:
            for i in range(rounds):
                for label in ORDER if i % 2 == 0 else reversed(ORDER):
                    pids = {"server": servers[label].pid, "API": api_pid}
                    load[label].append(await drive(crowd[label], _mixed, load_seconds, pids))
    return {"per_call": per_call, "load": load, "users": users}


ATTRIBUTION = (
    ("minimal SDK server (no upstream)", "minimal", "ping"),
    ("the same, behind kp-mcp's HTTP layers", "sdk-in-kp-layers", "ping"),
    ("kp-mcp, upstream answered without a request", "kp-stub-upstream", "kp_health"),
    ("kp-mcp, upstream over the socket", "kp-mcp", "kp_health"),
    ("bare SDK server + httpx, upstream over the socket", "bare", "kp_health"),
    (
        "kp-mcp with httpx's `build_request`, upstream over the socket",
        "kp-build-request",
        "kp_health",
    ),
)


async def _attribution(settings: Settings) -> dict[str, list[float]]:
    """Server CPU per ``kp_health`` (or ``ping``) call at one client, one part at a time."""
    seconds, rounds = settings.seconds(3.0, 1.0, 0.2), settings.pick(4, 2, 1)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        api_port = free_port()
        upstream = [sys.executable, str(FIXTURES / "upstream_server.py"), str(api_port), "0"]
        processes.append(start_http_server(upstream, api_port, server_env(), timeout=60))
        api = {"KGP_BASE_URL": f"http://127.0.0.1:{api_port}/openapi/v1"}
        commands = {
            "minimal": minimal_command("http", "--port"),
            "sdk-in-kp-layers": [sys.executable, str(FIXTURES / "variant_server.py")],
            "kp-stub-upstream": [sys.executable, str(FIXTURES / "variant_server.py")],
            "kp-mcp": [*kp_mcp_command(), "--transport", "http", "--port"],
            "bare": [sys.executable, str(FIXTURES / "bare_upstream_server.py")],
            "kp-build-request": [sys.executable, str(FIXTURES / "variant_server.py")],
        }
        targets: dict[str, tuple[str, int, str]] = {}
        for label, variant, tool in ATTRIBUTION:
            port = free_port()
            command = commands[variant]
            if command[-1].endswith("variant_server.py"):
                command = [*command, variant]
            process = start_http_server([*command, str(port)], port, server_env(api), timeout=60)
            processes.append(process)
            targets[label] = (f"http://127.0.0.1:{port}/mcp", process.pid, tool)
        results: dict[str, list[float]] = {label: [] for label in targets}
        clients = {label: LeanClient(url) for label, (url, _, _) in targets.items()}
        try:
            for label, (_, _, tool) in targets.items():
                for _ in range(3):
                    await clients[label].call_tool(tool, {})
            order = list(targets)
            for i in range(rounds):
                for label in order if i % 2 == 0 else reversed(order):
                    _, pid, tool = targets[label]
                    cpu, calls = proc_cpu_seconds(pid), 0
                    stop_at = time.perf_counter() + seconds
                    while time.perf_counter() < stop_at:
                        await clients[label].call_tool(tool, {})
                        calls += 1
                    results[label].append((proc_cpu_seconds(pid) - cpu) * 1000 / max(calls, 1))
        finally:
            for client in clients.values():
                await client.aclose()
        return results
    finally:
        for process in processes:
            stop(process)


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def run(settings: Settings) -> Section:
    measured = asyncio.run(_measure(settings))
    attribution = asyncio.run(_attribution(settings))
    users = measured["users"]
    section = Section(
        name=NAME,
        title="7. Production topology: the API behind a socket",
        method=(
            "The sandbox served on a loopback port (one member key per user) and, pointed at it "
            "with `KGP_BASE_URL`: `kp-mcp --transport http`, the bare SDK server making the same "
            "upstream requests with a plain `httpx.AsyncClient`, and the FastMCP fixture with "
            "the eight tools over kp-tools' executor. The clients are lean 2026-07-28 JSON "
            "POSTs in this process (`bench/lean_client.py`, one connection per user); targets "
            "alternate round by round. *create + bounded wait* is "
            f"`kp_create_creation` then `kp_get_job_status(wait_seconds={WAIT_SECONDS})` (jobs "
            "end at once: one upstream poll). CPU per call is each process's user+system time "
            "(`/proc/<pid>/stat`) over the operations answered; *load generator* is this "
            "process."
        ),
        data={"attribution_cpu_ms": attribution},
    )
    per_call = Table(
        ["call", "server", "p50", "p99", "server CPU", "API CPU", "load generator CPU"],
        title="one client, per operation (latency in ms, CPU per operation)",
    )
    for name, by_server in measured["per_call"].items():
        for label in ORDER:
            runs = by_server[label]
            stats = summarize([x for run in runs for x in run.latencies_ms])
            cpu = {
                part: statistics.median(run.cpu_ms[part] for run in runs)
                for part in ("server", "API", "load generator")
            }
            per_call.rows.append(
                [
                    f"`{name}`" if name.startswith("kp_") else name,
                    label,
                    f"{stats.median:.1f}",
                    f"{stats.p99:.1f}",
                    _ms(cpu["server"]),
                    _ms(cpu["API"]),
                    _ms(cpu["load generator"]),
                ]
            )
            section.data[f"per_call:{name}:{label}"] = {"latency_ms": asdict(stats), "cpu_ms": cpu}
    section.tables.append(per_call)

    split = Table(
        ["server", "server CPU/call", "added by this part"],
        title="where the server CPU per call goes on this topology (`kp_health`, 1 client)",
    )
    cpu = {label: statistics.median(values) for label, values in attribution.items()}
    labels = [label for label, _, _ in ATTRIBUTION]
    parts = ("—", "HTTP layers", "executor and MCP adapter", "upstream client (kp-tools)")
    for index, label in enumerate(labels[:4]):
        step = cpu[label] - cpu[labels[index - 1]] if index else 0.0
        split.rows.append(
            [label, _ms(cpu[label]), f"{parts[index]}: {step:+.2f} ms" if index else "—"]
        )
    bare_step = cpu[labels[4]] - cpu[labels[0]]
    split.rows.append(
        [labels[4], _ms(cpu[labels[4]]), f"SDK to httpx request: {bare_step:+.2f} ms"]
    )
    # What KPainterClient._request saves by not calling build_request (kp_tools/client.py).
    plain, ours = cpu[labels[5]], cpu[labels[3]]
    split.rows.append(
        [labels[5], _ms(plain), f"against kp-mcp: {plain - ours:+.2f} ms ({ours / plain:.2f}x)"]
    )
    section.tables.append(split)

    columns = ["server", "operations/s", "p50", "p95", "p99", "server CPU/op"]
    load = Table(
        [*columns, "load generator CPU/op", "p99 ratio"],
        title=f"{users} users at once, each with its own key, each running the three operations "
        "in turn, back to back (latency per operation, ms)",
    )
    summaries = {}
    for label in ORDER:
        runs = measured["load"][label]
        summaries[label] = stats = summarize([x for run in runs for x in run.latencies_ms])
        section.data[f"load:{label}"] = {
            "latencies_ms": {"median": stats.median, "p95": stats.p95, "p99": stats.p99},
            "throughput_per_round": [run.operations / run.seconds for run in runs],
        }
    for label in ORDER:
        runs, stats = measured["load"][label], summaries[label]
        load.rows.append(
            [
                label,
                f"{statistics.median(run.operations / run.seconds for run in runs):.0f}",
                f"{stats.median:.1f}",
                f"{stats.p95:.1f}",
                f"{stats.p99:.1f}",
                _ms(statistics.median(run.cpu_ms["server"] for run in runs)),
                _ms(statistics.median(run.cpu_ms["load generator"] for run in runs)),
                f"{stats.p99 / summaries[BARE].p99:.2f}x",
            ]
        )
    section.tables.append(load)
    ours, bare, peer = summaries[KP_MCP].p99, summaries[BARE].p99, summaries[FASTMCP].p99
    section.checks.append(
        Check(
            target=f"p99 under {users} users, production topology",
            measured=f"{ours / bare:.2f}x ({ours:.0f} ms vs {bare:.0f} ms)",
            limit=f"≤ {P99_LIMIT}x the bare SDK server + httpx",
            met=ours / bare <= P99_LIMIT,
        )
    )
    section.checks.append(
        Check(
            target=f"p99 under {users} users, production topology, vs FastMCP",
            measured=f"{ours / peer:.2f}x ({ours:.0f} ms vs {peer:.0f} ms)",
            limit="≤ 1.0x the FastMCP fixture",
            met=ours <= peer,
        )
    )
    return section

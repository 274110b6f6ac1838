"""8. Both cores: ``kp-mcp --transport http --workers 2`` against ``--workers 1``.

The production topology of bench/topology.py with the shared state store the workers need: a
real ``redis-server`` on a loopback port (``KP_STATE_URL``, given to both configurations, so both
pay for the same store), the sandbox served on a port as the API (``KGP_BASE_URL``), and kp-mcp
with one worker and with two, both running at once (the idle one costs nothing). Each simulated
client has its own key and its own keep-alive connection and calls ``kp_me`` (one upstream
request, a verification written to Redis) back to back; rounds alternate the two servers.

The load generator is :class:`bench.lean_client.LeanClient` (the 2026-07-28 request as a plain
JSON POST, about a fifth of the SDK client's CPU per call), because it shares the two cores
with everything it measures; its CPU per call is reported, with the API's, Redis's and kp-mcp's
(all its worker processes). uvicorn's workers share one listening socket and the kernel hands
each new connection to whichever worker accepts first, so the split need not be even: each
worker's share of kp-mcp's CPU is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    FIXTURES,
    Settings,
    free_port,
    kp_mcp_command,
    proc_cpu_seconds,
    server_env,
    start_http_server,
    stop,
)
from bench.lean_client import LeanClient
from bench.report import Check, Section, Table
from bench.stats import summarize
from bench.topology import user_key

NAME = "workers"
LIMIT = 1.3  # issue 16: 2 workers at least 1.3x the throughput of 1
LEVELS = (8, 32)
TOOL = "kp_me"


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    url: str
    supervisor: int

    def pids(self) -> list[int]:
        """The worker processes (children of uvicorn's supervisor), or the one process."""
        children: list[int] = []
        for task in Path(f"/proc/{self.supervisor}/task").iterdir():
            text = (task / "children").read_text(encoding="utf-8").split()
            children += [int(pid) for pid in text]
        # multiprocessing's spawn also starts a resource tracker: only Python workers count
        return [pid for pid in children if _is_worker(pid)] or [self.supervisor]


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"resource_tracker" not in cmdline


@dataclass(slots=True)
class Round:
    calls: int
    seconds: float
    latencies_ms: list[float]
    cpu_ms: dict[str, float] = field(default_factory=dict)
    worker_shares: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds


@contextlib.contextmanager
def redis() -> Iterator[tuple[str, int]]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = start_http_server([*command, "--appendonly", "no"], port, server_env())
    try:
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        stop(process)


@contextlib.contextmanager
def deployment(clients: int) -> Iterator[tuple[dict[str, Target], dict[str, int]]]:
    processes: list[subprocess.Popen[bytes]] = []
    with redis() as (redis_url, redis_pid):
        try:
            api_port = free_port()
            upstream = [sys.executable, str(FIXTURES / "upstream_server.py"), str(api_port)]
            api = start_http_server([*upstream, str(clients)], api_port, server_env(), timeout=60)
            processes.append(api)
            env = server_env(
                {
                    "KGP_BASE_URL": f"http://127.0.0.1:{api_port}/openapi/v1",
                    "KP_STATE_URL": redis_url,
                }
            )
            targets = {}
            for workers in (1, 2):
                port = free_port()
                command = [*kp_mcp_command(), "--transport", "http", "--port", str(port)]
                command += ["--workers", str(workers)]
                process = start_http_server(command, port, env, timeout=90)
                processes.append(process)
                label = f"kp-mcp --workers {workers}"
                targets[label] = Target(label, f"http://127.0.0.1:{port}/mcp", process.pid)
            yield targets, {"API": api.pid, "Redis": redis_pid}
        finally:
            for process in processes:
                stop(process)


async def _open(target: Target, clients: int) -> list[tuple[LeanClient, str]]:
    opened = []
    for index in range(clients):
        client, key = LeanClient(target.url), user_key(index)
        for _ in range(3):
            await client.call_tool(TOOL, {"api_key": key})
        opened.append((client, key))
    return opened


async def _round(
    target: Target, opened: list[tuple[LeanClient, str]], seconds: float, others: dict[str, int]
) -> Round:
    latencies: list[float] = []
    workers = target.pids()
    before = {pid: proc_cpu_seconds(pid) for pid in workers}
    other_before = {label: proc_cpu_seconds(pid) for label, pid in others.items()}
    own = time.process_time()
    stop_at = time.perf_counter() + seconds

    async def loop(client: LeanClient, key: str) -> None:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await client.call_tool(TOOL, {"api_key": key})
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(loop(client, key) for client, key in opened))
    took = time.perf_counter() - started
    calls = max(len(latencies), 1)
    spent = {pid: proc_cpu_seconds(pid) - before[pid] for pid in workers}
    total = sum(spent.values())
    cpu = {"kp-mcp": total * 1000 / calls}
    for label, pid in others.items():
        cpu[label] = (proc_cpu_seconds(pid) - other_before[label]) * 1000 / calls
    cpu["load generator"] = (time.process_time() - own) * 1000 / calls
    shares = sorted((value / total if total else 0.0 for value in spent.values()), reverse=True)
    return Round(len(latencies), took, latencies, cpu, shares)


async def _measure(settings: Settings) -> dict[int, dict[str, list[Round]]]:
    seconds, rounds = settings.seconds(3.0, 1.5, 0.3), settings.pick(4, 2, 1)
    levels = (2,) if settings.smoke else LEVELS
    results: dict[int, dict[str, list[Round]]] = {}
    with deployment(max(levels)) as (targets, others):
        for level in levels:
            opened = {label: await _open(target, level) for label, target in targets.items()}
            order = list(targets)
            try:
                for i in range(rounds):
                    for label in order if i % 2 == 0 else reversed(order):
                        run = await _round(targets[label], opened[label], seconds, others)
                        results.setdefault(level, {}).setdefault(label, []).append(run)
            finally:
                for clients in opened.values():
                    for client, _ in clients:
                        await client.aclose()
    return results


def run(settings: Settings) -> Section:
    results = asyncio.run(_measure(settings))
    table = Table(
        [
            "clients",
            "server",
            "calls/s",
            "p50",
            "p99",
            "kp-mcp CPU/call",
            "API CPU/call",
            "Redis CPU/call",
            "load generator CPU/call",
            "workers' shares",
            "ratio",
        ],
        title=f"`{TOOL}` over streamable HTTP, each client its own key and connection "
        "(latency in ms)",
    )
    section = Section(
        name=NAME,
        title="8. Both cores: one worker against two",
        method=(
            "`kp-mcp --transport http --workers N` with `KP_STATE_URL` (a real `redis-server`) "
            "and `KGP_BASE_URL` (the sandbox served on a loopback port), N = 1 and 2, running "
            "at once; clients are lean 2026-07-28 JSON POSTs (bench/lean_client.py), one "
            f"connection and one key each, calling `{TOOL}` back to back; rounds alternate the "
            "servers. CPU per call from `/proc/<pid>/stat` for every kp-mcp worker, the API, "
            "Redis, and this process (the load generator, on the same two cores)."
        ),
        tables=[table],
    )
    one, two = "kp-mcp --workers 1", "kp-mcp --workers 2"
    for level, by_server in results.items():
        pairs = zip(by_server[one], by_server[two], strict=True)
        ratios = [b.throughput / a.throughput for a, b in pairs]
        for label, runs in by_server.items():
            stats = summarize([x for run in runs for x in run.latencies_ms])

            def cpu(part: str, runs: list[Round] = runs) -> str:
                values = [run.cpu_ms[part] for run in runs if part in run.cpu_ms]
                return f"{statistics.median(values):.2f} ms" if values else "—"

            count = min(len(run.worker_shares) for run in runs)
            shares = [statistics.median(run.worker_shares[i] for run in runs) for i in range(count)]
            table.rows.append(
                [
                    str(level),
                    label,
                    f"{statistics.median(run.throughput for run in runs):.0f}",
                    f"{stats.median:.1f}",
                    f"{stats.p99:.1f}",
                    cpu("kp-mcp"),
                    cpu("API"),
                    cpu("Redis"),
                    cpu("load generator"),
                    " / ".join(f"{share:.0%}" for share in shares),
                    "1.00x" if label == one else f"{statistics.median(ratios):.2f}x",
                ]
            )
            section.data[f"{level}:{label}"] = {
                "throughput_per_round": [run.throughput for run in runs],
                "cpu_ms_per_call": [run.cpu_ms for run in runs],
                "worker_shares": [run.worker_shares for run in runs],
            }
        r = statistics.median(ratios)
        section.checks.append(
            Check(
                target=f"2 workers vs 1, {level} clients",
                measured=f"{r:.2f}x throughput",
                limit=f"≥ {LIMIT}x",
                met=r >= LIMIT,
            )
        )
    return section

"""8. Both cores: ``kp-mcp --transport http --workers 2`` against ``--workers 1``.

The production topology of bench/topology.py with the shared state store the workers need: a
real ``redis-server`` on a loopback port (``KP_STATE_URL``, given to both configurations, so both
pay for the same store), the sandbox served on a port as the API (``KGP_BASE_URL``), and kp-mcp
with one worker and with two, both running at once (the idle one costs nothing). Each simulated
client has its own key and its own keep-alive connection and calls ``kp_me`` (one upstream
request, a verification written to Redis) back to back; rounds alternate the two servers.

The load generator is ``wrk`` (Debian package ``wrk``) with bench/fixtures/tool_call.lua: the
2026-07-28 request as a plain JSON POST, from C, at about 0.07 ms of CPU per call. It shares the
two cores with everything it measures, and the Python load generator of the other sections
(bench/lean_client.py, about 1 ms per call) took a third of what one worker left idle: on two
cores that alone capped two workers at about 1.2x one. Its CPU per call is reported, with the
API's, Redis's and kp-mcp's (all its worker processes), and each worker's share of kp-mcp's CPU.
wrk opens all its connections at once, which is when connections can pile onto one worker.
"""

from __future__ import annotations

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
from bench.report import Check, Section, Table
from bench.wrk import run_wrk

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
    latencies_ms: list[float]  # wrk's p50 and p99 of the round
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
                wait_for_listeners(port, workers)  # every worker ready before any round
                label = f"kp-mcp --workers {workers}"
                targets[label] = Target(label, f"http://127.0.0.1:{port}/mcp", process.pid)
            yield targets, {"API": api.pid, "Redis": redis_pid}
        finally:
            for process in processes:
                stop(process)


def wait_for_listeners(port: int, count: int, timeout: float = 60) -> None:
    """Wait until ``count`` sockets listen on ``port`` (each worker its own, on Linux)."""
    deadline = time.monotonic() + timeout
    while _listening(port) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} sockets listen on port {port}")
        time.sleep(0.05)


def _listening(port: int) -> int:
    hex_port = f":{port:04X} "
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as lines:
            for line in lines:
                fields = line.split()
                if len(fields) > 3 and fields[3] == "0A" and (fields[1] + " ").endswith(hex_port):
                    count += 1
    return count


def _round(target: Target, clients: int, seconds: int, others: dict[str, int]) -> Round:
    workers = target.pids()
    before = {pid: proc_cpu_seconds(pid) for pid in workers}
    other_before = {label: proc_cpu_seconds(pid) for label, pid in others.items()}
    run = run_wrk(
        target.url, TOOL, clients=clients, seconds=seconds, server_pids=workers, keyed=True
    )
    spent = {pid: proc_cpu_seconds(pid) - before[pid] for pid in workers}
    total = sum(spent.values())
    cpu = {"kp-mcp": run.server_cpu_ms}
    for label, pid in others.items():
        cpu[label] = (proc_cpu_seconds(pid) - other_before[label]) * 1000 / run.calls
    cpu["load generator"] = run.generator_cpu_ms
    shares = sorted((value / total if total else 0.0 for value in spent.values()), reverse=True)
    return Round(run.calls, run.seconds, [run.p50_ms, run.p99_ms], cpu, shares)


def _measure(settings: Settings) -> dict[int, dict[str, list[Round]]]:
    seconds, rounds = settings.pick(4, 2, 1), settings.pick(6, 2, 1)  # wrk: whole seconds
    levels = (2,) if settings.smoke else LEVELS
    results: dict[int, dict[str, list[Round]]] = {}
    with deployment(max(levels)) as (targets, others):
        for level in levels:
            for target in targets.values():  # warm-up: every worker has served this many keys
                _round(target, level, 1, others)
            order = list(targets)
            for i in range(rounds):
                for label in order if i % 2 == 0 else reversed(order):
                    run = _round(targets[label], level, seconds, others)
                    results.setdefault(level, {}).setdefault(label, []).append(run)
    return results


def run(settings: Settings) -> Section:
    results = _measure(settings)
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
            "at once; the load generator is `wrk` with bench/fixtures/tool_call.lua (2026-07-28 "
            f"JSON POSTs), one connection and one key per client, calling `{TOOL}` back to "
            "back; rounds alternate the servers; p50 and p99 are wrk's, the median over rounds. "
            "CPU per call from `/proc/<pid>/stat` for every kp-mcp worker, the API and Redis, "
            "and wrk's own (on the same two cores). On Linux each worker listens on its own "
            "`SO_REUSEPORT` socket; the section waits until all of them listen."
        ),
        tables=[table],
    )
    one, two = "kp-mcp --workers 1", "kp-mcp --workers 2"
    for level, by_server in results.items():
        pairs = zip(by_server[one], by_server[two], strict=True)
        ratios = [b.throughput / a.throughput for a, b in pairs]
        for label, runs in by_server.items():
            p50 = statistics.median(run.latencies_ms[0] for run in runs)
            p99 = statistics.median(run.latencies_ms[1] for run in runs)

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
                    f"{p50:.1f}",
                    f"{p99:.1f}",
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

"""9. uvloop and httptools under kp-mcp's HTTP server.

uvicorn picks its event loop and HTTP parser with ``loop="auto"`` and ``http="auto"``: uvloop and
httptools when they can be imported, else asyncio and h11. kp-mcp calls ``uvicorn.run`` with
those defaults, so installing the two packages is all it takes; this section measures whether
that pays. The same app (``kp_tools.mcp.workers:app_from_env``, what ``kp-mcp --transport http
--sandbox`` serves) is started four times by uvicorn's own command line, once per combination of
``--loop asyncio|uvloop`` and ``--http h11|httptools``, all with the two packages importable
(bench/peer_env.py); clients call ``kp_me`` back to back, rounds alternate the servers. Clients
are lean 2026-07-28 JSON POSTs (bench/lean_client.py), so that the servers' differences are not
hidden behind the SDK client's CPU on the same two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bench.common import (
    KEY,
    Settings,
    free_port,
    peer_env,
    proc_cpu_seconds,
    start_http_server,
    stop,
)
from bench.lean_client import LeanClient
from bench.report import Section, Table
from bench.stats import summarize

NAME = "speed"
LEVELS = (1, 8)
VARIANTS = (
    ("asyncio", "h11"),
    ("uvloop", "h11"),
    ("asyncio", "httptools"),
    ("uvloop", "httptools"),
)
TOOL = "kp_me"


@dataclass(frozen=True, slots=True)
class Sample:
    throughput: float
    cpu_ms: float
    latencies_ms: list[float]


@dataclass(frozen=True, slots=True)
class Server:
    label: str
    url: str
    pid: int


@contextlib.contextmanager
def servers() -> Iterator[list[Server]]:
    from kp_tools.mcp.workers import APP_FACTORY, ENV_WORKER_SETTINGS, WorkerSettings

    processes: list[subprocess.Popen[bytes]] = []
    try:
        running = []
        for loop, http in VARIANTS:
            port = free_port()
            settings = WorkerSettings(port=port, stateless=False, sandbox=True)
            env = peer_env({ENV_WORKER_SETTINGS: settings.to_env()})
            command = [sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY]
            command += ["--port", str(port), "--loop", loop, "--http", http]
            command += ["--log-level", "warning", "--no-access-log", "--no-server-header"]
            process = start_http_server(command, port, env, timeout=60)
            processes.append(process)
            label = f"`--loop {loop} --http {http}`"
            running.append(Server(label, f"http://127.0.0.1:{port}/mcp", process.pid))
        yield running
    finally:
        for process in processes:
            stop(process)


async def _round(server: Server, clients: list[LeanClient], seconds: float) -> Sample:
    latencies: list[float] = []
    cpu = proc_cpu_seconds(server.pid)
    stop_at = time.perf_counter() + seconds

    async def loop(client: LeanClient) -> None:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await client.call_tool(TOOL, {"api_key": KEY})
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(loop(client) for client in clients))
    took = time.perf_counter() - started
    calls = max(len(latencies), 1)
    return Sample(
        len(latencies) / took, (proc_cpu_seconds(server.pid) - cpu) * 1000 / calls, latencies
    )


async def _measure(settings: Settings) -> dict[int, dict[str, list[Sample]]]:
    seconds, rounds = settings.seconds(3.0, 1.0, 0.3), settings.pick(4, 2, 1)
    levels = (1,) if settings.smoke else LEVELS
    results: dict[int, dict[str, list[Sample]]] = {}
    with servers() as running:
        for level in levels:
            opened = {
                server.label: [LeanClient(server.url) for _ in range(level)] for server in running
            }
            try:
                for clients in opened.values():
                    for client in clients:
                        for _ in range(3):
                            await client.call_tool(TOOL, {"api_key": KEY})
                for i in range(rounds):
                    for server in running if i % 2 == 0 else list(reversed(running)):
                        run = await _round(server, opened[server.label], seconds)
                        results.setdefault(level, {}).setdefault(server.label, []).append(run)
            finally:
                for clients in opened.values():
                    for client in clients:
                        await client.aclose()
    return results


def run(settings: Settings) -> Section:
    results = asyncio.run(_measure(settings))
    table = Table(
        ["clients", "uvicorn", "calls/s", "p50", "p99", "server CPU/call", "CPU ratio"],
        title=f"`{TOOL}` on kp-mcp's app (sandbox in-process), latency in ms; CPU ratio against "
        "asyncio + h11",
    )
    section = Section(
        name=NAME,
        title="9. uvloop and httptools",
        method=(
            "`python -m uvicorn --factory kp_tools.mcp.workers:app_from_env` with each "
            "`--loop`/`--http` combination, the app of `kp-mcp --transport http --sandbox`; "
            "lean 2026-07-28 clients; rounds alternate the four servers. Server CPU per call "
            "from `/proc/<pid>/stat`."
        ),
        tables=[table],
    )
    for level, by_server in results.items():
        base: float | None = None
        for label, runs in by_server.items():
            cpu = statistics.median(run.cpu_ms for run in runs)
            base = cpu if base is None else base
            stats = summarize([x for run in runs for x in run.latencies_ms])
            throughput = statistics.median(run.throughput for run in runs)
            table.rows.append(
                [
                    str(level),
                    label,
                    f"{throughput:.0f}",
                    f"{stats.median:.2f}",
                    f"{stats.p99:.2f}",
                    f"{cpu:.3f} ms",
                    f"{cpu / base:.2f}x",
                ]
            )
            section.data[f"{level}:{label}"] = {"cpu_ms": cpu, "throughput": throughput}
    return section

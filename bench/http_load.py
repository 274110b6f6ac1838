"""4. HTTP MCP throughput and latency: ``kp-mcp --transport http`` against the minimal SDK server.

Both servers run as subprocesses on loopback ports at the same time (the idle one costs
nothing). The load generator is this process: N concurrent ``mcp.Client(url)`` sessions
(streamable HTTP, the SDK's default 2026-07-28 mode), each calling one tool in a loop for a fixed
time: ``kp_me`` on ``kp-mcp --sandbox`` (a keyed read through the whole workflow and the
in-process sandbox), the trivial ``ping`` on the minimal server. Levels and servers alternate
(A B, then B A) to cancel drift. Client and servers share the machine's cores, and the SDK client
does the same work for both (it also validates structured content against the tool's output
schema, larger for kp-mcp), so the ratio is end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    FIXTURES,
    KEY,
    Settings,
    free_port,
    kp_mcp_command,
    minimal_command,
    proc_cpu_seconds,
    proc_memory_mib,
    reset_peak_memory,
    server_env,
    start_http_server,
    stop,
)
from bench.report import Check, Section, Table
from bench.stats import summarize

NAME = "http"
LEVELS = (1, 8, 32)
LIMIT = 0.7
KP_MCP = "kp-mcp --sandbox"
KP_HEALTH = "kp-mcp --sandbox, `kp_health`"  # same server, the lightest tool (no key, no state)
KP_REMOTE = "kp-mcp, API in another process"
MINIMAL = "minimal SDK server"
ORDER = (KP_MCP, MINIMAL, KP_HEALTH, KP_REMOTE)


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    url: str
    tool: str
    pid: int


@dataclass(frozen=True, slots=True)
class Load:
    calls: int
    seconds: float
    latencies_ms: list[float]
    peak_rss_mib: float | None
    server_cpu_ms_per_call: float | None = None

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds


async def open_sessions(stack: contextlib.AsyncExitStack, target: Target, count: int) -> list[Any]:
    """``count`` client sessions on ``target``, warmed up (connections, the tool list)."""
    from mcp import Client

    sessions = [await stack.enter_async_context(Client(target.url)) for _ in range(count)]
    for session in sessions:
        for _ in range(3):
            await _call(session, target.tool)
    return sessions


async def drive(sessions: list[Any], tool: str, seconds: float) -> Load:
    """Every session calls ``tool`` back to back for ``seconds``; each call timed."""
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker(session: Any) -> None:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await _call(session, tool)
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(session) for session in sessions))
    return Load(len(latencies), time.perf_counter() - started, latencies, None)


async def timed(sessions: list[Any], target: Target, seconds: float) -> Load:
    """:func:`drive`, with the server's CPU time per call answered."""
    cpu = proc_cpu_seconds(target.pid)
    run = await drive(sessions, target.tool, seconds)
    cpu_ms = (proc_cpu_seconds(target.pid) - cpu) * 1000 / max(run.calls, 1)
    return dataclasses.replace(run, server_cpu_ms_per_call=cpu_ms)


async def load(target: Target, clients: int, seconds: float, *, reset_peak: bool = False) -> Load:
    """Open ``clients`` sessions and drive them; with ``reset_peak``, also the peak RSS."""
    async with contextlib.AsyncExitStack() as stack:
        sessions = await open_sessions(stack, target, clients)
        peak_reset = reset_peak and reset_peak_memory(target.pid)
        run = await drive(sessions, target.tool, seconds)
        peak = proc_memory_mib(target.pid)["VmHWM"] if peak_reset else None
    return Load(run.calls, run.seconds, run.latencies_ms, peak)


async def _call(session: Any, tool: str) -> None:
    result = await session.call_tool(tool, {})
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content}")


def kp_tools_command() -> list[str]:
    """``kp-tools`` next to ``kp-mcp`` (the same install)."""
    return [str(Path(kp_mcp_command()[0]).with_name("kp-tools"))]


@contextlib.contextmanager
def servers(*, remote_api: bool = True) -> Any:
    """The servers on free loopback ports, stopped on exit.

    ``kp-mcp --sandbox`` runs the emulated API in its own process, so each call also pays for
    the API's side. With ``remote_api``, a second ``kp-mcp`` talks over HTTP to the sandbox
    served by ``kp-tools sandbox`` in another process, as it would talk to KPainter.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = start_http_server(command, port, env)
        processes.append(process)
        return process

    try:
        kp_port, minimal_port = free_port(), free_port()
        kp = start(
            [*kp_mcp_command(), "--transport", "http", "--sandbox", "--port", str(kp_port)],
            kp_port,
            server_env(),
        )
        minimal_command_line = minimal_command("http", "--port", str(minimal_port))
        minimal = start(minimal_command_line, minimal_port, server_env())
        targets = {
            KP_MCP: Target(KP_MCP, f"http://127.0.0.1:{kp_port}/mcp", "kp_me", kp.pid),
            KP_HEALTH: Target(KP_HEALTH, f"http://127.0.0.1:{kp_port}/mcp", "kp_health", kp.pid),
            MINIMAL: Target(MINIMAL, f"http://127.0.0.1:{minimal_port}/mcp", "ping", minimal.pid),
        }
        if remote_api:
            api_port, remote_port = free_port(), free_port()
            start(
                [*kp_tools_command(), "sandbox", "--port", str(api_port), "--job-seconds", "0"],
                api_port,
                server_env(),
            )
            api = f"http://127.0.0.1:{api_port}/openapi/v1"
            remote = start(
                [*kp_mcp_command(), "--transport", "http", "--port", str(remote_port)],
                remote_port,
                server_env({"KGP_BASE_URL": api, "KGP_API_KEY": KEY}),
            )
            url = f"http://127.0.0.1:{remote_port}/mcp"
            targets[KP_REMOTE] = Target(KP_REMOTE, url, "kp_me", remote.pid)
        yield targets
    finally:
        for process in processes:
            stop(process)


async def _measure(settings: Settings) -> dict[int, dict[str, list[Load]]]:
    """Per level: sessions on both servers, then rounds of A then B (B then A next round)."""
    seconds = settings.seconds(3.0, 1.5)
    rounds = settings.pick(4, 2)
    results: dict[int, dict[str, list[Load]]] = {}
    with servers() as targets:
        for level in LEVELS:
            async with contextlib.AsyncExitStack() as stack:
                opened = {
                    label: await open_sessions(stack, target, level)
                    for label, target in targets.items()
                }
                for i in range(rounds):
                    for label in ORDER if i % 2 == 0 else reversed(ORDER):
                        run = await timed(opened[label], targets[label], seconds)
                        results.setdefault(level, {}).setdefault(label, []).append(run)
    return results


ATTRIBUTION = (
    ("minimal SDK server", None, "ping"),
    ("the same, behind kp-mcp's HTTP layers", "sdk-in-kp-layers", "ping"),
    ("kp-mcp, API answered without a request", "kp-stub-upstream", "kp_health"),
    ("kp-mcp --sandbox (API emulated in-process)", KP_HEALTH, "kp_health"),
)


async def _attribution(settings: Settings) -> dict[str, list[Load]]:
    """Server CPU per call at one client, adding one part of kp-mcp at a time."""
    seconds, rounds = settings.seconds(3.0, 1.5), settings.pick(4, 2)
    processes: list[subprocess.Popen[bytes]] = []
    targets: dict[str, Target] = {}
    try:
        with servers(remote_api=False) as running:
            for label, variant, tool in ATTRIBUTION:
                if variant is None or variant in running:
                    known = running[MINIMAL if variant is None else variant]
                    targets[label] = Target(label, known.url, tool, known.pid)
                    continue
                port = free_port()
                process = start_http_server(
                    [sys.executable, str(FIXTURES / "variant_server.py"), variant, str(port)],
                    port,
                    server_env(),
                )
                processes.append(process)
                targets[label] = Target(label, f"http://127.0.0.1:{port}/mcp", tool, process.pid)
            results: dict[str, list[Load]] = {label: [] for label in targets}
            async with contextlib.AsyncExitStack() as stack:
                opened = {label: await open_sessions(stack, t, 1) for label, t in targets.items()}
                order = list(targets)
                for i in range(rounds):
                    for label in order if i % 2 == 0 else reversed(order):
                        run = await timed(opened[label], targets[label], seconds)
                        results[label].append(run)
            return results
    finally:
        for process in processes:
            stop(process)


def _attribution_table(results: dict[str, list[Load]]) -> Table:
    table = Table(
        ["server", "server CPU/call", "added by this part", "calls/s"],
        title="where kp-mcp's server CPU goes (1 client; each row adds one part)",
    )
    previous: float | None = None
    for label, runs in results.items():
        cpu = statistics.median(run.server_cpu_ms_per_call or 0.0 for run in runs)
        added = "—" if previous is None else f"{cpu - previous:+.2f} ms"
        throughput = statistics.median(run.throughput for run in runs)
        table.rows.append([label, f"{cpu:.2f} ms", added, f"{throughput:.0f}"])
        previous = cpu
    return table


def run(settings: Settings) -> Section:
    results = asyncio.run(_measure(settings))
    attribution = asyncio.run(_attribution(settings))
    table = Table(
        ["clients", "server", "calls/s", "p50", "p95", "p99", "server CPU/call", "ratio"],
        title="tool calls over streamable HTTP: median calls/s of the rounds, latency in ms",
    )
    section = Section(
        name=NAME,
        title="4. HTTP throughput and latency",
        method=(
            "`kp-mcp --transport http --sandbox` (tool `kp_me`, and `kp_health` for reference) "
            "and the minimal SDK server (tool `ping`) on loopback ports; N concurrent "
            "`mcp.Client(url)` sessions in this process call the tool back to back; rounds of a "
            "few seconds alternate the targets (A B C, C B A, ...) over the same open sessions. "
            "*Server CPU/call* is the server process's user+system time (`/proc/<pid>/stat`) "
            "over the calls it answered; the ratio is the median of the rounds' ratios."
        ),
        tables=[table],
    )
    section.tables.append(_attribution_table(attribution))
    section.data["attribution"] = {
        label: [run.server_cpu_ms_per_call for run in runs] for label, runs in attribution.items()
    }
    for level, by_server in results.items():
        # Each round ran every target back to back; the median of the rounds' ratios is robust
        # to bursts of other load on the machine, which hit one round, not a whole level.
        base_runs = by_server[MINIMAL]
        for label in (MINIMAL, KP_MCP, KP_HEALTH, KP_REMOTE):
            runs = by_server[label]
            ratios = [a.throughput / b.throughput for a, b in zip(runs, base_runs, strict=True)]
            r = statistics.median(ratios)
            throughput = statistics.median(run.throughput for run in runs)
            stats = summarize([x for run in runs for x in run.latencies_ms])
            cpu = statistics.median(run.server_cpu_ms_per_call or 0.0 for run in runs)
            table.rows.append(
                [
                    str(level),
                    label,
                    f"{throughput:.0f}",
                    f"{stats.median:.1f}",
                    f"{stats.p95:.1f}",
                    f"{stats.p99:.1f}",
                    f"{cpu:.2f} ms",
                    f"{r:.2f}x",
                ]
            )
            section.data[f"{level}:{label}"] = {
                "throughput_per_round": [run.throughput for run in runs],
                "ratio_per_round": ratios,
                "server_cpu_ms_per_call": [run.server_cpu_ms_per_call for run in runs],
                "latency_ms": asdict(stats),
            }
            if label == KP_MCP:  # the target is checked on the keyed read, not the lightest tool
                base = statistics.median(run.throughput for run in base_runs)
                section.checks.append(
                    Check(
                        target=f"HTTP throughput, {level} client{'s' if level > 1 else ''}",
                        measured=f"{r:.2f}x ({throughput:.0f} vs {base:.0f} calls/s, `kp_me`)",
                        limit=f"≥ {LIMIT}x the minimal server",
                        met=r >= LIMIT,
                    )
                )
    return section

"""4. HTTP MCP throughput and latency: ``kp-mcp --transport http`` against the minimal SDK server
and against FastMCP.

All servers run as subprocesses on loopback ports at the same time (the idle ones cost
nothing). The load generator is this process: N concurrent ``mcp.Client(url)`` sessions
(streamable HTTP, the SDK's default 2026-07-28 mode), each calling one tool in a loop for a fixed
time: ``kp_me`` on ``kp-mcp --sandbox`` and on the FastMCP fixture with the eight tools over the
same executor (a keyed read through the whole workflow and the in-process sandbox), the trivial
``ping`` on the minimal SDK server and on the trivial FastMCP fixture. Servers alternate
(A B C D, then D C B A) to cancel drift. Client and servers share the machine's cores, and the
SDK client does the same work for all (it also validates structured content against the tool's
output schema, larger for kp-mcp), so the ratio is end to end; server CPU per call isolates the
server's side, and the load generator's own CPU per call is shown next to it.
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
    Settings,
    fastmcp_command,
    free_port,
    kp_mcp_command,
    minimal_command,
    peer_env,
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
LEVELS = (1, 8, 32, 64)
# issue 16: throughput against the bare SDK server, per level (64 clients is reported only)
LIMITS = {1: 0.9, 8: 1.0, 32: 1.0}
KP_MCP = "kp-mcp --sandbox"
KP_HEALTH = "kp-mcp --sandbox, `kp_health`"  # same server, the lightest tool (no key, no state)
MINIMAL = "minimal SDK server"
FASTMCP_TRIVIAL = "FastMCP, one trivial tool"
FASTMCP_KP = "FastMCP, the eight tools (sandbox)"
ORDER = (KP_MCP, MINIMAL, FASTMCP_KP, FASTMCP_TRIVIAL)


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
    client_cpu_ms_per_call: float | None = None

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
    """:func:`drive`, with the server's and this process's CPU time per call answered."""
    cpu, own = proc_cpu_seconds(target.pid), time.process_time()
    run = await drive(sessions, target.tool, seconds)
    calls = max(run.calls, 1)
    cpu_ms = (proc_cpu_seconds(target.pid) - cpu) * 1000 / calls
    own_ms = (time.process_time() - own) * 1000 / calls
    return dataclasses.replace(run, server_cpu_ms_per_call=cpu_ms, client_cpu_ms_per_call=own_ms)


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
def servers(*, fastmcp: bool = True) -> Any:
    """The servers on free loopback ports, stopped on exit.

    ``kp-mcp --sandbox`` and the FastMCP fixture with the eight tools run the emulated API in
    their own process, so each call also pays for the API's side, the same for both (the
    production topology, with the API behind a socket, is bench/topology.py).
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], env: dict[str, str]) -> tuple[str, int]:
        port = free_port()
        process = start_http_server([*command, "--port", str(port)], port, env, timeout=60)
        processes.append(process)
        return f"http://127.0.0.1:{port}/mcp", process.pid

    try:
        kp_url, kp_pid = start(
            [*kp_mcp_command(), "--transport", "http", "--sandbox"], server_env()
        )
        minimal_url, minimal_pid = start(minimal_command("http"), server_env())
        targets = {
            KP_MCP: Target(KP_MCP, kp_url, "kp_me", kp_pid),
            KP_HEALTH: Target(KP_HEALTH, kp_url, "kp_health", kp_pid),
            MINIMAL: Target(MINIMAL, minimal_url, "ping", minimal_pid),
        }
        if fastmcp:
            peer = peer_env()
            url, pid = start(fastmcp_command("kp", "http", "--sandbox"), peer)
            targets[FASTMCP_KP] = Target(FASTMCP_KP, url, "kp_me", pid)
            url, pid = start(fastmcp_command("trivial", "http"), peer)
            targets[FASTMCP_TRIVIAL] = Target(FASTMCP_TRIVIAL, url, "ping", pid)
        yield targets
    finally:
        for process in processes:
            stop(process)


async def _measure(settings: Settings) -> dict[int, dict[str, list[Load]]]:
    """Per level: sessions on every server, then rounds of A B C D (D C B A next round)."""
    seconds = settings.seconds(3.0, 1.0, 0.3)
    rounds = settings.pick(4, 2, 1)
    results: dict[int, dict[str, list[Load]]] = {}
    with servers() as running:
        targets = {label: running[label] for label in ORDER}
        for level in levels(settings):
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


def levels(settings: Settings) -> tuple[int, ...]:
    return (1, 2) if settings.smoke else LEVELS


async def _attribution(settings: Settings) -> dict[str, list[Load]]:
    """Server CPU per call at one client, adding one part of kp-mcp at a time."""
    seconds, rounds = settings.seconds(3.0, 1.0, 0.3), settings.pick(4, 2, 1)
    processes: list[subprocess.Popen[bytes]] = []
    targets: dict[str, Target] = {}
    try:
        with servers(fastmcp=False) as running:
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
        [
            "clients",
            "server",
            "calls/s",
            "p50",
            "p95",
            "p99",
            "server CPU/call",
            "client CPU/call",
            "ratio",
        ],
        title="tool calls over streamable HTTP: median calls/s of the rounds, latency in ms; "
        "ratio: throughput against the minimal SDK server",
    )
    section = Section(
        name=NAME,
        title="4. HTTP throughput and latency",
        method=(
            "`kp-mcp --transport http --sandbox` (tool `kp_me`), the FastMCP fixture with the "
            "eight tools over the same executor (`kp_me`), the minimal SDK server and a trivial "
            "FastMCP server (tool `ping`) on loopback ports; N concurrent `mcp.Client(url)` "
            "sessions in this process call the tool back to back; rounds of a few seconds "
            "alternate the targets (A B C D, D C B A, ...) over the same open sessions. "
            "*Server CPU/call* is the server process's user+system time (`/proc/<pid>/stat`) "
            "over the calls it answered, *client CPU/call* the load generator's (this process); "
            "the ratio is the median of the rounds' ratios."
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
        summaries: dict[str, dict[str, float]] = {}
        for label in ORDER:
            runs = by_server[label]
            ratios = [
                a.throughput / b.throughput for a, b in zip(runs, by_server[MINIMAL], strict=True)
            ]
            stats = summarize([x for run in runs for x in run.latencies_ms])
            summaries[label] = figures = {
                "throughput": statistics.median(run.throughput for run in runs),
                "ratio": statistics.median(ratios),
                "p50": stats.median,
                "p99": stats.p99,
                "cpu": statistics.median(run.server_cpu_ms_per_call or 0.0 for run in runs),
                "client_cpu": statistics.median(run.client_cpu_ms_per_call or 0.0 for run in runs),
            }
            table.rows.append(
                [
                    str(level),
                    label,
                    f"{figures['throughput']:.0f}",
                    f"{stats.median:.1f}",
                    f"{stats.p95:.1f}",
                    f"{stats.p99:.1f}",
                    f"{figures['cpu']:.2f} ms",
                    f"{figures['client_cpu']:.2f} ms",
                    f"{figures['ratio']:.2f}x",
                ]
            )
            section.data[f"{level}:{label}"] = {
                "throughput_per_round": [run.throughput for run in runs],
                "ratio_per_round": ratios,
                "server_cpu_ms_per_call": [run.server_cpu_ms_per_call for run in runs],
                "client_cpu_ms_per_call": [run.client_cpu_ms_per_call for run in runs],
                "latency_ms": asdict(stats),
            }
        ours, base = summaries[KP_MCP], summaries[MINIMAL]
        plural = "s" if level > 1 else ""
        if level in LIMITS:  # the target is checked on the keyed read, not the lightest tool
            section.checks.append(
                Check(
                    target=f"HTTP throughput, {level} client{plural}",
                    measured=f"{ours['ratio']:.2f}x ({ours['throughput']:.0f} vs "
                    f"{base['throughput']:.0f} calls/s, `kp_me`)",
                    limit=f"≥ {LIMITS[level]}x the minimal server",
                    met=ours["ratio"] >= LIMITS[level],
                )
            )
        peer = summaries[FASTMCP_KP]
        vs = {
            "throughput": ours["throughput"] / peer["throughput"],
            "p50": ours["p50"] / peer["p50"],
            "p99": ours["p99"] / peer["p99"],
            "CPU/call": ours["cpu"] / peer["cpu"] if peer["cpu"] else float("inf"),
        }
        section.checks.append(
            Check(
                target=f"HTTP vs FastMCP (eight tools, `kp_me`), {level} client{plural}",
                measured=", ".join(f"{name} {value:.2f}x" for name, value in vs.items()),
                limit="throughput ≥ 1.0x; p50, p99, CPU/call ≤ 1.0x",
                met=vs["throughput"] >= 1.0 and max(vs["p50"], vs["p99"], vs["CPU/call"]) <= 1.0,
            )
        )
    return section

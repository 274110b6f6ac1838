"""4. HTTP MCP throughput and latency: ``kp-mcp --transport http`` against bare SDK servers and
against FastMCP.

All servers run as subprocesses on loopback ports at the same time (the idle ones cost
nothing): ``kp-mcp --sandbox``, the bare SDK server making the same API request with a plain
``httpx.AsyncClient`` on the same emulated API in its process (the like-for-like baseline, as
kp-mcp and the FastMCP fixture run the API in theirs), the minimal SDK server (a tool that
answers ``pong`` with no API at all: what the SDK alone costs), and the two FastMCP fixtures.
The load is ``wrk`` (bench/wrk.py): N connections, each calling one tool back to back for a few
seconds, as 2026-07-28 JSON POSTs; ``kp_me`` on kp-mcp, the bare server and the FastMCP fixture
with the eight tools (a keyed read through the whole workflow and the in-process API), the
trivial ``ping`` on the minimal server and the trivial FastMCP fixture. Servers alternate
(A B C D E, then E D C B A) to cancel drift. Server CPU per call is the server process's, and the
load generator's own is shown next to it.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from bench.common import (
    FIXTURES,
    Settings,
    fastmcp_command,
    free_port,
    kp_mcp_command,
    minimal_command,
    peer_env,
    server_env,
    start_http_server,
    stop,
)
from bench.report import Check, Section, Table
from bench.wrk import WrkRun, run_wrk

NAME = "http"
LEVELS = (1, 8, 32, 64)
# issue 16: throughput against the bare SDK server, per level (64 clients is reported only)
LIMITS = {1: 0.9, 8: 1.0, 32: 1.0}
KP_MCP = "kp-mcp --sandbox"
KP_HEALTH = "kp-mcp --sandbox, `kp_health`"  # same server, the lightest tool (no key, no state)
BARE = "bare SDK server + httpx (same API in-process)"
MINIMAL = "minimal SDK server (no API)"
FASTMCP_TRIVIAL = "FastMCP, one trivial tool"
FASTMCP_KP = "FastMCP, the eight tools (sandbox)"
ORDER = (KP_MCP, BARE, MINIMAL, FASTMCP_KP, FASTMCP_TRIVIAL)


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    url: str
    tool: str
    pid: int

    def load(self, clients: int, seconds: int) -> WrkRun:
        """``clients`` connections calling the tool back to back for ``seconds``."""
        return run_wrk(
            self.url, self.tool, clients=clients, seconds=seconds, server_pids=[self.pid]
        )


@contextlib.contextmanager
def servers(*, fastmcp: bool = True) -> Iterator[dict[str, Target]]:
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
        bare = [sys.executable, str(FIXTURES / "bare_upstream_server.py"), "--sandbox"]
        bare_url, bare_pid = start(bare, server_env())
        targets = {
            KP_MCP: Target(KP_MCP, kp_url, "kp_me", kp_pid),
            KP_HEALTH: Target(KP_HEALTH, kp_url, "kp_health", kp_pid),
            BARE: Target(BARE, bare_url, "kp_me", bare_pid),
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


def _measure(settings: Settings) -> dict[int, dict[str, list[WrkRun]]]:
    """Per level: a warm-up on every server, then rounds of A B C D E (E D C B A next round)."""
    seconds, rounds = settings.pick(3, 1), settings.pick(4, 2, 1)
    results: dict[int, dict[str, list[WrkRun]]] = {}
    with servers() as running:
        targets = {label: running[label] for label in ORDER}
        for level in levels(settings):
            for target in targets.values():
                target.load(level, 1)
            for i in range(rounds):
                for label in ORDER if i % 2 == 0 else reversed(ORDER):
                    run = targets[label].load(level, seconds)
                    results.setdefault(level, {}).setdefault(label, []).append(run)
    return results


ATTRIBUTION = (
    (MINIMAL, None, "ping"),
    ("the same, behind kp-mcp's HTTP layers", "sdk-in-kp-layers", "ping"),
    ("kp-mcp, API answered without a request", "kp-stub-upstream", "kp_health"),
    ("kp-mcp --sandbox (API emulated in-process)", KP_HEALTH, "kp_health"),
)


def levels(settings: Settings) -> tuple[int, ...]:
    return (1, 2) if settings.smoke else LEVELS


def _attribution(settings: Settings) -> dict[str, list[WrkRun]]:
    """Server CPU per call at one client, adding one part of kp-mcp at a time."""
    seconds, rounds = settings.pick(3, 1), settings.pick(4, 2, 1)
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
            for target in targets.values():
                target.load(1, 1)
            results: dict[str, list[WrkRun]] = {label: [] for label in targets}
            order = list(targets)
            for i in range(rounds):
                for label in order if i % 2 == 0 else reversed(order):
                    results[label].append(targets[label].load(1, seconds))
            return results
    finally:
        for process in processes:
            stop(process)


def _attribution_table(results: dict[str, list[WrkRun]]) -> Table:
    table = Table(
        ["server", "server CPU/call", "added by this part", "calls/s"],
        title="where kp-mcp's server CPU goes (1 client; each row adds one part)",
    )
    previous: float | None = None
    for label, runs in results.items():
        cpu = statistics.median(run.server_cpu_ms for run in runs)
        added = "—" if previous is None else f"{cpu - previous:+.2f} ms"
        throughput = statistics.median(run.throughput for run in runs)
        table.rows.append([label, f"{cpu:.2f} ms", added, f"{throughput:.0f}"])
        previous = cpu
    return table


def _ratio(runs: list[WrkRun], bases: list[WrkRun]) -> float:
    """The median of the rounds' throughput ratios (round i of each ran back to back)."""
    return statistics.median(a.throughput / b.throughput for a, b in zip(runs, bases, strict=True))


def run(settings: Settings) -> Section:
    results = _measure(settings)
    attribution = _attribution(settings)
    table = Table(
        [
            "clients",
            "server",
            "calls/s",
            "p50",
            "p99",
            "server CPU/call",
            "wrk CPU/call",
            "vs bare SDK + httpx",
            "vs minimal",
        ],
        title="tool calls over streamable HTTP: median of the rounds, latency in ms; ratios: "
        "throughput against the bare SDK server making the same request, and against the "
        "minimal server, which makes none",
    )
    section = Section(
        name=NAME,
        title="4. HTTP throughput and latency",
        method=(
            "`kp-mcp --transport http --sandbox` (tool `kp_me`), the bare SDK server making the "
            "same request with `httpx` on the same in-process API (`kp_me`), the minimal SDK "
            "server (`ping`, no API), the FastMCP fixture with the eight tools over kp-tools' "
            "executor (`kp_me`) and a trivial FastMCP server (`ping`), on loopback ports. The "
            "load is `wrk` with bench/fixtures/tool_call.lua: N connections, each calling the "
            "tool back to back (2026-07-28 JSON POSTs); rounds of a few seconds alternate the "
            "servers (A B C D E, E D C B A, ...). p50 and p99 are wrk's; *server CPU/call* is "
            "the server process's user+system time (`/proc/<pid>/stat`) over the calls it "
            "answered, *wrk CPU/call* the load generator's; each figure is the median of the "
            "rounds', each ratio the median of the rounds' ratios."
        ),
        tables=[table],
    )
    section.tables.append(_attribution_table(attribution))
    section.data["attribution"] = {
        label: [run.server_cpu_ms for run in runs] for label, runs in attribution.items()
    }
    for level, by_server in results.items():
        # Each round ran every target back to back; the median of the rounds' ratios is robust
        # to bursts of other load on the machine, which hit one round, not a whole level.
        summaries: dict[str, dict[str, float]] = {}
        for label in ORDER:
            runs = by_server[label]

            summaries[label] = figures = {
                "throughput": statistics.median(run.throughput for run in runs),
                "vs bare": _ratio(runs, by_server[BARE]),
                "vs minimal": _ratio(runs, by_server[MINIMAL]),
                "p50": statistics.median(run.p50_ms for run in runs),
                "p99": statistics.median(run.p99_ms for run in runs),
                "cpu": statistics.median(run.server_cpu_ms for run in runs),
                "client_cpu": statistics.median(run.generator_cpu_ms for run in runs),
            }
            table.rows.append(
                [
                    str(level),
                    label,
                    f"{figures['throughput']:.0f}",
                    f"{figures['p50']:.2f}",
                    f"{figures['p99']:.2f}",
                    f"{figures['cpu']:.2f} ms",
                    f"{figures['client_cpu']:.2f} ms",
                    f"{figures['vs bare']:.2f}x",
                    f"{figures['vs minimal']:.2f}x",
                ]
            )
            section.data[f"{level}:{label}"] = {
                "throughput_per_round": [run.throughput for run in runs],
                "p50_ms_per_round": [run.p50_ms for run in runs],
                "p99_ms_per_round": [run.p99_ms for run in runs],
                "server_cpu_ms_per_call": [run.server_cpu_ms for run in runs],
                "wrk_cpu_ms_per_call": [run.generator_cpu_ms for run in runs],
            }
        ours, bare = summaries[KP_MCP], summaries[BARE]
        plural = "s" if level > 1 else ""
        if level in LIMITS:  # the target is checked on the keyed read, not the lightest tool
            section.checks.append(
                Check(
                    target=f"HTTP throughput vs the bare SDK server, {level} client{plural}",
                    measured=f"{ours['vs bare']:.2f}x ({ours['throughput']:.0f} vs "
                    f"{bare['throughput']:.0f} calls/s, `kp_me`; against the minimal server, "
                    f"which makes no API request: {ours['vs minimal']:.2f}x)",
                    limit=f"≥ {LIMITS[level]}x the bare SDK server + httpx",
                    met=ours["vs bare"] >= LIMITS[level],
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

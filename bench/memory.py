"""6. Peak memory of ``kp-mcp``, idle and under load, next to the minimal SDK server.

Resident memory is read from ``/proc/<pid>/status``: ``VmRSS`` now and ``VmHWM`` (the peak,
reset with ``clear_refs`` just before the load, where the kernel allows it).

- stdio: after ``initialize`` and ``tools/list`` (idle, as a host leaves it), then after a first
  ``tools/call`` (``kp-mcp`` builds its executor on the first call).
- HTTP: after start-up and one call (idle), and the peak while 32 concurrent clients call a
  tool back to back.
"""

from __future__ import annotations

import asyncio
import statistics

from bench.common import Settings, StdioPeer, kp_mcp_command, minimal_command, proc_memory_mib
from bench.common import server_env as env
from bench.http_load import KP_MCP, MINIMAL, load, servers
from bench.report import Section, Table

NAME = "memory"
LOAD_CLIENTS = 32
STDIO = {
    MINIMAL: (minimal_command("stdio"), "ping"),
    "kp-mcp (KPainter API)": (kp_mcp_command(), None),
    KP_MCP: ([*kp_mcp_command(), "--sandbox"], "kp_health"),
}


def _stdio_once(command: list[str], tool: str | None) -> tuple[float, float | None]:
    peer = StdioPeer(command, env())
    try:
        peer.initialize()
        peer.request("tools/list", {})
        idle = proc_memory_mib(peer.process.pid)["VmRSS"]
        after_call = None
        if tool is not None:
            peer.request("tools/call", {"name": tool, "arguments": {}})
            after_call = proc_memory_mib(peer.process.pid)["VmRSS"]
        return idle, after_call
    finally:
        peer.close()


async def _http(seconds: float) -> dict[str, dict[str, float | None]]:
    measured: dict[str, dict[str, float | None]] = {}
    with servers(remote_api=False) as targets:
        for label in (MINIMAL, KP_MCP):
            target = targets[label]
            await load(target, 1, 0.2)
            idle = proc_memory_mib(target.pid)["VmRSS"]
            run = await load(target, LOAD_CLIENTS, seconds, reset_peak=True)
            after = proc_memory_mib(target.pid)
            measured[label] = {
                "idle": idle,
                "peak": run.peak_rss_mib if run.peak_rss_mib is not None else after["VmHWM"],
                "after": after["VmRSS"],
            }
    return measured


def run(settings: Settings) -> Section:
    spawns = settings.pick(3, 1)
    stdio: dict[str, tuple[float, float | None]] = {}
    for label, (command, tool) in STDIO.items():
        runs = [_stdio_once(command, tool) for _ in range(spawns)]
        calls = [r[1] for r in runs if r[1] is not None]
        stdio[label] = (
            statistics.median(r[0] for r in runs),
            statistics.median(calls) if calls else None,
        )
    http = asyncio.run(_http(settings.seconds(5.0, 2.0)))

    def mib(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} MiB"

    base_idle = stdio[MINIMAL][0]
    table = Table(
        ["server", "stdio idle", "stdio after 1st call", "HTTP idle", "HTTP peak (32 clients)"],
        title="resident memory (VmRSS; peak is VmHWM)",
    )
    for label, (idle, after_call) in stdio.items():
        row = [label, f"{mib(idle)} ({idle / base_idle:.2f}x)", mib(after_call)]
        if label in http:
            peak, base_peak = http[label]["peak"], http[MINIMAL]["peak"]
            ratio = f" ({peak / base_peak:.2f}x)" if peak and base_peak else ""
            row += [mib(http[label]["idle"]), mib(peak) + ratio]
        else:
            row += ["—", "—"]
        table.rows.append(row)
    return Section(
        name=NAME,
        title="6. Memory",
        method=(
            "Resident set of each server process from `/proc/<pid>/status`: idle after "
            "`tools/list` over stdio (and after a first call), and over HTTP idle after one "
            f"call, then the peak (`VmHWM`, reset before the load) under {LOAD_CLIENTS} "
            "concurrent clients."
        ),
        tables=[table],
        data={"stdio_mib": stdio, "http_mib": http},
    )

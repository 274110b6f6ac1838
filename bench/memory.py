"""6. Peak memory of ``kp-mcp``, idle and under load, next to the minimal SDK server and FastMCP.

Resident memory is read from ``/proc/<pid>/status``: ``VmRSS`` now and ``VmHWM`` (the peak,
reset with ``clear_refs`` just before the load, where the kernel allows it).

- stdio: after ``initialize`` and ``tools/list`` (idle, as a host leaves it), then after a first
  ``tools/call`` (``kp-mcp`` builds its executor on the first call).
- HTTP: after start-up and one call (idle), and the peak while 32 concurrent clients (wrk,
  bench/wrk.py) call a tool back to back.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping

from bench.common import (
    Settings,
    StdioPeer,
    fastmcp_command,
    kp_mcp_command,
    minimal_command,
    peer_env,
    proc_memory_mib,
    reset_peak_memory,
    server_env,
)
from bench.http_load import FASTMCP_KP, FASTMCP_TRIVIAL, KP_MCP, MINIMAL, servers
from bench.report import Check, Section, Table

NAME = "memory"
LOAD_CLIENTS = 32
HTTP = (MINIMAL, FASTMCP_TRIVIAL, KP_MCP, FASTMCP_KP)


def _stdio_servers() -> dict[str, tuple[list[str], str | None, Mapping[str, str]]]:
    peer = peer_env()
    return {
        MINIMAL: (minimal_command("stdio"), "ping", server_env()),
        FASTMCP_TRIVIAL: (fastmcp_command("trivial", "stdio"), "ping", peer),
        "kp-mcp (KPainter API)": (kp_mcp_command(), None, server_env()),
        KP_MCP: ([*kp_mcp_command(), "--sandbox"], "kp_health", server_env()),
        FASTMCP_KP: (fastmcp_command("kp", "stdio", "--sandbox"), "kp_health", peer),
    }


def _stdio_once(
    command: list[str], tool: str | None, env: Mapping[str, str]
) -> tuple[float, float | None]:
    peer = StdioPeer(command, env)
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


def _http(seconds: int) -> dict[str, dict[str, float | None]]:
    measured: dict[str, dict[str, float | None]] = {}
    with servers() as targets:
        for label in HTTP:
            target = targets[label]
            target.load(1, 1)
            idle = proc_memory_mib(target.pid)["VmRSS"]
            peak_reset = reset_peak_memory(target.pid)
            target.load(LOAD_CLIENTS, seconds)
            after = proc_memory_mib(target.pid)
            measured[label] = {
                "idle": idle,
                "peak": after["VmHWM"] if peak_reset else None,
                "after": after["VmRSS"],
            }
    return measured


def run(settings: Settings) -> Section:
    spawns = settings.pick(3, 1)
    stdio: dict[str, tuple[float, float | None]] = {}
    for label, (command, tool, env) in _stdio_servers().items():
        runs = [_stdio_once(command, tool, env) for _ in range(spawns)]
        calls = [r[1] for r in runs if r[1] is not None]
        stdio[label] = (
            statistics.median(r[0] for r in runs),
            statistics.median(calls) if calls else None,
        )
    http = _http(settings.pick(5, 2, 1))

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
    checks = []
    ours, peer = stdio[KP_MCP][1], stdio[FASTMCP_KP][1]
    ours_peak, peer_peak = http[KP_MCP]["peak"], http[FASTMCP_KP]["peak"]
    if ours and peer and ours_peak and peer_peak:
        checks.append(
            Check(
                target="memory, `kp-mcp --sandbox` vs FastMCP (eight tools)",
                measured=f"stdio after a call {ours / peer:.2f}x ({ours:.0f} vs {peer:.0f} MiB); "
                f"HTTP peak {ours_peak / peer_peak:.2f}x ({ours_peak:.0f} vs {peer_peak:.0f} MiB)",
                limit="≤ 1.0x the FastMCP fixture",
                met=ours <= peer and ours_peak <= peer_peak,
            )
        )
    return Section(
        name=NAME,
        checks=checks,
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

"""The load generator of the HTTP sections: ``wrk`` calling one MCP tool on every connection.

``wrk`` (Debian package ``wrk``) with bench/fixtures/tool_call.lua sends each call as a
2026-07-28 ``tools/call``, one JSON POST per call on one keep-alive connection per client, from
C: about 0.07 ms of CPU per call, against about 1 ms for a Python client (bench/lean_client.py)
and 2 to 3 ms for the SDK's ``mcp.Client``. The load generator shares the two cores with the
servers it measures, so the cheaper it is, the more a figure says about the server: with the
SDK's client, throughput at 8 and 32 clients was the client's (the minimal server and the bare
SDK server with an upstream request served the same calls per second).
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
from dataclasses import dataclass

from bench.common import FIXTURES, proc_cpu_seconds

__all__ = ["WrkRun", "run_wrk"]

SCRIPT = FIXTURES / "tool_call.lua"
_RESULT = re.compile(r"^result (\d+) (\d+) (\d+) (\d+) (\d+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class WrkRun:
    """One wrk run: calls answered, over how long (wrk's own clock), latency, CPU per call."""

    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float  # the processes given to run_wrk, together, per call
    generator_cpu_ms: float  # wrk's own, per call

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds


def run_wrk(
    url: str,
    tool: str,
    *,
    clients: int,
    seconds: int,
    server_pids: list[int],
    keyed: bool = False,
) -> WrkRun:
    """``clients`` connections call ``tool`` back to back for ``seconds`` (whole seconds).

    ``keyed`` gives connection ``i`` the argument ``api_key=kgp_bench_user_i``; otherwise the
    tool gets no arguments. Raises when any call failed.
    """
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = [binary, "-t", str(clients), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(SCRIPT), url, tool, *(["keyed"] if keyed else [])]
    server_before = sum(proc_cpu_seconds(pid) for pid in server_pids)
    generator_before = _children_cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    match = _RESULT.search(done.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {done.stdout}{done.stderr}")
    calls, failed, duration_us, p50_us, p99_us = (int(group) for group in match.groups())
    if failed or not calls:
        raise RuntimeError(f"{failed} of {calls} calls of {tool} on {url} failed")
    server = sum(proc_cpu_seconds(pid) for pid in server_pids) - server_before
    generator = _children_cpu_seconds() - generator_before
    return WrkRun(
        calls,
        duration_us / 1e6,
        p50_us / 1000,
        p99_us / 1000,
        server * 1000 / calls,
        generator * 1000 / calls,
    )


def _children_cpu_seconds() -> float:
    """CPU of this process's children that have ended (wrk, once it has exited)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime

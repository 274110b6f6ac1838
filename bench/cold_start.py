"""3. Cold start of ``kp-mcp`` over stdio against a minimal SDK server; ``import kp_tools`` time.

Each run spawns a fresh process and times, from just before the spawn: the ``initialize`` answer
(2025-11-25 handshake, what hosts send today), the ``tools/list`` answer (the issue's measure),
and the first ``tools/call`` answer (``kp_health`` on the sandbox; ``ping`` for the minimal
server), since work deferred past ``tools/list`` is paid there. The client is a bare JSON-RPC
writer on the pipes, so no client library time is included. Runs are interleaved.

``import kp_tools`` is timed inside fresh interpreters (interpreter start-up excluded), which
also report whether any agent framework got imported.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.common import (
    Settings,
    StdioPeer,
    fastmcp_command,
    kp_mcp_command,
    minimal_command,
    peer_env,
    server_env,
)
from bench.report import Check, Section, Table
from bench.stats import ratio

NAME = "cold-start"
COLD_START_LIMIT = 1.0  # issue 16: at most the bare SDK server's
IMPORT_LIMIT_MS = 100.0
FRAMEWORKS = ("langchain", "langchain_core", "langgraph", "llama_index", "mcp")


@dataclass(frozen=True, slots=True)
class Server:
    label: str
    command: list[str]
    tool: str | None  # called after tools/list; None: not called (it would reach the network)
    env: Mapping[str, str] = field(default_factory=server_env)


MINIMAL = "minimal SDK server"
FASTMCP_TRIVIAL = "FastMCP, one trivial tool"
KP_API = "`kp-mcp` (KPainter API)"
KP_SANDBOX = "`kp-mcp --sandbox`"
FASTMCP_KP = "FastMCP, the eight tools (sandbox)"


def _servers() -> list[Server]:
    peer = peer_env()
    return [
        Server(MINIMAL, minimal_command("stdio"), "ping"),
        Server(FASTMCP_TRIVIAL, fastmcp_command("trivial", "stdio"), "ping", peer),
        Server(KP_API, kp_mcp_command(), None),
        Server(KP_SANDBOX, [*kp_mcp_command(), "--sandbox"], "kp_health"),
        Server(FASTMCP_KP, fastmcp_command("kp", "stdio", "--sandbox"), "kp_health", peer),
    ]


def _once(server: Server) -> dict[str, float]:
    started = time.perf_counter()
    peer = StdioPeer(server.command, server.env)
    try:
        peer.initialize()
        initialized = time.perf_counter()
        tools = peer.request("tools/list", {})["tools"]
        listed = time.perf_counter()
        assert tools, "no tools listed"
        times = {"initialize": initialized - started, "tools/list": listed - started}
        if server.tool is not None:
            result = peer.request("tools/call", {"name": server.tool, "arguments": {}})
            assert not result.get("isError"), result
            times["first call"] = time.perf_counter() - started
        return {name: seconds * 1000 for name, seconds in times.items()}
    finally:
        peer.close()


def _import_probe(statement: str, runs: int) -> tuple[list[float], set[str]]:
    probe = (
        "import time, sys, json\n"
        "t = time.perf_counter()\n"
        f"{statement}\n"
        "elapsed = time.perf_counter() - t\n"
        "print(json.dumps([elapsed, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    times: list[float] = []
    loaded: set[str] = set()
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        elapsed, modules = json.loads(out.strip().splitlines()[-1])
        times.append(elapsed * 1000)
        loaded |= set(modules).intersection(FRAMEWORKS)
    return times, loaded


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def run(settings: Settings) -> Section:
    servers = _servers()
    rounds = settings.pick(20, 6, 1)
    for server in servers:  # warm-up: byte-code caches, page cache
        _once(server)
        if settings.smoke:
            break
    samples: dict[str, list[dict[str, float]]] = {s.label: [] for s in servers}
    for i in range(rounds):
        for server in servers if i % 2 == 0 else reversed(servers):
            samples[server.label].append(_once(server))

    def median_of(label: str, phase: str) -> float | None:
        values = [run[phase] for run in samples[label] if phase in run]
        return _median(values) if values else None

    baseline = servers[0].label
    table = Table(
        ["server", "initialize", "tools/list", "ratio (tools/list)", "first tools/call"],
        title=f"stdio, median of {rounds} spawns each (ms from spawn)",
    )
    section = Section(
        name=NAME,
        title="3. Cold start and import time",
        method=(
            "Spawn, `initialize`, `tools/list` answered, over stdio, with this Python; a bare "
            "JSON-RPC client on the pipes; interleaved runs after one warm-up spawn each. "
            "`import kp_tools` is timed inside fresh interpreters."
        ),
        tables=[table],
        data={"stdio_ms": samples},
    )
    base_list = median_of(baseline, "tools/list") or 0.0
    for server in servers:
        listed = median_of(server.label, "tools/list") or 0.0
        first = median_of(server.label, "first call")
        r = ratio(listed, base_list)
        table.rows.append(
            [
                server.label,
                f"{median_of(server.label, 'initialize') or 0:.0f} ms",
                f"{listed:.0f} ms",
                f"{r:.2f}x",
                "—" if first is None else f"{first:.0f} ms",
            ]
        )
        if server.label in (KP_API, KP_SANDBOX):
            section.checks.append(
                Check(
                    target=f"cold start, {server.label}",
                    measured=f"{r:.2f}x ({listed:.0f} ms vs {base_list:.0f} ms)",
                    limit=f"≤ {COLD_START_LIMIT}x the minimal server",
                    met=r <= COLD_START_LIMIT,
                )
            )
    for phase in ("tools/list", "first call"):
        ours, theirs = median_of(KP_SANDBOX, phase), median_of(FASTMCP_KP, phase)
        if ours is None or theirs is None:
            continue
        r = ratio(ours, theirs)
        section.checks.append(
            Check(
                target=f"cold start to {phase}, `kp-mcp --sandbox` vs FastMCP",
                measured=f"{r:.2f}x ({ours:.0f} ms vs {theirs:.0f} ms)",
                limit="≤ 1.0x the FastMCP fixture",
                met=r <= 1.0,
            )
        )

    runs = settings.pick(20, 8, 2)
    imports = Table(
        ["statement", "median", "p90 of runs", "frameworks imported"],
        title=f"import time in a fresh interpreter, {runs} runs each",
    )
    statements = {
        "import kp_tools": "import kp_tools",
        "from kp_tools import Executor": "from kp_tools import Executor",
        "import kp_tools.mcp.cli (kp-mcp's entry)": "import kp_tools.mcp.cli",
        "import mcp.server (the SDK alone)": "import mcp.server",
    }
    for label, statement in statements.items():
        times, loaded = _import_probe(statement, runs)
        median = _median(times)
        p90 = statistics.quantiles(times, n=10)[8] if len(times) > 1 else median
        imports.rows.append(
            [f"`{label}`", f"{median:.1f} ms", f"{p90:.1f} ms", ", ".join(sorted(loaded)) or "none"]
        )
        section.data[f"import_ms:{label}"] = times
        if statement == "import kp_tools":
            section.checks.append(
                Check(
                    target="`import kp_tools`",
                    measured=f"{median:.1f} ms; frameworks: {', '.join(sorted(loaded)) or 'none'}",
                    limit=f"< {IMPORT_LIMIT_MS:.0f} ms, no langchain/llama_index/mcp",
                    met=median < IMPORT_LIMIT_MS and not loaded,
                )
            )
    section.tables.append(imports)
    return section

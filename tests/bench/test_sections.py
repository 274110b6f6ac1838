"""Every benchmark section still runs end to end (the benchmark itself is not part of CI).

Only their shape is checked: timings depend on the machine and belong in BENCHMARKS.md, not in
an assertion.
"""

from __future__ import annotations

import pytest

from bench import (
    cold_start,
    executor_overhead,
    http_load,
    memory,
    speed,
    topology,
    waiting,
    workers,
)
from bench.common import Settings

QUICK = Settings(quick=True)


def test_the_executor_section_compares_each_tool_with_its_raw_and_lean_requests() -> None:
    section = executor_overhead.run(QUICK)

    assert [check.target for check in section.checks] == [
        "executor overhead, `kp_me`",
        "executor overhead, `kp_get_creation`",
    ]
    (table,) = section.tables
    assert [row[0] for row in table.rows] == [
        "`kp_me` vs `GET /me`",
        "`kp_get_creation` vs `GET /creations/{id}`",
    ]
    for case in ("kp_me", "GET /me", "lean /me", "kp_get_creation", "lean /creations/{id}"):
        assert section.data[case]["n"] == 1500


def test_the_waiting_section_asks_less_often_than_polling_every_second() -> None:
    section = waiting.run(QUICK)

    (table,) = section.tables
    assert len(table.rows) == len(waiting.JOB_SECONDS)
    every_second = table.columns.index("every 1 s: requests")
    for row in table.rows:
        bounded_requests, every_second_requests = float(row[1]), float(row[every_second])
        assert bounded_requests <= every_second_requests


def test_the_waiting_section_shows_the_wait_with_and_without_memory_between_calls() -> None:
    section = waiting.run(QUICK)

    (table,) = section.tables
    assert table.columns[1:5] == [
        "bounded wait: requests",
        "noticed after",
        "remembered between calls: requests",
        "noticed after",
    ]
    for length in waiting.JOB_SECONDS:
        for strategy in ("bounded", "remembered"):
            runs = section.data[f"{length:g}s:{strategy}"]
            assert len(runs["requests"]) == waiting.QUICK_RUNS
            assert all(delay >= 0 for delay in runs["delay_s"])  # the end is never announced early


# The sections below start servers (kp-mcp, the bare SDK and FastMCP fixtures, the sandbox on a
# port, Redis): each runs once in smoke mode, the least that shows it works end to end.
SMOKE = Settings(smoke=True)


@pytest.mark.slow
def test_the_cold_start_section_times_kp_mcp_next_to_the_sdk_and_fastmcp() -> None:
    section = cold_start.run(SMOKE)

    stdio, imports = section.tables
    assert [row[0] for row in stdio.rows] == [
        cold_start.MINIMAL,
        cold_start.FASTMCP_TRIVIAL,
        cold_start.KP_API,
        cold_start.KP_SANDBOX,
        cold_start.FASTMCP_KP,
    ]
    targets = [check.target for check in section.checks]
    assert "cold start to tools/list, `kp-mcp --sandbox` vs FastMCP" in targets
    assert "cold start to first call, `kp-mcp --sandbox` vs FastMCP" in targets
    assert len(imports.rows) == 4


@pytest.mark.slow
def test_the_http_section_loads_every_server_at_every_level() -> None:
    section = http_load.run(SMOKE)

    table, attribution = section.tables
    assert {(row[0], row[1]) for row in table.rows} == {
        (str(level), label) for level in (1, 2) for label in http_load.ORDER
    }
    assert len(attribution.rows) == len(http_load.ATTRIBUTION)
    assert [check.target for check in section.checks] == [
        "HTTP throughput vs the bare SDK server, 1 client",
        "HTTP vs FastMCP (eight tools, `kp_me`), 1 client",
        "HTTP vs FastMCP (eight tools, `kp_me`), 2 clients",
    ]


@pytest.mark.slow
def test_the_memory_section_measures_kp_mcp_and_fastmcp_over_both_transports() -> None:
    section = memory.run(SMOKE)

    (table,) = section.tables
    rows = {row[0]: row for row in table.rows}
    assert set(rows) == {
        http_load.MINIMAL,
        http_load.FASTMCP_TRIVIAL,
        "kp-mcp (KPainter API)",
        http_load.KP_MCP,
        http_load.FASTMCP_KP,
    }
    assert rows[http_load.FASTMCP_KP][4].endswith("x)")  # the HTTP peak, with its ratio
    assert [check.target for check in section.checks] == [
        "memory, `kp-mcp --sandbox` vs FastMCP (eight tools)"
    ]


@pytest.mark.slow
def test_the_topology_section_puts_the_api_behind_a_socket_for_every_server() -> None:
    section = topology.run(SMOKE)

    per_call, split, load = section.tables
    assert {(row[0].strip("`"), row[1]) for row in per_call.rows} == {
        (name, label) for name in topology.OPERATIONS for label in topology.ORDER
    }
    assert [row[0] for row in split.rows] == [label for label, _, _ in topology.ATTRIBUTION]
    assert [row[0] for row in load.rows] == list(topology.ORDER)
    assert section.checks[0].target == "p99 under 3 users, production topology"


@pytest.mark.slow
def test_the_workers_section_compares_one_worker_with_two_through_redis() -> None:
    section = workers.run(SMOKE)

    (table,) = section.tables
    assert [row[1] for row in table.rows] == ["kp-mcp --workers 1", "kp-mcp --workers 2"]
    two_workers = table.rows[1]
    assert len(two_workers[9].split(" / ")) == 2  # both workers' shares of kp-mcp's CPU
    assert [check.target for check in section.checks] == ["2 workers vs 1, 2 clients"]


@pytest.mark.slow
def test_the_speed_section_serves_kp_mcp_with_each_loop_and_parser() -> None:
    section = speed.run(SMOKE)

    (table,) = section.tables
    assert [row[1] for row in table.rows] == [
        f"`--loop {loop} --http {http}`" for loop, http in speed.VARIANTS
    ]

"""The in-process benchmark sections still run end to end (the benchmark is not part of CI).

Only their shape is checked: timings depend on the machine and belong in BENCHMARKS.md, not in
an assertion.
"""

from __future__ import annotations

from bench import executor_overhead, waiting
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
    for row in table.rows:
        bounded_requests, every_second_requests = float(row[1]), float(row[3])
        assert bounded_requests <= every_second_requests

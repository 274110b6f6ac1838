"""The benchmark report: a full run rewrites only its generated block of BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

from bench.report import BEGIN, END, Check, Section, Table, render, update_markdown

MACHINE = {
    "date": "2026-11-29 05:00 UTC",
    "cpu": "Test CPU",
    "cores": 2,
    "memory_gib": 23.5,
    "os": "Linux",
    "python": "CPython 3.11.7",
    "packages": {"httpx": "0.28.1"},
}


def test_a_rerun_keeps_the_hand_written_findings_and_replaces_the_old_results(
    tmp_path: Path,
) -> None:
    page = tmp_path / "BENCHMARKS.md"
    page.write_text(
        f"# Benchmarks\n\n## Findings\n\nProse a person wrote.\n\n{BEGIN}\n\nold table\n{END}\n"
        "\nAfter the block.\n",
        encoding="utf-8",
    )

    update_markdown(page, "new table\n")

    text = page.read_text(encoding="utf-8")
    assert "Prose a person wrote." in text
    assert "After the block." in text
    assert "new table" in text
    assert "old table" not in text
    assert text.count(BEGIN) == 1


def test_the_first_run_appends_the_block(tmp_path: Path) -> None:
    page = tmp_path / "BENCHMARKS.md"
    update_markdown(page, "results\n")
    assert page.read_text(encoding="utf-8").startswith("# Benchmarks\n")
    assert page.read_text(encoding="utf-8").rstrip().endswith(END)


def test_a_missed_target_is_flagged_in_the_targets_table() -> None:
    section = Section(
        name="executor",
        title="1. Executor overhead",
        method="How.",
        tables=[Table(["call", "ratio"], [["`kp_me`", "1.22x"]])],
        checks=[Check("executor overhead", "1.22x", "≤ 1.10x", met=False)],
    )

    text = render([section], MACHINE, "python -m bench")

    assert "| executor overhead | 1.22x | ≤ 1.10x | **no** |" in text
    assert "Machine: Test CPU, 2 cores, 23.5 GiB, Linux, CPython 3.11.7." in text
    assert "| `kp_me` | 1.22x |" in text

"""docs/spending.md: every snippet runs as written and prints what its comments promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.snippets import python_blocks, run_python

DOC = Path(__file__).resolve().parents[2] / "docs" / "spending.md"

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Budgets", ["True", "budget_exceeded This costs 20 credits and 10 of this key's 30"]),
        ("The executor: an approver callback", ["Create content: a slides_video", "True"]),
        ("LangGraph and LangChain", ["kp_spend_approval 20", "Your slides video “Tides” is ready"]),
        ("LlamaIndex", ["20 credits: yes", "job 2: succeeded"]),
    ],
)
def test_the_spending_snippets_run_as_written(
    tmp_path: Path, section: str, expected: list[str]
) -> None:
    result = run_python("\n".join(python_blocks(DOC, section)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), (line, start)

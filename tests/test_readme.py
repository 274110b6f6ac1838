"""The README says what the code does: its error table and its quickstart snippet."""

from __future__ import annotations

import re
from pathlib import Path

from kp_tools.errors import ERRORS

README = Path(__file__).parent.parent / "README.md"


def test_every_error_code_is_documented_with_its_message_and_action() -> None:
    text = README.read_text()
    for code, info in ERRORS.items():
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `{code.value}` |")), None
        )
        assert row is not None, f"{code.value} missing from the README error table"
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1:] == [
            "yes" if info.retryable else "no",
            "yes" if info.stop else "no",
            info.message,
            info.tell_user or "—",
        ]


def test_the_quickstart_snippet_runs_as_written() -> None:
    section = README.read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert blocks
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README quickstart", "exec"), namespace)  # noqa: S102
    created = namespace["created"]
    assert getattr(created, "ok", False), created


def test_every_json_example_in_the_readme_parses() -> None:
    import json

    blocks = re.findall(r"```json\n(.*?)```", README.read_text(), re.DOTALL)
    assert blocks
    for block in blocks:
        json.loads(block)

"""The LangChain quickstart runs as written and prints what its comments promise."""

from __future__ import annotations

import json
from pathlib import Path

from tests.snippets import python_blocks, run_python

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = python_blocks(ROOT / "README.md", "LangChain quickstart")


def test_langchain_quickstart_runs_as_written(tmp_path: Path) -> None:
    result = run_python("\n".join(QUICKSTART), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    me, created, refused = result.stdout.strip().splitlines()
    assert json.loads(me)["result"]["name"] == "Ada Member"
    assert created.startswith("success ")
    assert refused == "error kp_me_required"

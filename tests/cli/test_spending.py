"""``kp-tools spending``: recent decisions and the budget left per key, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kp_tools.keys import ApiKey
from tests.cli.conftest import Cli
from tests.conftest import MEMBER


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KP_AUDIT_LOG", str(path))
    monkeypatch.setenv("KP_BUDGET_CREDITS", "50")
    return path


def test_spending_shows_the_decisions_and_the_budget_left(cli: Cli, audited: Path) -> None:
    assert cli("create", "slides_video", "Tides", "--sandbox").exit_code == 0

    shown = cli("spending", "--json")

    report = json.loads(shown.stdout)
    assert [e["decision"] for e in report["events"]] == ["reserved", "sent", "started"]
    (budget,) = report["budgets"]
    assert budget["key"] == ApiKey(MEMBER).fingerprint
    assert (budget["spent"], budget["credits"], budget["left"]) == (20, 50, 30)
    assert MEMBER not in shown.stdout


def test_spending_prints_tables(cli: Cli, audited: Path) -> None:
    cli("create", "slides_video", "Tides", "--sandbox")
    shown = cli("spending")
    assert shown.exit_code == 0
    assert "Recent spending decisions" in shown.stdout and "Budget per key" in shown.stdout
    assert "started" in shown.stdout and ApiKey(MEMBER).fingerprint[:12] in shown.stdout


def test_a_released_reservation_is_not_counted(
    cli: Cli, audited: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_CONFIRM_ABOVE_CREDITS", "0")
    cli("create", "slides_video", "Tides", "--sandbox")  # no terminal: refused, released
    (budget,) = json.loads(cli("spending", "--json").stdout)["budgets"]
    assert budget["spent"] == 0 and budget["left"] == 50


def test_without_an_audit_trail_spending_says_how_to_get_one(cli: Cli) -> None:
    shown = cli("spending")
    assert shown.exit_code == 0
    assert "KP_AUDIT_LOG" in shown.output

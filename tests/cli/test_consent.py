"""Consent at the terminal: a y/N prompt under a real pseudo-terminal, --yes, and no terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from tests.cli.conftest import Cli
from tests.processes import KP_TOOLS, child_env

pytestmark = [pytest.mark.slow]


def kp_tools_env(cache: Path, **extra: str) -> dict[str, str]:
    return child_env(XDG_CACHE_HOME=str(cache), COLUMNS="200", NO_COLOR="1", **extra)


def creations(cli: Cli) -> int:
    listed = cli("list", "--sandbox", "--json")
    return int(json.loads(listed.stdout)["result"]["total"])


@pytest.mark.parametrize(("answer", "approved"), [("y", True), ("n", False), ("", False)])
def test_the_prompt_shows_the_cost_and_only_yes_spends(
    cli: Cli, user_environment: Path, answer: str, approved: bool
) -> None:
    env = kp_tools_env(user_environment, KP_CONFIRM_ABOVE_CREDITS="0")
    child = pexpect.spawn(
        str(KP_TOOLS),
        ["create", "slides_video", "Tides", "--sandbox"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.expect(r"This costs 20 credits")
    child.expect(r"\[y/n\]")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()

    if approved:
        assert child.exitstatus == 0
        assert "Started job" in (child.before or "")
        assert creations(cli) == 1
    else:
        assert child.exitstatus != 0
        assert "declined_by_user" in (child.before or "")
        assert creations(cli) == 0


def test_without_a_terminal_a_request_needing_consent_is_refused(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_CONFIRM_ABOVE_CREDITS", "0")
    refused = cli("create", "slides_video", "Tides", "--sandbox", input="y\n")
    assert refused.exit_code != 0
    assert "confirmation_unavailable" in refused.output
    assert creations(cli) == 0


def test_yes_approves_without_asking(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KP_CONFIRM_ABOVE_CREDITS", "0")
    started = cli("create", "slides_video", "Tides", "--sandbox", "--yes")
    assert started.exit_code == 0, started.output
    assert creations(cli) == 1


def test_a_bad_limit_in_the_environment_is_a_usage_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_BUDGET_CREDITS", "plenty")
    refused = cli("create", "slides_video", "Tides", "--sandbox", "--yes")
    assert refused.exit_code == 2
    assert "KP_BUDGET_CREDITS" in refused.output

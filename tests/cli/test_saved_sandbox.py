"""``--sandbox`` across separate invocations: what one command does, the next one sees."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from kp_tools.cli import saved_sandbox
from tests.cli.conftest import Cli


def test_a_creation_made_by_one_command_is_listed_by_the_next(cli: Cli, fast_sandbox: None) -> None:
    created = cli("create", "--sandbox", "slides_video", "How owls hunt. They hear prey.")
    assert created.exit_code == 0, created.output
    assert "Started job 2 for creation 1 (20 credits)" in created.output
    assert "Next: kp-tools job 2 --wait --sandbox" in created.output

    listed = cli("list", "--sandbox")
    assert listed.exit_code == 0, listed.output
    assert "How owls hunt. They hear prey." in listed.output
    assert "ready" in listed.output

    me = cli("me", "--sandbox", "--json")
    assert json.loads(me.stdout)["result"]["credits"] == 980  # the debit was kept too


def test_ids_carry_on_after_a_restart(cli: Cli, fast_sandbox: None) -> None:
    cli("create", "--sandbox", "slide_deck", "First deck")
    second = cli("create", "--sandbox", "--json", "slide_deck", "Second deck")
    assert json.loads(second.stdout)["result"] == {
        "job_id": 4,
        "creation_id": 3,
        "type": "slide_deck",
        "status": "ready",  # jobs take no time in this sandbox
        "deduplicated": False,
        "cost": 15,
    }
    listed = json.loads(cli("list", "--sandbox", "--json").stdout)["result"]
    assert [item["creation_id"] for item in listed["items"]] == [3, 1]


def test_jobs_advance_on_the_wall_clock_between_commands(cli: Cli) -> None:
    assert cli("sandbox", "--reset", "--job-seconds", "0.6").exit_code == 0
    cli("create", "--sandbox", "slides_video", "Tides. The moon pulls.")
    first = json.loads(cli("job", "2", "--sandbox", "--json").stdout)["result"]
    assert first["done"] is False
    time.sleep(0.7)
    later = json.loads(cli("job", "2", "--sandbox", "--json").stdout)["result"]
    assert (later["status"], later["done"]) == ("succeeded", True)


def test_reset_starts_over(cli: Cli, fast_sandbox: None, user_environment: Path) -> None:
    cli("create", "--sandbox", "slide_deck", "A deck")
    reset = cli("sandbox", "--reset")
    assert reset.exit_code == 0
    assert str(user_environment / "kp-tools" / "sandbox.json") in reset.output
    assert "jobs take 3 s" in reset.output
    assert "No creations match" in cli("list", "--sandbox").output


def test_the_world_lives_in_the_xdg_cache_directory(cli: Cli, user_environment: Path) -> None:
    cli("me", "--sandbox")
    saved = json.loads((user_environment / "kp-tools" / "sandbox.json").read_text())
    assert saved["version"] == 1
    assert {a["key"] for a in saved["accounts"]} >= {"kgp_sandbox_member", "kgp_sandbox_broke"}


def test_an_unreadable_file_gives_a_fresh_sandbox(cli: Cli, user_environment: Path) -> None:
    path = user_environment / "kp-tools" / "sandbox.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = cli("me", "--sandbox", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["result"]["credits"] == 1000
    assert json.loads(path.read_text())["version"] == 1  # rewritten


@pytest.mark.parametrize("saved", ["[]", "null", "42", '"sandbox"'])
def test_a_saved_file_that_is_json_but_not_an_object_gives_a_fresh_sandbox(
    cli: Cli, user_environment: Path, caplog: pytest.LogCaptureFixture, saved: str
) -> None:
    path = user_environment / "kp-tools" / "sandbox.json"
    path.parent.mkdir(parents=True)
    path.write_text(saved)
    with caplog.at_level(logging.WARNING, logger="kp_tools.cli"):
        result = cli("me", "--sandbox", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["result"]["credits"] == 1000
    assert f"starting a fresh sandbox: {path} could not be read" in caplog.text
    assert json.loads(path.read_text())["version"] == 1  # rewritten


def test_state_path_respects_xdg_cache_home(tmp_path: Path) -> None:
    assert saved_sandbox.state_path({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "kp-tools" / "sandbox.json"
    )
    assert saved_sandbox.state_path({"HOME": "/nowhere"}).parts[-3:] == (
        ".cache",
        "kp-tools",
        "sandbox.json",
    )

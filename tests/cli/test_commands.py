"""Each command, as a user types it, on the --sandbox world: what it prints and its exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, lines

TOPIC = "How owls hunt at night. They hear prey. They fly silently."


@pytest.fixture
def ready_creation(cli: Cli, fast_sandbox: None) -> int:
    result = cli("create", "--sandbox", "slides_video", TOPIC, "--scene-count", "3", "--wait")
    assert result.exit_code == 0, result.output
    return 1


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in (
        "demo",
        "me",
        "catalog",
        "create",
        "list",
        "get",
        "job",
        "edit-scene",
        "call",
        "describe",
        "sandbox",
    ):
        assert f" {command} " in result.output


def test_me_shows_the_account_without_the_key(cli: Cli) -> None:
    result = cli("me", "--sandbox")
    assert result.exit_code == 0, result.output
    shown = lines(result.output)
    assert "name        Ada Member" in shown
    assert "credits     1000" in shown
    assert "can create  yes" in shown
    assert "key         kgp_sa…" in shown
    assert "kgp_sandbox_member" not in result.output


def test_me_json_is_the_outcome_a_model_reads(cli: Cli) -> None:
    payload = json.loads(cli("me", "--sandbox", "--json").stdout)
    assert payload["ok"] is True
    assert payload["result"]["name"] == "Ada Member"
    assert payload["next_step"].startswith("Key verified")


def test_catalog_is_a_table_of_types_voices_and_styles(cli: Cli) -> None:
    result = cli("catalog", "--sandbox")
    assert result.exit_code == 0, result.output
    rows = lines(result.output)
    slides = next(row for row in rows if row.startswith("slides_video"))
    assert "16:9, 9:16" in slides and "1-20 scenes" in slides and "1K: 20" in slides
    assert any(row.startswith("v_en_female_1") for row in rows)
    assert any(row.startswith("st_whiteboard") for row in rows)
    assert "* members only" in result.output


def test_catalog_for_one_type(cli: Cli) -> None:
    result = cli("catalog", "--sandbox", "--type", "image", "--json")
    types = json.loads(result.stdout)["result"]["content_types"]
    assert [t["type"] for t in types] == ["image"]


def test_create_wait_shows_progress_and_the_creation(cli: Cli, fast_sandbox: None) -> None:
    result = cli("create", "--sandbox", "slides_video", TOPIC, "--scene-count", "3", "--wait")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ada Member (member plan) · 1000 credits · can create" in out  # the kp_me line
    assert "Started job 2 for creation 1 (20 credits)" in out
    assert "job 2" in result.stderr and "100%" in result.stderr  # the progress bar
    assert "Creation 1 · slides_video · ready" in out
    assert "Part 2 of 3: They hear prey." in out
    assert "http://kp-sandbox/media/creations/1/scenes/s3.svg" in out
    assert "kp-tools edit-scene 1 s1 --narration" in out


def test_create_json_prints_the_last_outcome(cli: Cli, fast_sandbox: None) -> None:
    result = cli("create", "--sandbox", "--json", "slide_deck", "Photosynthesis", "--wait")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)  # stdout is JSON only: no bar, no account line
    assert payload["result"]["status"] == "ready"
    assert payload["result"]["main_url"].endswith("/creations/1/main.svg")


def test_list_is_a_table(cli: Cli, ready_creation: int) -> None:
    cli("create", "--sandbox", "slide_deck", "Volcanoes")
    result = cli("list", "--sandbox")
    assert result.exit_code == 0
    rows = lines(result.output)
    assert "Creations (page 1, 2 in all)" in result.output
    assert rows.index(next(r for r in rows if r.startswith("3 "))) < rows.index(
        next(r for r in rows if r.startswith("1 "))
    )  # newest first
    only_decks = cli("list", "--sandbox", "--type", "slide_deck", "--json")
    assert [i["title"] for i in json.loads(only_decks.stdout)["result"]["items"]] == ["Volcanoes"]


def test_get_shows_scenes_and_saves_pictures(cli: Cli, ready_creation: int, tmp_path: Path) -> None:
    target = tmp_path / "pictures"
    result = cli("get", "1", "--sandbox", "--save-previews", str(target))
    assert result.exit_code == 0, result.output
    assert "Part 1 of 3: How owls hunt at night." in result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "cover.svg",
        "main.svg",
        "scene-s1.svg",
        "scene-s2.svg",
        "scene-s3.svg",
    ]
    assert "They fly silently" in (target / "scene-s3.svg").read_text()


def credits(cli: Cli) -> int:
    return int(json.loads(cli("me", "--sandbox", "--json").stdout)["result"]["credits"])


def test_save_previews_into_an_unwritable_place_is_refused_before_spending(
    cli: Cli, fast_sandbox: None, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    target = tmp_path / "a-file" / "pictures"
    result = cli("create", "--sandbox", "slides_video", TOPIC, "--save-previews", str(target))
    assert result.exit_code == 2
    assert "Started" not in result.output
    message = " ".join(lines(result.stderr))
    assert f"cannot save pictures in {target}: Not a directory. Nothing was sent" in message
    assert credits(cli) == 1000
    assert json.loads(cli("list", "--sandbox", "--json").stdout)["result"]["total"] == 0


def test_an_edit_with_an_unwritable_save_previews_place_is_not_sent(
    cli: Cli, ready_creation: int, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    target = tmp_path / "a-file" / "pictures"
    before = credits(cli)
    result = cli(
        "edit-scene", "1", "s2", "--regenerate", "--sandbox", "--save-previews", str(target)
    )
    assert result.exit_code == 2
    assert f"cannot save pictures in {target}" in " ".join(lines(result.stderr))
    assert credits(cli) == before
    detail = json.loads(cli("get", "1", "--sandbox", "--json").stdout)["result"]
    assert [scene["revision"] for scene in detail["scenes"]] == [1, 1, 1]


def test_a_picture_that_cannot_be_written_is_reported_not_a_traceback(
    cli: Cli, ready_creation: int, tmp_path: Path
) -> None:
    target = tmp_path / "pictures"
    (target / "main.svg").mkdir(parents=True)  # the directory is fine; one file in it is not
    result = cli("get", "1", "--sandbox", "--save-previews", str(target))
    assert result.exit_code == 1
    message = " ".join(lines(result.stderr))
    assert f"Could not save the pictures in {target}: Is a directory: {target / 'main.svg'}" in (
        message
    )
    assert "kp-tools get 1 --save-previews DIR --sandbox" in message


def test_edit_scene_wait_shows_the_new_narration(cli: Cli, ready_creation: int) -> None:
    result = cli(
        "edit-scene",
        "1",
        "s2",
        "--narration",
        "Owls hear a mouse under snow.",
        "--wait",
        "--sandbox",
    )
    assert result.exit_code == 0, result.output
    assert "Started job 3 for creation 1 (2 credits)" in result.output
    row = next(r for r in lines(result.output) if r.startswith("s2 "))
    assert "2" in row.split()[1] and "Owls hear a mouse under snow." in row


def test_edit_scene_needs_exactly_one_action(cli: Cli) -> None:
    neither = cli("edit-scene", "1", "s2", "--sandbox")
    both = cli("edit-scene", "1", "s2", "--narration", "x", "--regenerate", "--sandbox")
    assert neither.exit_code == both.exit_code == 2
    assert "give either --narration TEXT or --regenerate" in neither.output


def test_job_reports_status_and_what_next(cli: Cli, ready_creation: int) -> None:
    result = cli("job", "2", "--sandbox")
    assert result.exit_code == 0
    assert "Job 2 (create) for creation 1: succeeded 100%" in result.output
    assert "Next: kp-tools get 1 --sandbox" in result.output


def test_call_runs_any_tool_and_prints_its_json(cli: Cli, fast_sandbox: None) -> None:
    result = cli("call", "kp_list_creations", '{"page_size": 5}', "--sandbox")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "ok": True,
        "result": {"items": [], "page": 1, "page_size": 5, "total": 0},
        "next_step": "No creations match.",
    }
    from_stdin = cli("call", "kp_health", "-", "--sandbox", input="{}")
    assert json.loads(from_stdin.stdout)["result"]["status"] == "ok"


def test_call_with_bad_json_is_a_usage_error(cli: Cli) -> None:
    result = cli("call", "kp_me", "{nope", "--sandbox")
    assert result.exit_code == 2
    assert "not JSON" in result.output


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.output.startswith("kp-tools ")


def test_text_from_the_api_is_shown_as_is_never_as_markup(cli: Cli, fast_sandbox: None) -> None:
    cli("create", "--sandbox", "slide_deck", "[red]Brackets[/red] stay visible")
    listed = cli("list", "--sandbox")
    assert "[red]Brackets[/red] stay visible" in listed.output
    shown = cli("get", "1", "--sandbox")
    assert "[red]Brackets[/red] stay visible" in shown.output


def test_the_cli_loads_no_framework_until_a_command_needs_one() -> None:
    from tests.test_import_cost import FRAMEWORKS, modules_loaded_by

    loaded = modules_loaded_by("from kp_tools.cli import app")
    assert "typer" in loaded and "rich" in loaded
    assert loaded.isdisjoint(FRAMEWORKS)

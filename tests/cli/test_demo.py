"""``kp-tools demo``: the workflow through a real agent loop, every call shown, pictures saved."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import pytest

from kp_tools.cli import demo as demo_module
from tests.cli.conftest import Cli, lines

CALLS = [
    "→ kp_me {}",
    '→ kp_get_catalog {"type": "slides_video"}',
    '→ kp_create_creation {"type": "slides_video"',
    '→ kp_get_job_status {"job_id": 2, "wait_seconds": 30}',
    '→ kp_get_creation {"creation_id": 1}',
    '→ kp_edit_scene {"creation_id": 1, "scene_id": "s2"',
    '→ kp_get_job_status {"job_id": 3, "wait_seconds": 30}',
    '→ kp_get_creation {"creation_id": 1}',
]


def shown_calls(output: str) -> list[str]:
    return [line for line in lines(output) if line.startswith("→ ")]


def test_the_agent_runs_the_whole_workflow(cli: Cli, tmp_path: Path) -> None:
    result = cli("demo", "--job-seconds", "0.3", "--save-previews", str(tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Agent: a LangChain agent (the built-in scripted planner)" in out
    calls = shown_calls(out)
    assert len(calls) == len(CALLS)
    for shown, expected in zip(calls, CALLS, strict=True):
        assert shown.startswith(expected)
    assert "✓ Ada Member · member plan · 1000 credits · can create" in out
    assert "✓ job 2 started for creation 1 · 20 credits" in out
    assert "✓ job 2 succeeded (100%)" in out
    assert "edited: s2" in out
    assert "job 2" in out and "100%" in out  # the progress bar, fed by kp_progress events
    assert "Your slides video “How transformer attention works.” is ready" in out
    assert "8 tool calls in" in out
    # The pictures were saved, and scene 2 shows the narration the agent wrote.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cover.svg",
        "main.svg",
        "scene-s1.svg",
        "scene-s2.svg",
        "scene-s3.svg",
        "scene-s4.svg",
    ]
    scene = (tmp_path / "scene-s2.svg").read_text()
    assert "Each query scores every key" in scene and "revision 2" in scene


def test_without_saving_the_picture_urls_are_listed(cli: Cli) -> None:
    result = cli("demo", "--job-seconds", "0")
    assert result.exit_code == 0
    assert "http://kp-sandbox/media/creations/1/scenes/s4.svg" in result.output
    assert "--save-previews DIR" in result.output


def test_a_key_without_credits_makes_the_agent_stop(cli: Cli) -> None:
    result = cli("demo", "--job-seconds", "0", "--api-key", "kgp_sandbox_broke")
    assert result.exit_code == 0
    assert shown_calls(result.output) == ["→ kp_me {}"]
    assert "I have to stop here. STOP: this account has no credits" in " ".join(
        lines(result.output)
    )


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_api_key_counts_as_no_key(cli: Cli, blank: str) -> None:
    result = cli("demo", "--job-seconds", "0", "--api-key", blank)
    assert result.exit_code == 0, result.output
    assert "key kgp_sa…" in result.output
    assert "✓ Ada Member · member plan · 1000 credits · can create" in result.output
    assert len(shown_calls(result.output)) == len(CALLS)


def test_an_unwritable_save_previews_place_stops_the_demo_before_it_starts(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    target = tmp_path / "a-file" / "pictures"
    result = cli("demo", "--job-seconds", "0", "--save-previews", str(target))
    assert result.exit_code == 2
    assert f"cannot save pictures in {target}: Not a directory" in " ".join(lines(result.stderr))
    assert "→" not in result.output  # nothing ran


def test_a_custom_topic_is_the_prompt(cli: Cli) -> None:
    result = cli("demo", "--job-seconds", "0", "--topic", "Why the sky is blue")
    assert result.exit_code == 0
    assert '"prompt": "Why the sky is blue"' in result.output
    text = " ".join(lines(result.output))
    assert "the single most important idea behind why the sky is blue" in text


def test_a_real_model_without_its_provider_package_says_what_to_install(cli: Cli) -> None:
    pytest.importorskip("langchain")
    if "langchain_openai" in sys.modules or _installed("langchain_openai"):
        pytest.skip("langchain-openai is installed here")
    result = cli("demo", "--model", "openai:gpt-4.1-mini", "--job-seconds", "0")
    assert result.exit_code == 1
    assert "pip install langchain-openai" in " ".join(lines(result.stderr))
    assert "→" not in result.output  # nothing ran


def test_a_bad_model_name_says_how_to_write_it(cli: Cli) -> None:
    result = cli("demo", "--model", "no-such-provider:model", "--job-seconds", "0")
    assert result.exit_code == 1
    assert "provider:model" in " ".join(lines(result.stderr))


def test_without_langchain_the_planner_drives_the_executor(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_langchain(spec: str | None, planner: object) -> None:
        raise ImportError("No module named 'langchain_core'")

    monkeypatch.setattr(demo_module, "load_model", no_langchain)
    result = cli("demo", "--job-seconds", "0")
    assert result.exit_code == 0, result.output
    assert "LangChain is not installed" in result.output
    assert len(shown_calls(result.output)) == len(CALLS)


def test_a_configured_model_runs_the_same_loop(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """--model goes through init_chat_model; here it returns the scripted model (no network)."""
    pytest.importorskip("langchain")
    import langchain.chat_models

    from kp_tools.testing.langchain import ScriptedChatModel

    asked: list[tuple[str, dict[str, object]]] = []

    def init_chat_model(spec: str, **kwargs: object) -> ScriptedChatModel:
        asked.append((spec, kwargs))
        return ScriptedChatModel()

    monkeypatch.setattr(langchain.chat_models, "init_chat_model", init_chat_model)
    result = cli("demo", "--model", "openai:gpt-4.1-mini", "--job-seconds", "0")
    assert result.exit_code == 0, result.output
    assert asked == [("openai:gpt-4.1-mini", {"temperature": 0})]
    assert "Agent: a LangChain agent (openai:gpt-4.1-mini)" in result.output
    assert len(shown_calls(result.output)) == len(CALLS)


def test_a_model_failing_mid_run_is_reported_not_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kp_tools.testing.langchain import ScriptedChatModel

    class Failing(ScriptedChatModel):
        def _generate(self, *args: object, **kwargs: object) -> NoReturn:
            raise RuntimeError("Error code: 401 - invalid x-api-key")

    monkeypatch.setattr(demo_module, "load_model", lambda spec, planner: Failing())
    result = cli("demo", "--model", "anthropic:claude-sonnet-4-5", "--job-seconds", "0")
    assert result.exit_code == 1
    assert "failed during the run: RuntimeError: Error code: 401" in " ".join(lines(result.stderr))


@pytest.mark.slow
def test_make_demo_runs_well_under_a_minute(tmp_path: Path) -> None:
    """What ``make demo`` runs, as a new process with the default job times."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGP_", "PARTNER_MCP_"))}
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "kp-tools"), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "XDG_CACHE_HOME": str(tmp_path)},
        check=False,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "8 tool calls" in done.stdout
    assert took < 20, took


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None

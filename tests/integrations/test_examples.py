"""Every program in integrations/examples/ run to its end, as a user runs it: a subprocess of
this Python, from a directory outside the repository, on the sandbox with the scripted model."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import KP_MCP, child_env, free_port, start, stop

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "integrations" / "examples"


def run(example: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / example), *args],
        env=child_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def said(output: str, user: str) -> list[str]:
    """What the program printed for one user, in order."""
    prefix = f"[{user}] "
    return [line.removeprefix(prefix) for line in output.splitlines() if line.startswith(prefix)]


def test_langgraph_app_serves_two_users_with_their_own_keys(tmp_path: Path) -> None:
    result = run("langgraph_multi_user.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ada, bo = said(result.stdout, "ada"), said(result.stdout, "bo")
    calls = [line.split()[1] for line in ada if line.startswith("→")]
    assert calls == [
        "kp_me",
        "kp_get_catalog",
        "kp_create_creation",
        "kp_get_job_status",
        "kp_get_creation",
    ]
    assert any(line.startswith("  progress 100% job") for line in ada)
    answer = next(line for line in ada if line.startswith("answer:"))
    assert "“How bees find flowers” is ready: http://kp-sandbox/media/creations/" in answer
    assert ada[-1] == "thread saved with 12 messages"
    # Bo's key has no credits: he is told so after kp_me, and nothing is created for him.
    assert [line.split()[1] for line in bo if line.startswith("→")] == ["kp_me"]
    assert "STOP: this account has no credits" in next(x for x in bo if x.startswith("answer:"))
    assert bo[-1] == "thread saved with 4 messages"


def test_llamaindex_agent_makes_and_edits_a_video(tmp_path: Path) -> None:
    result = run("llamaindex_agent.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("→")] == [
        "kp_me",
        "kp_get_catalog",
        "kp_create_creation",
        "kp_get_job_status",
        "kp_get_creation",
        "kp_edit_scene",
        "kp_get_job_status",
        "kp_get_creation",
    ]
    assert not [line for line in lines if line.startswith("←") and "(error)" in line]
    assert "answer: Your slides video “How volcanoes erupt” is ready:" in result.stdout
    assert "I rewrote the narration of scene 2 as asked." in result.stdout
    assert "- scene s3: http://kp-sandbox/media/creations/" in result.stdout


def test_llamaindex_agent_stops_for_a_key_that_cannot_create(tmp_path: Path) -> None:
    result = run("llamaindex_agent.py", "--api-key", "kgp_sandbox_readonly", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("→")] == ["→ kp_me {}"]
    assert "STOP: this key cannot manage creations" in result.stdout


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kp-mcp --transport http --sandbox`` as the README tells users to start it."""
    port = free_port()
    log = tmp_path_factory.mktemp("kp-mcp-example") / "stderr.log"
    args = [str(KP_MCP), "--transport", "http", "--sandbox", "--port", str(port)]
    process = start(
        [*args, "--job-seconds", "1"], child_env(), f"http://127.0.0.1:{port}/healthz", log
    )
    yield f"http://127.0.0.1:{port}/mcp"
    stop(process)


def test_mcp_client_drives_one_server_for_two_users(tmp_path: Path, mcp_url: str) -> None:
    result = run("mcp_http_two_users.py", "--url", mcp_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for user, name, credits in (("ada", "Ada Member", 1000), ("cy", "Fred Free", 100)):
        lines = said(result.stdout, user)
        assert [line.split()[1] for line in lines if line.startswith("→")] == [
            "kp_me",
            "kp_get_catalog",
            "kp_create_creation",
            "kp_get_job_status",
            "kp_get_creation",
            "kp_me",
        ]
        assert not [line for line in lines if "(error)" in line]
        assert any(line.startswith("  progress ") for line in lines), lines
        assert any("“How tides work” is ready" in line for line in lines)
        # Each user paid from their own account: the header key and the per-call key both held.
        left = lines[-1]
        assert left.startswith(f"{name} has ") and left.endswith(" credits left")
        assert int(left.split()[-3]) < credits


@pytest.mark.parametrize(
    ("example", "args", "message"),
    [
        ("langgraph_multi_user.py", ["--model", "openai:gpt-4.1-mini"], "langchain-openai"),
        ("mcp_http_two_users.py", ["--model", "nosuch:model"], "Unable to infer model provider"),
        (
            "llamaindex_agent.py",
            ["--llm", "llama_index.llms.openai:OpenAI"],
            "pip install llama-index-llms-openai",
        ),
    ],
)
def test_a_real_model_that_is_not_installed_is_named(
    tmp_path: Path, example: str, args: list[str], message: str
) -> None:
    if importlib.util.find_spec("langchain_openai") or _findable("llama_index.llms.openai"):
        pytest.skip("a provider package is installed here; this checks the message without it")
    result = run(example, *args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr

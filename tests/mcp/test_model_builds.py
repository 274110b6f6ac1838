"""Deferred pydantic builds: a stdio kp-mcp builds only the SDK models its session uses.

Deferral changes a process-wide default, so every test runs it in a fresh interpreter.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.processes import child_env, free_port, start, stop

# Writes how many of the SDK's protocol models are built, and how many there are, to argv[1].
COUNT_BUILT_MODELS = """
def count_built_models():
    import sys, pydantic, mcp_types
    from pathlib import Path
    models = [m for m in vars(mcp_types).values()
              if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
    built = sum(m.__pydantic_complete__ for m in models)
    Path(sys.argv[1]).write_text(f"{built} {len(models)}")
"""
# Runs kp-mcp's console script (arguments from argv[2]) and counts when the process ends.
COUNT_AT_KP_MCP_EXIT = f"""{COUNT_BUILT_MODELS}
import atexit, sys
import kp_tools.mcp.cli as cli
atexit.register(count_built_models)
cli.main(sys.argv[2:])
"""


def built_and_total(report: Path) -> tuple[int, int]:
    built, total = report.read_text().split()
    return int(built), int(total)


def built_by_a_plain_import(tmp_path: Path) -> int:
    """Models complete once the SDK is imported as usual (a few wait for names defined later)."""
    script = f"{COUNT_BUILT_MODELS}\ncount_built_models()"
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "plain")], check=True)
    return built_and_total(tmp_path / "plain")[0]


def test_a_model_defined_after_deferral_is_built_at_its_first_use() -> None:
    script = """
from kp_tools.mcp.model_builds import defer_model_builds
assert defer_model_builds()
from pydantic import BaseModel
class Job(BaseModel):
    id: int
before = Job.__pydantic_complete__
job = Job.model_validate({"id": "7"})
print(before, Job.__pydantic_complete__, job.id)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "7"]


def test_deferral_reports_false_and_changes_nothing_when_pydantic_moves_its_defaults() -> None:
    script = """
import sys
sys.modules["pydantic._internal._config"] = None  # as if a release had moved the module
from kp_tools.mcp.model_builds import defer_model_builds
print(defer_model_builds())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


def test_builds_are_not_deferred_where_pydantic_rebuilds_are_not_thread_safe() -> None:
    script = """
import pydantic.version
pydantic.version.VERSION = "2.13.4"  # before pydantic's rebuild lock
from kp_tools.mcp.model_builds import defer_model_builds
from pydantic import BaseModel
print(defer_model_builds())
class Job(BaseModel):
    id: int
print(Job.__pydantic_complete__)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_a_stdio_session_leaves_most_sdk_models_unbuilt(tmp_path: Path) -> None:
    report = tmp_path / "built"
    args = [sys.executable, "-c", COUNT_AT_KP_MCP_EXIT, str(report), "--sandbox"]
    # stdin at its end: the session opens and closes, as when a host quits at once
    subprocess.run(args, env=child_env(), stdin=subprocess.DEVNULL, check=True, timeout=60)
    built, total = built_and_total(report)
    assert total > 100
    assert built < total / 4


def test_an_http_server_builds_every_model_at_start_up(tmp_path: Path) -> None:
    report = tmp_path / "built"
    port = free_port()
    args = [sys.executable, "-c", COUNT_AT_KP_MCP_EXIT, str(report)]
    args += ["--transport", "http", "--sandbox", "--port", str(port)]
    process = start(args, child_env(), f"http://127.0.0.1:{port}/healthz", tmp_path / "log")
    try:  # Ctrl-C: a quiet exit, which runs the report (SIGTERM's would end the process first)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    finally:
        stop(process)
    assert built_and_total(report)[0] == built_by_a_plain_import(tmp_path)

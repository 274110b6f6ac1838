"""CLI test helpers: run ``kp-tools`` in-process (typer's CliRunner) as a user would type it.

Every test gets its own cache directory (so the ``--sandbox`` world starts fresh), a wide
terminal (so tables are not folded), and no KPainter settings from the runner's environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kp_tools.cli import app
from tests.processes import child_env, free_port, start, stop

Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def user_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("KGP_API_KEY", "PARTNER_MCP_DEFAULT_API_KEY", "KGP_BASE_URL", "KP_STATE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    return cache


@pytest.fixture
def cli() -> Cli:
    """``cli("list", "--sandbox")`` runs ``kp-tools list --sandbox`` and returns the result."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def fast_sandbox(cli: Cli) -> None:
    """The shared --sandbox world, reset with jobs that finish at once."""
    result = cli("sandbox", "--reset", "--job-seconds", "0")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kp-tools sandbox`` on a loopback port, standing in for the real KPainter API."""
    from tests.processes import KP_TOOLS

    port = free_port()
    log = tmp_path_factory.mktemp("served-sandbox") / "stderr.log"
    args = [str(KP_TOOLS), "sandbox", "--port", str(port), "--job-seconds", "0.5"]
    process = start(args, child_env(), f"http://127.0.0.1:{port}/openapi/v1/health", log)
    yield f"http://127.0.0.1:{port}/openapi/v1"
    stop(process)


def lines(text: str) -> list[str]:
    """Output lines with box-drawing characters and surrounding space removed."""
    return [re.sub(r"[│┃║]", " ", line).strip() for line in text.splitlines()]

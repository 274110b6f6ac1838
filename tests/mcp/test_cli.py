"""``kp-mcp`` options and how it picks its upstream and default key."""

from __future__ import annotations

import gc
import logging

import pytest

from kp_tools.mcp.cli import make_executor
from kp_tools.sandbox import SANDBOX_DEFAULT_KEY
from tests.conftest import FREE, KpMcp


@pytest.mark.asyncio
async def test_sandbox_mode_with_no_key_configured_uses_the_member_key() -> None:
    executor = make_executor(sandbox=True, job_seconds=0, env={})
    outcome = await executor.run("kp_me")
    await executor.aclose()
    assert outcome.ok and (outcome.data or {})["name"] == "Ada Member"
    assert repr(executor.resolve_key()) == repr(executor.resolve_key(SANDBOX_DEFAULT_KEY))


@pytest.mark.asyncio
async def test_sandbox_mode_honours_a_configured_key() -> None:
    executor = make_executor(sandbox=True, job_seconds=0, env={"KGP_API_KEY": FREE})
    outcome = await executor.run("kp_me")
    await executor.aclose()
    assert (outcome.data or {})["name"] == "Fred Free"


@pytest.mark.asyncio
async def test_sandbox_mode_warns_about_a_configured_real_key_without_showing_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "kgp_live_0123456789abcdef"
    with caplog.at_level(logging.WARNING, logger="kp_tools.mcp"):
        executor = make_executor(sandbox=True, env={"PARTNER_MCP_DEFAULT_API_KEY": secret})
    await executor.aclose()
    assert "not a sandbox key" in caplog.text
    assert secret not in caplog.text


@pytest.mark.asyncio
async def test_real_mode_reads_kgp_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_BASE_URL", "http://127.0.0.1:9/openapi/v1")
    executor = make_executor(sandbox=False)
    assert executor.client.base_url == "http://127.0.0.1:9/openapi/v1"
    await executor.aclose()


def test_help_lists_every_option(kp_mcp: KpMcp) -> None:
    result = kp_mcp("--help")
    assert result.exit_code == 0
    for option in (
        "--transport",
        "--host",
        "--port",
        "--sandbox",
        "--job-seconds",
        "--stateless",
        "--allowed-host",
        "--max-body-bytes",
        "--workers",
        "--max-wait-seconds",
        "--log-level",
        "--budget-credits",
        "--budget-window-seconds",
        "--max-credits-per-call",
        "--confirm-above-credits",
        "--version",
    ):
        assert option in result.stdout


def test_version_names_the_program_and_its_version(kp_mcp: KpMcp) -> None:
    from kp_tools import __version__

    result = kp_mcp("--version")
    assert (result.exit_code, result.stdout.strip()) == (0, f"kp-mcp {__version__}")


def test_an_unknown_transport_is_refused_with_the_choices(kp_mcp: KpMcp) -> None:
    result = kp_mcp("--transport", "websocket")
    assert result.exit_code == 2
    assert "argument --transport: invalid choice: 'websocket'" in result.stderr
    assert "'stdio', 'http'" in result.stderr


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--job-seconds", "soon"], "argument --job-seconds: 'soon' is not a number of seconds"),
        (["--job-seconds", "-1"], "argument --job-seconds: -1 is not a number of seconds from 0"),
        (["--workers", "0"], "argument --workers: 0 is less than 1"),
        (["--max-body-bytes", "100"], "argument --max-body-bytes: 100 is less than 1024"),
        (["--budget-credits", "lots"], "argument --budget-credits: 'lots' is not a whole number"),
        (["--log-level", "loud"], "argument --log-level: invalid choice: 'loud'"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_naming_the_option(
    kp_mcp: KpMcp, args: list[str], problem: str
) -> None:
    result = kp_mcp(*args)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert "Traceback" not in result.stderr


def test_a_negative_spending_flag_is_refused_naming_its_variable(kp_mcp: KpMcp) -> None:
    result = kp_mcp("--sandbox", "--budget-credits", "-5")
    assert result.exit_code == 2
    assert "kp-mcp: KP_BUDGET_CREDITS must be a whole number of credits" in result.stderr


def test_the_collector_runs_again_after_a_refused_start(kp_mcp: KpMcp) -> None:
    """Start-up pauses garbage collection; a start that stops early must not leave it paused."""
    assert gc.isenabled()
    assert kp_mcp("--workers", "2", "--transport", "http").exit_code == 2
    assert gc.isenabled()

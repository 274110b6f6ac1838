"""``kp-mcp`` options and how it picks its upstream and default key."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from kp_tools.mcp.cli import app, make_executor
from kp_tools.sandbox import SANDBOX_DEFAULT_KEY
from tests.conftest import FREE


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


def test_help_lists_every_option() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for option in ("--transport", "--host", "--port", "--sandbox", "--job-seconds", "--stateless"):
        assert option in result.output
    assert "--log-level" in result.output


def test_an_unknown_transport_is_refused() -> None:
    result = CliRunner().invoke(app, ["--transport", "websocket"])
    assert result.exit_code == 2

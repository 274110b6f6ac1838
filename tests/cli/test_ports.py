"""A port out of range is a usage error (exit code 2) from both servers, not a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kp_tools.mcp.cli import app as kp_mcp
from tests.cli.conftest import Cli, lines


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_the_sandbox_refuses_a_port_out_of_range(cli: Cli, port: str) -> None:
    result = cli("sandbox", "--port", port, "--job-seconds", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in " ".join(lines(result.stderr))
    assert "KPainter sandbox on" not in result.output  # refused before anything started


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_kp_mcp_refuses_a_port_out_of_range(port: str) -> None:
    args = ["--transport", "http", "--sandbox", "--port", port, "--job-seconds", "0"]
    result = CliRunner().invoke(kp_mcp, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--port'" in " ".join(lines(result.stderr))
    assert "streamable HTTP on" not in result.output

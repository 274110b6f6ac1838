"""A port out of range is a usage error (exit code 2) from both servers, not a traceback."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli, lines
from tests.conftest import KpMcp


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_the_sandbox_refuses_a_port_out_of_range(cli: Cli, port: str) -> None:
    result = cli("sandbox", "--port", port, "--job-seconds", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in " ".join(lines(result.stderr))
    assert "KPainter sandbox on" not in result.output  # refused before anything started


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_kp_mcp_refuses_a_port_out_of_range(kp_mcp: KpMcp, port: str) -> None:
    result = kp_mcp("--transport", "http", "--sandbox", "--port", port, "--job-seconds", "0")
    assert result.exit_code == 2, result.stderr
    assert f"argument --port: {port} is not a port (1 to 65535)" in result.stderr
    assert "streamable HTTP on" not in result.stderr

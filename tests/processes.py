"""Real processes on loopback for tests: free ports, start and stop, a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
KP_MCP = VENV_BIN / "kp-mcp"
KP_TOOLS = VENV_BIN / "kp-tools"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not come up within {timeout} s")


def child_env(**extra: str) -> dict[str, str]:
    """The test runner's environment minus every KPainter setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGP_", "PARTNER_MCP_", "KP_"))}
    env.update(extra)
    return env


def start(
    args: list[str], env: Mapping[str, str], health_url: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start a process (stderr to ``log``: a pipe nobody reads could fill and block it)."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(args, env=dict(env), stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until_up(health_url, process)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this suite started (by its own handle, never by name)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

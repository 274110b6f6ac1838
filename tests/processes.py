"""Real processes on loopback for tests: free ports, start and stop, a clean environment."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
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


@contextlib.contextmanager
def served_sandbox(logs: Path) -> Iterator[str]:
    """``kp-tools sandbox`` on a free loopback port with instant jobs; yields its API base URL."""
    port = free_port()
    upstream = f"http://127.0.0.1:{port}/openapi/v1"
    args = [str(KP_TOOLS), "sandbox", "--port", str(port), "--job-seconds", "0"]
    process = start(args, child_env(), f"{upstream}/health", logs / "sandbox.log")
    try:
        yield upstream
    finally:
        stop(process)


def upstream_posts(upstream: str, path: str = "/creations") -> int:
    """How many POSTs to ``path`` the served sandbox at ``upstream`` has received."""
    log = httpx.get(upstream.replace("/openapi/v1", "/_sandbox/requests")).json()
    return sum(1 for r in log["requests"] if (r["method"], r["path"]) == ("POST", path))


@contextlib.contextmanager
def stateless_replicas(
    upstream: str, redis_url: str, logs: Path, settings: list[tuple[list[str], dict[str, str]]]
) -> Iterator[list[str]]:
    """One ``kp-mcp --transport http --stateless`` per (flags, env) on one Redis; their URLs."""
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for number, (flags, extra) in enumerate(settings):
            port = free_port()
            args = [str(KP_MCP), "--transport", "http", "--stateless", "--port", str(port), *flags]
            env = child_env(KGP_BASE_URL=upstream, KP_STATE_URL=redis_url, **extra)
            health = f"http://127.0.0.1:{port}/healthz"
            processes.append(start(args, env, health, logs / f"replica-{number}.log"))
            urls.append(f"http://127.0.0.1:{port}/mcp")
        yield urls
    finally:
        for process in processes:
            stop(process)

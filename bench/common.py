"""Shared pieces: run settings, number formatting, and server subprocesses (stdio and HTTP)."""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kp_tools import Executor, Sandbox

__all__ = [
    "FIXTURES",
    "KEY",
    "Settings",
    "StdioPeer",
    "compile_byte_code",
    "fastmcp_command",
    "free_port",
    "kp_mcp_command",
    "minimal_command",
    "peer_env",
    "prepared_executor",
    "proc_cpu_seconds",
    "proc_memory_mib",
    "reset_peak_memory",
    "server_env",
    "start_http_server",
    "stop",
    "us",
]

KEY = "kgp_sandbox_member"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNREACHABLE_API = "http://127.0.0.1:9/openapi/v1"  # discard port: no network, nothing listens


@dataclass(frozen=True, slots=True)
class Settings:
    """How much to repeat; ``quick`` keeps the whole run short.

    ``smoke`` is for tests/bench: the least that shows a section runs end to end (its tables
    and data have their shape); its numbers mean nothing.
    """

    quick: bool = False
    smoke: bool = False

    def pick(self, full: int, quick: int, smoke: int | None = None) -> int:
        if self.smoke and smoke is not None:
            return smoke
        return quick if self.quick or self.smoke else full

    def seconds(self, full: float, quick: float, smoke: float | None = None) -> float:
        if self.smoke and smoke is not None:
            return smoke
        return quick if self.quick or self.smoke else full


async def prepared_executor() -> tuple[Executor, Sandbox, int]:
    """An executor on a fresh in-process sandbox, ``kp_me`` done, and one ready creation's id."""
    from kp_tools import Executor, Sandbox

    sandbox = Sandbox()
    executor = Executor.for_sandbox(sandbox)
    me = await executor.run("kp_me", api_key=KEY)
    if not me.ok:
        raise RuntimeError(me.text())
    created = await executor.run(
        "kp_create_creation",
        {"type": "slides_video", "prompt": "How vaccines work", "scene_count": 4},
        api_key=KEY,
    )
    if not created.ok or created.data is None:
        raise RuntimeError(created.text())
    return executor, sandbox, int(created.data["creation_id"])


def us(value: float) -> str:
    return f"{value:.1f} µs" if value < 1000 else f"{value / 1000:.2f} ms"


def compile_byte_code() -> list[str]:
    """Byte-compile kp_tools and the benchmark's own modules, as installing a package does.

    pip compiles a package's byte code when it installs it, so a user's kp-mcp never compiles its
    source at start-up, and neither does the SDK here. A checkout has no ``.pyc`` until a module
    is imported, and with ``PYTHONDONTWRITEBYTECODE`` set (as on the machines this runs on) none
    is ever written: every kp-mcp spawn compiled kp_tools anew, about 30 ms that only the
    servers built on kp_tools paid. Returns the directories compiled.
    """
    import compileall

    root = FIXTURES.parent.parent
    directories = [root / "kp_tools", root / "bench"]
    for directory in directories:
        if not compileall.compile_dir(directory, quiet=1):
            raise RuntimeError(f"could not byte-compile {directory}")
    return [str(directory.relative_to(root)) for directory in directories]


def kp_mcp_command() -> list[str]:
    """``kp-mcp`` next to this interpreter (the venv's console script), else on PATH."""
    beside = Path(sys.executable).parent / "kp-mcp"
    found = str(beside) if beside.exists() else shutil.which("kp-mcp")
    if found is None:
        raise RuntimeError("kp-mcp is not installed (pip install -e '.[mcp]')")
    return [found]


def minimal_command(transport: str, *args: str) -> list[str]:
    """The minimal SDK server of bench/fixtures, run by the same Python."""
    return [sys.executable, str(FIXTURES / "minimal_server.py"), transport, *args]


def fastmcp_command(server: str, transport: str, *args: str) -> list[str]:
    """A FastMCP fixture (``trivial`` or ``kp``); run it with :func:`peer_env`."""
    return [sys.executable, str(FIXTURES / "fastmcp_server.py"), server, transport, *args]


def peer_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """:func:`server_env` with the benchmark-only packages (FastMCP, uvloop, httptools)."""
    from bench.peer_env import with_peer_packages

    return with_peer_packages(server_env(extra))


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without any KPainter key or state store, pointed at no API."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KGP_", "PARTNER_MCP_", "KP_STATE")) and k != "PYTHONSTARTUP"
    }
    env["KGP_BASE_URL"] = UNREACHABLE_API
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (``/proc/<pid>/stat``)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in MiB."""
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values


def reset_peak_memory(pid: int) -> bool:
    """Reset VmHWM to the current RSS (``clear_refs`` 5); False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")
    except OSError:
        return False
    return True


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StdioPeer:
    """A bare JSON-RPC client on a server's stdin/stdout: no SDK client cost in the timings."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
        )
        self._buffer = b""
        self._next_id = 0

    def notify(self, method: str, params: Mapping[str, Any] | None = None) -> None:
        self._write({"jsonrpc": "2.0", "method": method, **({"params": params} if params else {})})

    def request(self, method: str, params: Mapping[str, Any], timeout: float = 30) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._write({"jsonrpc": "2.0", "id": ident, "method": method, "params": dict(params)})
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._line(deadline))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def initialize(self) -> Any:
        result = self.request(
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "kp-tools-bench", "version": "0"},
            },
        )
        self.notify("notifications/initialized")
        return result

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _write(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _line(self, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the server did not answer in time")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"the server exited (code {self.process.wait()})")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


def start_http_server(
    command: Sequence[str], port: int, env: Mapping[str, str], timeout: float = 30
) -> subprocess.Popen[bytes]:
    """Start an HTTP server and wait until its port accepts connections."""
    process = subprocess.Popen(
        list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(env)
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    stop(process)
    raise TimeoutError(f"{command[0]} did not listen on port {port}")

"""Shared fixtures: a fresh in-process sandbox and an executor wired to it, per test; kp-mcp's
command line run in-process."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from kp_tools import Executor, Sandbox

MEMBER = "kgp_sandbox_member"
FREE = "kgp_sandbox_free"
BROKE = "kgp_sandbox_broke"
READONLY = "kgp_sandbox_readonly"
REVOKED = "kgp_sandbox_revoked"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture
async def executor(sandbox: Sandbox) -> AsyncIterator[Executor]:
    executor = Executor.for_sandbox(sandbox)
    yield executor
    await executor.aclose()


@dataclass(frozen=True, slots=True)
class CommandRun:
    """How a command line ended: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str


KpMcp = Callable[..., CommandRun]


@pytest.fixture
def kp_mcp(capsys: pytest.CaptureFixture[str]) -> KpMcp:
    """``kp_mcp("--port", "70000")`` runs ``kp-mcp``'s ``main`` in-process until it exits.

    For command lines that stop before serving (help, version, refusals). kp-mcp checks all
    it refuses before it configures logging, so only its flags in the environment (which it sets
    for the executors it builds) need putting back; a test of a whole start runs a child process.
    """
    from kp_tools.mcp.cli import main

    def run(*args: str) -> CommandRun:
        capsys.readouterr()
        environment = dict(os.environ)
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            os.environ.clear()
            os.environ.update(environment)
        out, err = capsys.readouterr()
        return CommandRun(code, out, err)

    return run

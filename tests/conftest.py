"""Shared fixtures: a fresh in-process sandbox and an executor wired to it, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

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

"""Fixtures for the sandbox's own tests: an HTTP client into a fresh in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kp_tools import Sandbox
from kp_tools.sandbox import IN_PROCESS_BASE_URL


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=sandbox.transport, base_url=IN_PROCESS_BASE_URL
    ) as client:
        yield client


def key(value: str) -> dict[str, str]:
    return {"X-KGP-Api-Key": value}

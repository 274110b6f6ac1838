"""Which checks run, in which order, against which target.

From the inside out (this install, the key, the route, then each answer), stopping where
nothing further could be learnt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import httpx

from kp_tools.api_contract import DEFAULT_BASE_URL
from kp_tools.cli.doctor.api import check_api
from kp_tools.cli.doctor.checks import Report
from kp_tools.cli.doctor.environment import check_environment
from kp_tools.cli.doctor.fetch import TIMEOUT, Fetcher
from kp_tools.cli.doctor.keys import key_check, sandbox_key_check
from kp_tools.cli.doctor.route import check_route
from kp_tools.client import ENV_BASE_URL, KPainterClient
from kp_tools.keys import ApiKey
from kp_tools.retry import RetryPolicy

__all__ = ["DOCTOR_RETRY", "diagnose"]

DOCTOR_RETRY: Final = RetryPolicy(
    attempts=2, initial_backoff=0.2, deadline=20.0, max_retry_after=3.0
)
"""A doctor reports what happens; one retry shows whether the toolkit's own retry gets through."""


async def diagnose(*, api_key: str | None, sandbox: bool, env: Mapping[str, str]) -> Report:
    """Run every check; ``env`` stands for the environment (the key chain, KGP_BASE_URL).

    The report comes back scrubbed of the key, wherever an upstream may have echoed it.
    """
    key: ApiKey | None
    proxy: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    if sandbox:
        from kp_tools.sandbox import IN_PROCESS_BASE_URL, Sandbox

        emulator = Sandbox()
        report = Report(f"embedded sandbox ({IN_PROCESS_BASE_URL})")
        check_environment(report)
        key = sandbox_key_check(report, api_key, env)
        client = emulator.client(retry=DOCTOR_RETRY, timeout=TIMEOUT)
        transport = emulator.transport
    else:
        base_url = (env.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        report = Report(base_url)
        check_environment(report)
        key = key_check(report, api_key, env, base_url)
        reachable, proxy = await check_route(report, base_url, env)
        if not reachable:
            return report.scrubbed(key.reveal() if key else None)
        client = KPainterClient(base_url, retry=DOCTOR_RETRY, timeout=TIMEOUT)
    async with client, Fetcher(client.base_url, key, transport=transport, via=proxy) as fetch:
        await check_api(report, client, fetch, key)
    return report.scrubbed(key.reveal() if key else None)

"""Two kp-mcp replicas on one Redis hold one budget: together they never pass the ceiling.

Real processes on loopback: a Redis server, ``kp-tools sandbox`` standing in for KPainter, and two
``kp-mcp --transport http --stateless`` replicas sharing ``KP_STATE_URL``; one takes its ceiling
from the ``--budget-credits`` flag, the other from ``KP_BUDGET_CREDITS``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import MEMBER
from tests.mcp.conftest import payload
from tests.processes import served_sandbox, stateless_replicas, upstream_posts
from tests.redis_server import redis_server
from tests.state.test_replicas import call

pytestmark = [pytest.mark.slow]

CEILING = 100


@dataclass
class Replicas:
    urls: list[str]
    upstream: str

    def creates(self) -> int:
        return upstream_posts(self.upstream)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    logs = tmp_path_factory.mktemp("budget-replicas")
    settings = [(["--budget-credits", str(CEILING)], {}), ([], {"KP_BUDGET_CREDITS": str(CEILING)})]
    with (
        redis_server() as redis_url,
        served_sandbox(logs) as upstream,
        stateless_replicas(upstream, redis_url, logs, settings) as urls,
    ):
        yield Replicas(urls, upstream)


async def test_concurrent_creates_on_two_replicas_start_only_what_the_budget_allows(
    replicas: Replicas,
) -> None:
    assert payload(await call(replicas.urls[0], "kp_me", {}, MEMBER))["ok"]
    briefs: list[dict[str, Any]] = [
        {"type": "slides_video", "prompt": f"Budgeted topic {n}", "scene_count": 3}
        for n in range(16)
    ]
    results = await asyncio.gather(
        *(
            call(replicas.urls[n % 2], "kp_create_creation", brief, MEMBER)
            for n, brief in enumerate(briefs)
        )
    )
    outcomes = [payload(result) for result in results]
    started = [o for o in outcomes if o["ok"]]
    refused = [o for o in outcomes if not o["ok"]]
    cost = started[0]["result"]["cost"]

    assert len(started) == CEILING // cost  # every credit of the ceiling, and not one more
    assert {o["error"]["code"] for o in refused} == {"budget_exceeded"}
    assert replicas.creates() == len(started)  # the refused ones never reached KPainter

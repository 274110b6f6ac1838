"""1. Executor overhead: a read tool through the executor against the same raw httpx request.

Both go to the same in-process sandbox through the same transport. The raw request is what a
hand-written client would do: an ``httpx.AsyncClient`` GET with the key header, then ``.json()``.
The executor call adds key resolution, the workflow gate, the typed client (retry policy, size
cap, error mapping, pydantic validation) and the outcome. ``kp_me`` has already succeeded, so the
gate passes and nothing else is sent.

A third case separates the workflow from the HTTP work: *lean httpx* builds each request the
way the toolkit's client does (an ``httpx.Request`` on a URL parsed once, then ``send``), which
skips ``AsyncClient.build_request`` (URL join and header and cookie merging, about 30 µs). The
target is against the raw request, as issue 6 defines it; the lean case says what the workflow
itself costs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict

import httpx

from bench.common import KEY, Settings, prepared_executor, us
from bench.report import Check, Section, Table
from bench.stats import interleave, ratio, summarize

NAME = "executor"
LIMIT = 1.10
PAIRS = (
    ("kp_me", "GET /me", "lean /me"),
    ("kp_get_creation", "GET /creations/{id}", "lean /creations/{id}"),
)


async def _samples(settings: Settings) -> dict[str, list[float]]:
    from kp_tools.sandbox import IN_PROCESS_BASE_URL

    executor, sandbox, creation_id = await prepared_executor()
    raw = httpx.AsyncClient(
        base_url=IN_PROCESS_BASE_URL,
        transport=sandbox.transport,
        headers={"Accept": "application/json"},
    )
    headers = {"X-KGP-Api-Key": KEY}
    arguments = {"creation_id": creation_id}

    async def raw_me() -> None:
        response = await raw.get("/me", headers=headers)
        response.raise_for_status()
        response.json()

    async def raw_creation() -> None:
        response = await raw.get(f"/creations/{creation_id}", headers=headers)
        response.raise_for_status()
        response.json()

    def lean(path: str) -> Callable[[], Awaitable[None]]:
        url = httpx.URL(IN_PROCESS_BASE_URL + path)

        async def send_built() -> None:
            request_headers = raw.headers.copy()
            request_headers.update(headers)
            response = await raw.send(httpx.Request("GET", url, headers=request_headers))
            response.raise_for_status()
            response.json()

        return send_built

    async def executor_me() -> None:
        assert (await executor.run("kp_me", api_key=KEY)).ok

    async def executor_creation() -> None:
        assert (await executor.run("kp_get_creation", arguments, api_key=KEY)).ok

    try:
        return await interleave(
            {
                "GET /me": raw_me,
                "kp_me": executor_me,
                "GET /creations/{id}": raw_creation,
                "kp_get_creation": executor_creation,
                "lean /me": lean("/me"),
                "lean /creations/{id}": lean(f"/creations/{creation_id}"),
            },
            rounds=settings.pick(6000, 1500),
            warmup=settings.pick(500, 200),
        )
    finally:
        await raw.aclose()
        await executor.aclose()


def run(settings: Settings) -> Section:
    samples = asyncio.run(_samples(settings))
    stats = {name: summarize(values) for name, values in samples.items()}
    table = Table(
        [
            "call",
            "raw httpx median",
            "executor median",
            "executor p95",
            "overhead",
            "ratio",
            "lean httpx median",
            "ratio to lean",
        ]
    )
    section = Section(
        name=NAME,
        title="1. Executor overhead (in-process sandbox)",
        method=(
            f"A read tool through `Executor.run` against the same raw `httpx.AsyncClient` "
            f"request (key header, `.json()`) on the same in-process sandbox transport; "
            f"{stats['kp_me'].n} interleaved calls of each after warm-up, per-call times. "
            f"Lean httpx builds each request as the toolkit's client does (`httpx.Request` on a "
            f"URL parsed once, then `AsyncClient.send`), so the ratio to it is the workflow's own "
            f"cost."
        ),
        tables=[table],
        data={name: asdict(summary) for name, summary in stats.items()},
    )
    for tool, request, lean_case in PAIRS:
        subject, baseline, lean = stats[tool], stats[request], stats[lean_case]
        r = ratio(subject.median, baseline.median)
        table.rows.append(
            [
                f"`{tool}` vs `{request}`",
                us(baseline.median),
                us(subject.median),
                us(subject.p95),
                us(subject.median - baseline.median),
                f"{r:.2f}x",
                us(lean.median),
                f"{ratio(subject.median, lean.median):.2f}x",
            ]
        )
        section.checks.append(
            Check(
                target=f"executor overhead, `{tool}`",
                measured=f"{r:.2f}x ({us(subject.median)} vs {us(baseline.median)})",
                limit=f"≤ {LIMIT:.2f}x the raw request",
                met=r <= LIMIT,
            )
        )
    return section

"""Timing helpers: interleaved repetitions, summaries (median and percentiles)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Summary", "interleave", "ratio", "summarize"]


@dataclass(frozen=True, slots=True)
class Summary:
    """A sample's size, median, 95th and 99th percentiles, mean and minimum (one unit)."""

    n: int
    median: float
    p95: float
    p99: float
    mean: float
    min: float


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("no samples")
    if len(values) == 1:
        v = values[0]
        return Summary(1, v, v, v, v, v)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return Summary(
        n=len(values),
        median=statistics.median(values),
        p95=cuts[94],
        p99=cuts[98],
        mean=statistics.fmean(values),
        min=min(values),
    )


def ratio(subject: float, baseline: float) -> float:
    return subject / baseline if baseline else float("inf")


async def interleave(
    cases: Mapping[str, Callable[[], Awaitable[object]]],
    *,
    rounds: int,
    warmup: int,
) -> dict[str, list[float]]:
    """Run every case once per round, in A-B-C then C-B-A order, timing each call in µs.

    Alternating the order cancels what the position in a round does (caches warmed by the
    previous case); interleaving cancels drift (other load on the machine, frequency changes).
    """
    names = list(cases)
    for _ in range(warmup):
        for name in names:
            await cases[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    clock = time.perf_counter_ns
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            call = cases[name]
            started = clock()
            await call()
            samples[name].append((clock() - started) / 1000)
    return samples

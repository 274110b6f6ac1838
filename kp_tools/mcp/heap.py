"""kp-mcp's start-up objects, kept out of the garbage collector's way.

A kp-mcp process holds about 130,000 objects once its imports, models and tool schemas are built.
They live as long as the process, yet the collector would walk them twice over:

- **while they are built.** Every 700 new objects start a collection, and the older generations
  grow with each one, so start-up pays about 45 ms of collections on a 2-core machine, 7% of
  what a host waits for kp-mcp's tool list (BENCHMARKS.md, cold start). Start-up runs with the
  collector paused (:func:`collections_paused`); it makes very little garbage (about 4,600 blocks,
  a few hundred KB, in a stdio start).
- **at every full collection afterwards**: about 35 ms during which no request is served, which
  showed in the latency tail of HTTP servers (p99 under 64 clients, the slowest calls at every
  load). Once start-up is over, what it built is frozen (:func:`freeze_start_up_objects`), so
  collections only look at objects made later.

HTTP servers collect once before freezing, so no start-up garbage is kept; stdio servers do not,
since a host is waiting for their first answer and the collection itself takes about 70 ms.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collections_paused", "freeze_start_up_objects"]


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic collection inside the block; the collector as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_start_up_objects(*, collect: bool = True) -> None:
    """Move every object alive now to the permanent generation, out of later collections.

    Args:
        collect: collect first, so that start-up garbage is freed rather than kept for the life
            of the process. Objects made later are collected as usual either way.
    """
    if collect:
        gc.collect()
    gc.freeze()

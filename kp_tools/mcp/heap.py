"""Start-up objects out of the garbage collector's sight, for a long-running HTTP server.

A kp-mcp process holds about 100,000 objects once its imports, models and tool schemas are
built. They live as long as the process, yet every full collection walks all of them: about
35 ms on a 2-core machine, during which no request is served. Freezing them after start-up
takes those pauses out of the latency tail (BENCHMARKS.md: p99 under 64 clients, and the
slowest calls at every load). stdio servers are left alone: a host spawns them often and waits
for their first answer, and the collection that must come first costs that 35 ms.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_start_up_objects"]


def freeze_start_up_objects() -> None:
    """Collect once, then move every surviving object to the permanent generation.

    Only the objects alive now are frozen (the collection runs first), so nothing that was
    already garbage is kept. Objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()

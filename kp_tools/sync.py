"""Run coroutines from synchronous code, even inside a running event loop (Jupyter).

A private event loop on a daemon thread does the work, so nothing needs nest_asyncio and the
caller's loop (if any) is never re-entered. One loop for the whole process: the client keeps its
pooled connections per loop, so every sync call reuses the same pool.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="kp-tools-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coroutine`` to completion on the background loop and return its result."""
    loop = _background_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coroutine.close()
        raise RuntimeError("run_sync called from the kp-tools loop itself; await the coroutine")
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

"""Shared pieces of the reliability suite: fast retry policies, timed transports, served sandboxes.

Everything here is bounded: retry policies use millisecond backoffs and second-scale deadlines,
and every served process listens on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import uvicorn
from starlette.types import ASGIApp

from kp_tools import Executor, RetryPolicy, Sandbox

FAST = RetryPolicy(
    attempts=3, initial_backoff=0.01, max_backoff=0.05, deadline=5.0, max_retry_after=1.0
)
"""Three attempts, millisecond backoff, Retry-After honoured up to 1 s, 5 s in all."""

TIMEOUT = 0.3
"""The client timeout the fault tests use: long enough for the sandbox, short for a test."""


@dataclass(frozen=True, slots=True)
class Sent:
    method: str
    path: str
    at: float


class TimedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and remembers when each request left, to check waits between them."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(Sent(request.method, request.url.path, time.monotonic()))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def fast_executor(
    sandbox: Sandbox,
    *,
    retry: RetryPolicy = FAST,
    timeout: float = TIMEOUT,
    max_response_bytes: int = 1024 * 1024,
) -> Executor:
    client = sandbox.client(retry=retry, timeout=timeout, max_response_bytes=max_response_bytes)
    return Executor(client, env={})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a daemon thread; yields ``http://host:port``."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

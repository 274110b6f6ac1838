"""An httpx transport into the sandbox app that behaves like a network where it matters.

httpx's ASGITransport calls the app directly: it ignores timeouts, and a response whose body is
shorter than its Content-Length arrives as if it were complete. A real socket gives ReadTimeout
and RemoteProtocolError in those cases, and the toolkit's no-double-spend logic depends on
telling them apart, so this transport reproduces both.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp

__all__ = ["SandboxTransport"]


class SandboxTransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport, plus the read timeout and the short-body error of a real socket."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer in-process, failing as a socket would (ReadTimeout, RemoteProtocolError)."""
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            response = await asyncio.wait_for(self._inner.handle_async_request(request), timeout)
            body = await response.aread()
        except TimeoutError:
            raise httpx.ReadTimeout("sandbox did not answer in time", request=request) from None
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > len(body):
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            request=request,
        )

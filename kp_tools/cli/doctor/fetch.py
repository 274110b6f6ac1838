"""Raw GETs next to the client's, for what came over the wire.

The client turns answers into models or errors, and the doctor also needs what came over the
wire (the status, the JSON itself, the transport error).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Final

import httpx

from kp_tools import __version__
from kp_tools.api_contract import KEY_HEADER
from kp_tools.keys import ApiKey

__all__ = ["TIMEOUT", "Answer", "Fetcher"]

TIMEOUT: Final = 10.0
"""Seconds for any one step (DNS, a request): a doctor that hangs tells nobody anything."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What one raw GET got: an HTTP status and body, or the transport error."""

    path: str
    status: int | None = None
    body: bytes = b""
    location: str | None = None
    error: httpx.HTTPError | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer: there is a body worth reading."""
        return self.status is not None and 200 <= self.status < 300


class Fetcher:
    """Raw GETs with the toolkit's headers, so the JSON itself can be inspected.

    ``transport`` is the in-process sandbox's (no network); ``via`` is the proxy the route check
    found, named when the connection fails.
    """

    def __init__(
        self,
        base_url: str,
        key: ApiKey | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        via: str | None = None,
    ) -> None:
        self._base_url, self._key = base_url, key
        self.in_process, self.via = transport is not None, via
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=TIMEOUT,
            headers={"User-Agent": f"kp-tools/{__version__} doctor", "Accept": "application/json"},
        )

    async def __aenter__(self) -> Fetcher:
        await self._http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.__aexit__(exc_type, exc, traceback)

    async def get(self, path: str, *, keyed: bool = True) -> Answer:
        """GET ``path`` under the base URL, with the key unless ``keyed`` is False."""
        headers = {KEY_HEADER: self._key.reveal()} if keyed and self._key else {}
        try:
            response = await self._http.get(self._base_url + path, headers=headers)
        except httpx.HTTPError as error:
            return Answer(path, error=error)
        return Answer(
            path, response.status_code, response.content, response.headers.get("location")
        )

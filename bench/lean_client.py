"""A lean MCP load generator: 2026-07-28 ``tools/call`` requests as plain JSON POSTs.

On the 2026-07-28 revision a tool call is one self-contained JSON-RPC POST (protocol version,
client info and capabilities in ``_meta``, routing headers ``Mcp-Method`` and ``Mcp-Name``), and
the answer is JSON. The SDK's ``mcp.Client`` spends about a millisecond of CPU per call around
that (sessions, task groups, validation against the output schema); on two cores shared with the
servers, that alone caps what a server can be shown to do. This client sends the same bytes the
SDK's client sends (captured from it) on one keep-alive connection per simulated client, and
checks the answer is a result that is not an error, so more of the machine is left to the servers
under test. Used by bench/topology.py (whose calls chain: a create, then a wait on the job it
started) and bench/speed.py; bench/wrk.py drives the other HTTP sections.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

__all__ = ["LeanClient"]

PROTOCOL = "2026-07-28"
_META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "kp-tools-bench", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


class LeanClient:
    """One simulated client: its own connection, its own request ids."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)
        )
        self._ids = itertools.count(1)
        self.resent = 0

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        body = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments, "_meta": _META},
        }
        content = json.dumps(body).encode()
        headers = {
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
            "mcp-protocol-version": PROTOCOL,
            "mcp-method": "tools/call",
            "mcp-name": name,
        }
        try:
            response = await self._http.post(self.url, content=content, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # uvicorn closes a keep-alive connection after 5 idle seconds; a request sent on it
            # just then is lost before the server reads it. Once more, on a new connection.
            self.resent += 1
            response = await self._http.post(self.url, content=content, headers=headers)
        response.raise_for_status()
        answer = _answer(response, body["id"])
        result = answer.get("result")
        if not isinstance(result, dict) or result.get("isError"):
            raise RuntimeError(f"{name} failed: {answer}")
        return result

    async def aclose(self) -> None:
        await self._http.aclose()


def _answer(response: httpx.Response, ident: object) -> dict[str, Any]:
    """The JSON-RPC answer, from a JSON body or from the SSE stream's events."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("id") == ident:
                    return dict(message)
        raise RuntimeError(f"no answer to request {ident} in the event stream")
    return dict(response.json())

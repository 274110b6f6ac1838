"""Where an MCP request's own key comes from, besides the ``api_key`` tool argument.

Over streamable HTTP a client may send the user's key once per HTTP request in the
``X-KGP-Api-Key`` header (the same header the KPainter OpenAPI uses). It applies to that request
only: nothing about it is stored on the session, so one server serves many users. On stdio there
is no HTTP request and this returns nothing.
"""

from __future__ import annotations

from typing import Any, Final

from mcp.server import ServerRequestContext
from starlette.requests import Request

__all__ = ["API_KEY_ARGUMENT", "KEY_HEADER", "header_api_key"]

API_KEY_ARGUMENT: Final = "api_key"
"""The optional tool argument of the KPainter MCP contract."""

KEY_HEADER: Final = "X-KGP-Api-Key"


def header_api_key(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """The key sent in this HTTP request's ``X-KGP-Api-Key`` header, if any (blank = none)."""
    request = ctx.request
    if not isinstance(request, Request):
        return None
    value = (request.headers.get(KEY_HEADER) or "").strip()
    return value or None

"""Streamable HTTP at ``/mcp``: the SDK's transport behind an origin allow-list and CORS.

Layers, outermost first:

1. :class:`OriginAllowList`: a request carrying an ``Origin`` header that is not allowed gets
   403, preflights included. Allowed are ``PARTNER_MCP_ALLOWED_ORIGINS`` and, when the server is
   bound to a loopback address, every loopback origin (:attr:`HttpSettings.origins`); their
   requests go through Starlette's ``CORSMiddleware``, which exposes ``Mcp-Session-Id``.
   Requests without an ``Origin`` (MCP hosts, CLIs, servers) are not cross-origin browser
   requests: they pass, with only the ``Vary: Origin`` that CORS would have added.
2. The SDK's streamable HTTP app, with DNS-rebinding protection on (``Host`` must be one of
   :attr:`HttpSettings.allowed_hosts`, else 421) and a request body limit (413), wrapped in
   :class:`ErrorEchoFilter`: the SDK's 4xx answers to malformed JSON-RPC quote the request back
   (pydantic's ``input_value=...``), which could include the caller's key; that quote is removed.

Keys are per call (the ``api_key`` argument) or per HTTP request (the ``X-KGP-Api-Key``
header); the server keeps no key on the session, so one server serves many users.
``stateless=True`` gives every request a fresh transport with no ``Mcp-Session-Id``, for replicas
behind a load balancer (workflow state then has to live in a shared state store).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kp_tools import __version__
from kp_tools.mcp.server import KPainterServer
from kp_tools.redaction import redact

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "ENV_ALLOWED_ORIGINS",
    "MCP_PATH",
    "ErrorEchoFilter",
    "HttpSettings",
    "OriginAllowList",
    "allowed_origins_from_env",
    "build_http_app",
]

ENV_ALLOWED_ORIGINS: Final = "PARTNER_MCP_ALLOWED_ORIGINS"
MCP_PATH: Final = "/mcp"
DEFAULT_MAX_BODY_BYTES: Final = 1024 * 1024
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_EVERY_INTERFACE: Final = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not binds
_LOOPBACK_ORIGIN_HOSTS: Final = ("127.0.0.1", "localhost", "[::1]")


def allowed_origins_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """``PARTNER_MCP_ALLOWED_ORIGINS`` as a list: comma-separated, blanks and trailing / dropped."""
    raw = (os.environ if env is None else env).get(ENV_ALLOWED_ORIGINS, "")
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip().rstrip("/")]


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Exact match, or ``scheme://host:*`` for any port (the SDK's own pattern)."""
    origin = origin.rstrip("/")
    for entry in allowed:
        if origin == entry:
            return True
        prefix = entry[:-1]  # "http://localhost:*" -> "http://localhost:"
        if entry.endswith(":*") and origin.startswith(prefix) and origin[len(prefix) :].isdigit():
            return True
    return False


def loopback_origins() -> list[str]:
    """Every origin a page served from this machine can have: loopback names, any port.

    Accepted only on a loopback bind. Any port, not just the server's own: a DNS-rebinding page
    always carries its own (attacker's) origin, never a loopback one, because the browser sets
    ``Origin`` from the page's URL and not from the address the name resolved to; and a page
    that really is served from loopback is local code, which can reach a loopback port without a
    browser anyway. Browser-based local clients (the MCP Inspector, dev servers) run on ports of
    their own.
    """
    return [
        f"{scheme}://{name}{port}"
        for scheme in ("http", "https")
        for name in _LOOPBACK_ORIGIN_HOSTS
        for port in ("", ":*")
    ]


def _default_hosts(host: str, port: int) -> list[str]:
    """The bound address; loopback names too when it is loopback or every interface."""
    names = {host if ":" not in host or host.startswith("[") else f"[{host}]"}
    if host in _LOOPBACK or host in _EVERY_INTERFACE:
        names |= {"127.0.0.1", "localhost", "[::1]"}
    suffix = "*" if port == 0 else str(port)
    return sorted(f"{name}:{suffix}" for name in names)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How the HTTP endpoint is exposed. ``allowed_origins`` defaults to the environment's."""

    host: str = "127.0.0.1"
    port: int = 8002
    allowed_origins: list[str] = field(default_factory=allowed_origins_from_env)
    extra_allowed_hosts: list[str] = field(default_factory=list)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    stateless: bool = False

    @property
    def loopback(self) -> bool:
        """Bound to a loopback address: only this machine can connect."""
        return self.host in _LOOPBACK

    @property
    def origins(self) -> list[str]:
        """``Origin`` values accepted: the configured ones, and loopback ones on a loopback bind."""
        extra = [o for o in loopback_origins() if o not in self.allowed_origins]
        return [*self.allowed_origins, *(extra if self.loopback else [])]

    @property
    def allowed_hosts(self) -> list[str]:
        """``Host`` header values accepted (DNS-rebinding protection): the bound address."""
        return [*_default_hosts(self.host, self.port), *self.extra_allowed_hosts]

    def transport_security(self) -> TransportSecuritySettings:
        """The SDK's DNS-rebinding checks, for the hosts and origins above."""
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=self.allowed_hosts,
            allowed_origins=self.origins,
        )


class OriginAllowList:
    """Refuse (403) a request whose ``Origin`` is not allowed; answer allowed ones with CORS.

    Nearly every request to an MCP server comes from a host, a CLI or a server, without an
    ``Origin``. Starlette's CORS layer, run for those too, cost about 5% of the server's CPU per
    tool call (``wrk``, 8 clients; BENCHMARKS.md), only to add ``Vary: Origin`` to the answer. So
    they skip it and get that header here: it tells caches that a browser's request, which
    carries an ``Origin``, may be answered differently.
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed_origins)
        self._with_cors = CORSMiddleware(
            app,
            allow_origins=[o for o in self.allowed if not o.endswith(":*")],
            allow_origin_regex=_port_wildcards(self.allowed),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            # MCP sends protocol headers whose names vary (Mcp-Param-*); origins are already
            # restricted, so any request header is allowed from them.
            allow_headers=["*"],
            expose_headers=["Mcp-Session-Id", "Mcp-Protocol-Version"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 403 to a disallowed ``Origin``, CORS to an allowed one; pass the rest on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, _varying_on_origin(send))
        elif origin_allowed(origin, self.allowed):
            await self._with_cors(scope, receive, send)
        else:
            response = JSONResponse(
                {"error": "origin_not_allowed", "message": f"Origin {origin} is not allowed."},
                status_code=403,
            )
            await response(scope, receive, send)


def _varying_on_origin(send: Send) -> Send:
    """``send``, adding ``Vary: Origin`` to the response (CORS adds it to every answer)."""

    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), (b"vary", b"Origin")]
            message = {**message, "headers": headers}
        await send(message)

    return send_varying


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (``name`` in lower case, as ASGI gives names)."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


_ECHOED_INPUT: Final = re.compile(rb"input_value=.*?, input_type=", re.DOTALL)
_MAX_ERROR_BODY: Final = 256 * 1024


class ErrorEchoFilter:
    """Remove request content quoted back in JSON error answers (status 400 and up).

    The SDK answers a JSON-RPC message it cannot validate with pydantic's error text, which
    quotes the input (``input_value={... 'api_key': '...'}``, truncated in the middle, so the end
    of a key survives). Error answers are small: the body is held, the quotes are replaced, any
    key-shaped text is redacted, and the length is fixed. Other answers (SSE streams, results)
    pass untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, rewriting a JSON error answer's quotes of the request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def filtered(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400:
                types = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
                if types and types[0].startswith(b"application/json"):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size = sum(map(len, chunks))
                if message.get("more_body", False) and size <= _MAX_ERROR_BODY:
                    return
                body = _without_echo(b"".join(chunks))
                headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                start, held = {**held, "headers": headers}, None
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, filtered)


def _without_echo(body: bytes) -> bytes:
    cleaned = _ECHOED_INPUT.sub(b"input_value=(not shown), input_type=", body)
    return redact(cleaned.decode("utf-8", errors="replace")).encode()


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "server": "kp-mcp", "version": __version__})


def build_http_app(
    server: KPainterServer,
    settings: HttpSettings | None = None,
    *,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """The ASGI app: ``/mcp`` (streamable HTTP) and ``/healthz``.

    Build a new ``server`` per app: the SDK's session manager runs once per server instance.
    ``on_shutdown`` runs after the last session closed (for example ``executor.aclose``).
    """
    settings = settings or HttpSettings()
    # One Starlette app, the SDK's, with /healthz beside /mcp and kp-mcp's layers around it:
    # mounting the SDK's app inside an app of our own ran every request through two routers
    # and two sets of error middleware.
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=settings.stateless,
        max_request_body_size=settings.max_body_bytes,
        transport_security=settings.transport_security(),
        custom_starlette_routes=[Route("/healthz", _health)],
    )
    session_manager = server.session_manager

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with session_manager.run():
                yield
        finally:
            if on_shutdown is not None:
                await on_shutdown()

    app.router.lifespan_context = lifespan
    # add_middleware puts each layer outside the ones added before it.
    app.add_middleware(ErrorEchoFilter)
    app.add_middleware(OriginAllowList, allowed_origins=settings.origins)
    return app


def _port_wildcards(origins: Iterable[str]) -> str | None:
    patterns = [re.escape(o[:-2]) + r":\d+" for o in origins if o.endswith(":*")]
    return "|".join(patterns) or None

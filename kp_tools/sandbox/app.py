"""The sandbox's HTTP surface: the Generation A OpenAPI under /openapi/v1, as an ASGI app.

Errors use the emulator model of docs/api-facts.md §7.3: ``{"detail": {"code", "message"}}``,
and FastAPI's list form for validation failures. A thin ASGI layer in front records every request
(for tests that count what reached "KPainter") and applies the fault switches.

Test-only admin endpoints, outside the API prefix (so never recorded or faulted):
``POST /_sandbox/accounts`` (create or replace an account), ``POST /_sandbox/top-up``,
``POST /_sandbox/faults`` and ``DELETE /_sandbox/faults``, ``GET /_sandbox/requests``. They answer
a malformed request with 422 (or 404 for an unknown account), never 500.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kp_tools.api_contract import API_PREFIX, ERROR_CODE_BY_STATUS, KEY_HEADER, PATHS
from kp_tools.errors import FieldProblem
from kp_tools.sandbox.faults import Fault
from kp_tools.sandbox.world import Account, SandboxError

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["API_PREFIX", "build_app"]

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def build_app(sandbox: Sandbox) -> ASGIApp:
    """The emulated API under ``/openapi/v1``, the ``/_sandbox`` controls and the media routes.

    Errors come back in the body shape and with the status the client maps
    (:mod:`kp_tools.api_contract`), so the client's error handling is exercised for real.
    """
    world = sandbox.world

    def origin(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def account(request: Request) -> Account:
        key = request.headers.get(KEY_HEADER)
        bearer = request.headers.get("authorization", "")
        if not key and bearer.lower().startswith("bearer "):
            key = bearer[7:].strip()
        return world.authenticate(key)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "kpainter-sandbox"})

    async def me(request: Request) -> Response:
        return JSONResponse(account(request).me())

    async def catalog(request: Request) -> Response:
        account(request)
        return JSONResponse(world.catalog.model_dump(mode="json", exclude_defaults=True))

    async def create(request: Request) -> Response:
        owner = account(request)
        return JSONResponse(world.create(owner, await _json_object(request)))

    async def list_creations(request: Request) -> Response:
        owner = account(request)
        query = request.query_params
        page = _int_param(query.get("page", "1"), "page", 1, 10_000)
        page_size = _int_param(query.get("page_size", "20"), "page_size", 1, 100)
        return JSONResponse(
            world.list(
                owner,
                page=page,
                page_size=page_size,
                type_=query.get("type"),
                status=query.get("status"),
                query=query.get("query"),
                origin=origin(request),
            )
        )

    async def detail(request: Request) -> Response:
        owner = account(request)
        creation_id = _path_id(request, "creation_id")
        return JSONResponse(world.detail(owner, creation_id, origin(request)))

    async def job(request: Request) -> Response:
        owner = account(request)
        return JSONResponse(world.job(owner, _path_id(request, "job_id")))

    async def edit(request: Request) -> Response:
        owner = account(request)
        creation_id = _path_id(request, "creation_id")
        return JSONResponse(world.edit_scene(owner, creation_id, await _json_object(request)))

    async def top_up(request: Request) -> Response:
        body = await _json_object(request)
        key = _admin_field(body, "key", str)
        credits = _admin_field(body, "credits", int, default=0)
        if key not in world.accounts:
            raise SandboxError(404, "not_found", "No sandbox account has that key.")
        updated = sandbox.top_up(key, credits)
        return JSONResponse({"credits": updated.credits})

    async def add_account(request: Request) -> Response:
        """Create (or replace) an account; answers with its ``me`` minus the key.

        The body: ``{"key", "credits"?, "plan"?, "name"?, "can_manage_creations"?, "active"?}``.
        """
        body = await _json_object(request)
        unknown = set(body) - {"key", "credits", "plan", "name", "can_manage_creations", "active"}
        if unknown:
            raise _admin_problem("body", f"unknown fields: {', '.join(sorted(unknown))}")
        key = _admin_field(body, "key", str)
        if not key.strip():
            raise _admin_problem("key", "must not be blank")
        account = sandbox.add_account(
            key,
            credits=_admin_field(body, "credits", int, default=1000),
            plan=_admin_field(body, "plan", str, default="member"),
            name=_admin_field(body, "name", str, default="Sandbox User"),
            can_manage_creations=_admin_field(body, "can_manage_creations", bool, default=True),
            active=_admin_field(body, "active", bool, default=True),
        )
        return JSONResponse({**account.me(), "active": account.active})

    async def add_fault(request: Request) -> Response:
        body = await _json_object(request)
        try:
            fault = Fault(**body)
        except (TypeError, ValueError) as error:
            raise _admin_problem("body", str(error)) from None
        sandbox.faults.add(fault)
        return JSONResponse(asdict(fault))

    async def clear_faults(request: Request) -> Response:
        sandbox.faults.clear()
        return JSONResponse({"faults": 0})

    async def request_log(request: Request) -> Response:
        return JSONResponse({"requests": [asdict(r) for r in sandbox.requests]})

    def api(path: str, handler: Handler, method: str = "GET") -> Route:
        return Route(API_PREFIX + path, _errors_as_json(handler), methods=[method])

    routes = [
        api(PATHS["health"], health),
        api(PATHS["me"], me),
        api(PATHS["catalog"], catalog),
        api(PATHS["creations"], create, "POST"),
        api(PATHS["creations"], list_creations),
        api(PATHS["job"], job),  # before "creation": /creations/jobs/1 must not match it
        api(PATHS["creation"], detail),
        api(PATHS["edit_scene"], edit, "POST"),
        Route("/_sandbox/top-up", _errors_as_json(top_up), methods=["POST"]),
        Route("/_sandbox/accounts", _errors_as_json(add_account), methods=["POST"]),
        Route("/_sandbox/faults", _errors_as_json(add_fault), methods=["POST"]),
        Route("/_sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/_sandbox/requests", request_log, methods=["GET"]),
        *sandbox.media_routes(),
    ]
    return _FaultsAndRecording(Starlette(routes=routes), sandbox)


def _errors_as_json(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except SandboxError as error:
            return error_response(error)

    return wrapped


def error_response(error: SandboxError) -> JSONResponse:
    detail: Any
    if error.problems:
        detail = [
            {
                "loc": ["body", *p.field.split(".")],
                "msg": p.problem,
                "type": "value_error",
                **({"ctx": {"allowed": p.allowed}} if p.allowed is not None else {}),
            }
            for p in error.problems
        ]
    else:
        detail = {"code": error.code, "message": error.message}
    return JSONResponse({"detail": detail}, status_code=error.status, headers=error.headers)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SandboxError(
            422,
            "validation_error",
            "Body must be a JSON object",
            problems=[FieldProblem(field="body", problem="must be a JSON object")],
        )
    return body


def _admin_problem(field: str, problem: str) -> SandboxError:
    return SandboxError(
        422,
        "validation_error",
        "Invalid request",
        problems=[FieldProblem(field=field, problem=problem)],
    )


_MISSING: Any = object()


def _admin_field(body: dict[str, Any], name: str, kind: type[T], default: T = _MISSING) -> T:
    """A field of an admin request, of exactly ``kind`` (``True`` is not an int here)."""
    value = body.get(name, default)
    if value is _MISSING:
        raise _admin_problem(name, "is required")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _admin_problem(name, f"must be a {kind.__name__}")
    if kind is int and not -(10**12) <= value <= 10**12:  # type: ignore[operator]
        raise _admin_problem(name, "is out of range")
    return value


def _is_number(raw: str) -> bool:
    """Plain ASCII digits only: ``"²".isdigit()`` is true, but ``int("²")`` fails."""
    return raw.isascii() and raw.isdigit()


def _path_id(request: Request, name: str) -> int:
    raw = request.path_params[name]
    if not _is_number(raw):
        raise SandboxError(404, "not_found", f"No {name.removesuffix('_id')} {raw!r} for this key.")
    return int(raw)


def _int_param(raw: str, name: str, low: int, high: int) -> int:
    if _is_number(raw) and low <= int(raw) <= high:
        return int(raw)
    raise SandboxError(
        422,
        "validation_error",
        "Invalid query",
        problems=[FieldProblem(field=name, problem=f"must be a whole number from {low} to {high}")],
    )


class _FaultsAndRecording:
    """Records each API request, then applies the first matching fault switch, if any."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"][len(API_PREFIX) :]
        headers = dict(scope.get("headers", []))
        key = headers.get(KEY_HEADER.lower().encode(), b"").decode() or None
        self.sandbox.record(method, path, key)
        fault = self.sandbox.faults.take(method, path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        await _apply(fault, self.app, scope, receive, send)


async def _apply(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    if fault.kind == "status":
        code = ERROR_CODE_BY_STATUS.get(fault.status, "internal_error")
        retry = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        problems = (
            [FieldProblem(field="body", problem="sandbox fault")] if fault.status == 422 else None
        )
        error = SandboxError(
            fault.status,
            code,
            f"Sandbox fault: HTTP {fault.status}",
            headers=retry,
            problems=problems,
        )
        await error_response(error)(scope, receive, send)
        return
    if fault.kind == "latency" and not fault.after_processing:
        await asyncio.sleep(fault.seconds)
        await app(scope, receive, send)
        return
    if fault.kind == "drop" and not fault.after_processing:
        await _truncated(send, b'{"detail":', declared=4096)
        return
    status, captured_headers, body = await _capture(app, scope, receive)
    if fault.kind == "latency":
        await asyncio.sleep(fault.seconds)
        await _respond(send, status, captured_headers, body)
    elif fault.kind == "drop":
        await _truncated(send, body[: len(body) // 2], declared=len(body) + 1)
    elif fault.kind == "malformed":
        await _respond(
            send, 200, [(b"content-type", b"application/json")], b"<html>502 Bad Gateway"
        )
    elif fault.kind == "truncated":
        cut = body[: max(len(body) // 2, 1)]
        await _respond(send, status, [(b"content-type", b"application/json")], cut)
    elif fault.kind == "huge":
        padding = b'{"padding":"' + b"x" * fault.size + b'"}'
        await _respond(send, 200, [(b"content-type", b"application/json")], padding)
    elif fault.kind == "trickle":
        headers = [*captured_headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for index in range(len(body)):
            if await _disconnected(receive, fault.seconds):
                return  # the client gave up: stop trickling into a closed socket
            piece = body[index : index + 1]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


async def _disconnected(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds``; True if the client disconnected meanwhile (its body is already read)."""
    try:
        message = await asyncio.wait_for(receive(), seconds)
    except TimeoutError:
        return False
    return bool(message["type"] == "http.disconnect")


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[Any], bytes]:
    messages: list[Message] = []

    async def collect(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, collect)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return start["status"], headers, body


async def _respond(send: Send, status: int, headers: list[Any], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _truncated(send: Send, partial: bytes, *, declared: int) -> None:
    """Promise ``declared`` bytes, send fewer, and end: what a dropped connection looks like."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(declared).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": partial})

"""The only module that speaks HTTP to KPainter: one method per endpoint, typed errors out.

The client is stateless about users: the key is an argument of every call, so one client (and
its connection pool) serves every user of a multi-user server.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import math
import os
import time
import weakref
from collections.abc import Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from kp_tools import __version__
from kp_tools.api_contract import (
    DEFAULT_BASE_URL,
    ERROR_CODE_BY_DETAIL,
    ERROR_CODE_BY_STATUS,
    KEY_HEADER,
    PATHS,
)
from kp_tools.errors import (
    AuthenticationError,
    ErrorCode,
    FieldProblem,
    GarbledResponseError,
    InvalidArgumentsError,
    KPainterError,
    MalformedResponseError,
    NotSentError,
    OutcomeUnknownError,
    UpstreamUnavailableError,
    error_class,
)
from kp_tools.keys import ApiKey
from kp_tools.models import (
    Catalog,
    CreationCreated,
    CreationDetail,
    CreationPage,
    EditAccepted,
    Health,
    JobStatus,
    Me,
    ResourceId,
)
from kp_tools.redaction import redact
from kp_tools.retry import RetryPolicy

__all__ = ["ENV_BASE_URL", "KPainterClient"]

ENV_BASE_URL: Final = "KGP_BASE_URL"
"""The environment variable that points every client without a ``base_url`` elsewhere."""
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024  # answers are KB; refuse anything absurd
MAX_ERROR_MESSAGE: Final = 500  # characters of an upstream error message passed on
MAX_PROBLEMS: Final = 20
CONNECT_SHARE: Final = 0.8
"""Connecting (and waiting for a pooled connection) may use this share of an attempt's budget.
It must end before the attempt's own timeout does: a connect that times out proves the request
never left, so even a create may be sent again, while an attempt cut short by the overall timeout
may have been sent."""
KEEPALIVE_SECONDS: Final = 4.0
"""How long an idle pooled connection is reused. Servers close idle connections on their own
clock, uvicorn and Node.js after 5 s (the sandbox too), and httpx's default of 5 s raced them: a
create sent on a connection the server was closing at that moment is lost unanswered, and ends
``outcome_unknown``. Under that, the pool lets the connection go first."""

logger = logging.getLogger("kp_tools.client")
M = TypeVar("M", bound=BaseModel)

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class _NoCookies(httpx.Cookies):
    """Cookies that stay empty: answers are not read for them, and none can be set."""

    def __init__(self) -> None:
        super().__init__(CookieJar(DefaultCookiePolicy(allowed_domains=[])))

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing, without building the two urllib adapters httpx makes to ask a jar."""

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        raise TypeError("kp-tools' HTTP client keeps no cookies")


class _CookielessClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that never keeps or sends a cookie.

    One client serves every user of a multi-user server, so a ``Set-Cookie`` from one user's
    answer must never reach another's request. httpx has no switch for that; a jar whose policy
    refuses every cookie still costs two urllib adapter objects per answer to find out (about 4%
    of kp-mcp's CPU per call in a profile), so this client's cookies ignore answers altogether.
    """

    _no_cookies: Final = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("kp-tools' HTTP client keeps no cookies")


class KPainterClient:
    """Async client for the KPainter OpenAPI (``/openapi/v1``).

    ``transport`` replaces the network, for example ``Sandbox().transport`` or an
    ``httpx.MockTransport``. Without one, each event loop that uses the client gets its own
    pooled ``httpx.AsyncClient`` (connections cannot cross loops; the sync facade runs its own).
    A transport given here is shared by every loop, so one that pools connections (an
    ``httpx.AsyncHTTPTransport``) must only be used from one loop: not with ``run_sync`` as well.

    Every keyed endpoint can also raise, besides what its own docstring names:
    :class:`~kp_tools.errors.AuthenticationError` (401, or a key with characters no key has),
    :class:`~kp_tools.errors.PermissionDeniedError` (403),
    :class:`~kp_tools.errors.RateLimitedError` (429, after the retries),
    :class:`~kp_tools.errors.UpstreamUnavailableError` (5xx, timeouts, no connection; reads are
    retried first) and :class:`~kp_tools.errors.MalformedResponseError` (a 2xx body that is not
    the documented shape). Writes never raise ``UpstreamUnavailableError`` once sent: they raise
    :class:`~kp_tools.errors.OutcomeUnknownError`, because they may have been paid for.

    Args:
        base_url: The API root; defaults to ``KGP_BASE_URL``, then the public API.
        transport: Replaces the network (the sandbox's, or a mock).
        timeout: Seconds one attempt may take in all, not only between bytes.
        retry: When failed requests are sent again (:class:`~kp_tools.retry.RetryPolicy`).
        max_response_bytes: Larger answers are refused rather than read into memory.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_response_bytes = max_response_bytes
        self._transport = transport
        self._http: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"KPainterClient(base_url={self.base_url!r})"

    # -- endpoints ---------------------------------------------------------------------------

    async def health(self) -> Health:
        """Whether the API is up. Needs no key, so it can run before any key is known.

        Returns:
            The API's liveness answer.

        Raises:
            UpstreamUnavailableError: The API is down or unreachable.
        """
        return await self._call(Health, "GET", PATHS["health"], None)

    async def me(self, key: ApiKey) -> Me:
        """The account behind ``key``: the check the workflow makes before anything else.

        Returns:
            Who the key belongs to, whether it may manage creations, and its credits.

        Raises:
            AuthenticationError: The key is unknown, revoked or inactive.
        """
        return await self._call(Me, "GET", PATHS["me"], key)

    async def catalog(self, key: ApiKey) -> Catalog:
        """What ``key`` may create, and with which options and credit costs.

        Returns:
            The catalog that create and edit requests are checked against before they are sent.
        """
        return await self._call(Catalog, "GET", PATHS["catalog"], key)

    async def create_creation(self, key: ApiKey, body: Mapping[str, Any]) -> CreationCreated:
        """Start a generation job. This spends credits; it is sent once, never resent blindly.

        In kp-tools only the executor's spending path sends it, after the gates, the dedupe,
        the budget and the consent: call it directly only when you have made those checks.

        Args:
            key: The key whose credits pay.
            body: The request as the API takes it (``type``, ``prompt`` and options).

        Returns:
            The job to follow, and the creation it makes when the API says so already.

        Raises:
            InsufficientCreditsError: The account cannot pay (402).
            InvalidArgumentsError: The API refused the body (422), with the fields at fault.
            OutcomeUnknownError: The request left but no usable answer came back; it may have
                started a job, so look at the creations list before asking again.
        """
        return await self._call(CreationCreated, "POST", PATHS["creations"], key, json_body=body)

    async def list_creations(
        self, key: ApiKey, params: Mapping[str, str | int] | None = None
    ) -> CreationPage:
        """One page of the creations ``key`` owns.

        Args:
            key: Whose creations.
            params: Query parameters as the API takes them (``page``, ``page_size``, filters).

        Returns:
            The page, with its items and, when the API gives it, the total.
        """
        return await self._call(CreationPage, "GET", PATHS["creations"], key, params=params)

    async def get_creation(self, key: ApiKey, creation_id: ResourceId) -> CreationDetail:
        """One creation in full: status, main URL, artifacts, scenes and allowed edit actions.

        Raises:
            NotFoundError: No creation with that id exists for this key.
        """
        path = PATHS["creation"].format(creation_id=_segment(creation_id))
        return await self._call(CreationDetail, "GET", path, key)

    async def get_job(self, key: ApiKey, job_id: ResourceId) -> JobStatus:
        """Where a generation job is. A failed job is an answer here, not an exception.

        Raises:
            NotFoundError: No job with that id exists for this key.
        """
        path = PATHS["job"].format(job_id=_segment(job_id))
        return await self._call(JobStatus, "GET", path, key)

    async def edit_scene(
        self, key: ApiKey, creation_id: ResourceId, body: Mapping[str, Any]
    ) -> EditAccepted:
        """Start a scene edit (a job, like a create). It may spend credits; it is sent once.

        Args:
            key: The key whose credits pay.
            creation_id: The creation to edit.
            body: The edit as the API takes it (``scene_id``, ``action`` and its inputs).

        Returns:
            The job to follow.

        Raises:
            NotFoundError: No creation with that id exists for this key.
            EditNotSupportedError: The creation's type or state does not allow the action (409).
            InsufficientCreditsError: The account cannot pay (402).
            InvalidArgumentsError: The API refused the body (422).
            OutcomeUnknownError: The request left but no usable answer came back.
        """
        path = PATHS["edit_scene"].format(creation_id=_segment(creation_id))
        return await self._call(EditAccepted, "POST", path, key, json_body=body)

    async def aclose(self) -> None:
        """Close every connection pool this client opened, in every event loop."""
        clients = list(self._http.values())
        self._http.clear()
        for http in clients:
            await http.aclose()

    async def __aenter__(self) -> KPainterClient:
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.aclose()

    # -- plumbing ----------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        http = self._http.get(loop)
        if http is None or http.is_closed:
            self._forget_closed_loops()
            http = _CookielessClient(
                transport=self._transport,
                timeout=self.timeout,
                limits=httpx.Limits(
                    max_connections=100,
                    max_keepalive_connections=20,
                    keepalive_expiry=KEEPALIVE_SECONDS,
                ),
                headers={"User-Agent": f"kp-tools/{__version__}", "Accept": "application/json"},
            )
            self._http[loop] = http
        return http

    def _forget_closed_loops(self) -> None:
        """Drop the pools of event loops that have ended.

        There is one per ``asyncio.run`` in a script or a synchronous web view. Their connections
        reference the loop, so the weak mapping alone never lets them go; dropped, their sockets
        close when collected.
        """
        for loop in [loop for loop in self._http if loop.is_closed()]:
            del self._http[loop]

    def _request(
        self,
        http: httpx.AsyncClient,
        method: str,
        path: str,
        key: ApiKey | None,
        json_body: Mapping[str, Any] | None,
        params: Mapping[str, str | int] | None,
        budget: float,
    ) -> httpx.Request:
        """The request for one attempt, with the call's key and the attempt's time budget.

        Built as ``AsyncClient.build_request`` would build it, without what never changes
        between two calls: the absolute URL is parsed once per path (:func:`_absolute_url`) and
        the pooled client's default headers are copied, not merged with its (always empty)
        cookie jar. On the production topology that is about 5% less CPU per call for kp-mcp
        (median of five A/B runs, 0 to 9%; bench/topology.py measures it in its table of where
        the CPU goes: kp-mcp against the ``kp-build-request`` variant of
        bench/fixtures/variant_server.py).

        No cookies ever ride along: the pooled client's jar refuses every cookie (see
        :meth:`_client`), because the client serves many users and a ``Set-Cookie`` from one
        user's answer must never reach another's request.
        """
        headers = http.headers.copy()
        if key is not None:
            if not key.sendable:
                raise AuthenticationError(
                    "This API key has characters no API key has (non-ASCII, or invisible ones "
                    "such as a zero-width space, often picked up when copying). Paste it again "
                    "as plain text."
                )
            headers[KEY_HEADER] = key.reveal()
        return httpx.Request(
            method,
            _absolute_url(self.base_url, path),
            headers=headers,
            json=json_body,
            params=params,
            extensions={
                "timeout": {
                    "connect": budget * CONNECT_SHARE,
                    "pool": budget * CONNECT_SHARE,
                    "read": budget,
                    "write": budget,
                }
            },
        )

    async def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        key: ApiKey | None,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> M:
        idempotent = method == "GET"
        started = time.monotonic()
        deadline = started + self.retry.deadline
        try:
            # The first attempt runs outside tenacity: building and stepping a retry loop costs
            # more than a whole in-process request. A retryable failure enters the loop, which
            # counts it as attempt 1, so attempts, waits and the deadline are unchanged.
            return await self._attempt(model, method, path, key, json_body, params, deadline)
        except KPainterError as error:
            if not self.retry.retryable(error, idempotent=idempotent):
                raise
            first: KPainterError | None = error
        retrying = self.retry.retrying(idempotent=idempotent, elapsed=time.monotonic() - started)
        async for attempt in retrying:
            with attempt:
                if first is not None:
                    failed, first = first, None
                    raise failed
                result = await self._attempt(model, method, path, key, json_body, params, deadline)
        return result

    async def _attempt(
        self,
        model: type[M],
        method: str,
        path: str,
        key: ApiKey | None,
        json_body: Mapping[str, Any] | None,
        params: Mapping[str, str | int] | None,
        deadline: float,
    ) -> M:
        # Each attempt gets the client timeout, but never more than what is left of the
        # policy's deadline: the deadline bounds the whole call, not only the waits.
        budget = min(self.timeout, deadline - time.monotonic())
        if budget <= 0:
            raise UpstreamUnavailableError(f"{method} {path}: out of time.")
        body = await self._send_once(method, path, key, json_body, params, budget)
        try:
            # Parsed and validated in one pass by pydantic-core (faster than json.loads first).
            return model.model_validate_json(body)
        except ValidationError as exc:
            if method != "GET":  # accepted, but we cannot read what it started
                raise OutcomeUnknownError() from None
            if any(problem["type"] == "json_invalid" for problem in exc.errors()):
                raise GarbledResponseError(
                    f"KPainter answered {method} {path} with a body that is not JSON."
                ) from None
            raise MalformedResponseError(
                f"KPainter answered {method} {path} with an unexpected body "
                f"({exc.error_count()} field problems)."
            ) from None

    async def _send_once(
        self,
        method: str,
        path: str,
        key: ApiKey | None,
        json_body: Mapping[str, Any] | None,
        params: Mapping[str, str | int] | None,
        budget: float,
    ) -> bytes:
        """One attempt, bounded by ``budget`` seconds in all (not only between bytes).

        Failures are typed by what they mean for a resend: :class:`NotSentError` (the request
        never left), :class:`UpstreamUnavailableError` or :class:`GarbledResponseError` (a read
        may ask again), :class:`OutcomeUnknownError` (a write that may have taken effect).
        """
        idempotent = method == "GET"
        started = time.perf_counter()
        # Built before the clock starts: the first call's pool (and its TLS context) takes tens
        # of milliseconds, which must not eat into the margin by which a connect timeout ends
        # first (CONNECT_SHARE) and so proves a create was never sent.
        http = self._client()
        try:
            # httpx bounds each phase (connect, each read) by ``budget``, but an answer trickled
            # a byte at a time, each just inside the read timeout, would never end; the timeout
            # bounds the attempt as a whole, so the policy's deadline holds to the second.
            async with asyncio.timeout(budget):
                request = self._request(http, method, path, key, json_body, params, budget)
                response = await http.send(request, stream=True)
                try:
                    body = await self._read_capped(response)
                finally:
                    await response.aclose()
        except MalformedResponseError:
            if idempotent:
                raise
            raise OutcomeUnknownError() from None
        except _NOT_SENT as exc:
            raise NotSentError(f"Could not reach KPainter ({type(exc).__name__}).") from None
        except (httpx.TransportError, TimeoutError) as exc:
            if isinstance(exc, TimeoutError):
                reason = f"no complete answer from KPainter within {budget:.1f} s"
            else:
                reason = f"no answer from KPainter ({type(exc).__name__})"
            if idempotent:
                raise UpstreamUnavailableError(f"{method} {path}: {reason}.") from None
            raise OutcomeUnknownError() from None
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.debug("%s %s key=%s %.0fms", method, path, key, elapsed_ms)
        if response.status_code >= 400:
            raise _error_from_response(response, body, idempotent=idempotent)
        return body

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = _content_length(response)
        if declared is not None and declared > self.max_response_bytes:
            raise MalformedResponseError(
                f"KPainter response too large ({declared} bytes; limit {self.max_response_bytes})."
            )
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise MalformedResponseError(
                        f"KPainter response too large (over {self.max_response_bytes} bytes)."
                    )
                chunks.append(chunk)
        except httpx.DecodingError:  # a compressed body that does not decompress
            raise GarbledResponseError(
                "KPainter answered with a body that could not be decoded."
            ) from None
        return b"".join(chunks)


@functools.lru_cache(maxsize=1024)
def _absolute_url(base_url: str, path: str) -> httpx.URL:
    """``base_url`` + ``path``, parsed once per path.

    The same few paths (and a job polled many times) come back on every call, and
    ``httpx.URL`` is immutable, so requests can share one.
    """
    return httpx.URL(base_url + path)


def _segment(resource_id: ResourceId) -> str:
    """An id as one path segment: ``1/../../me`` or ``1?page=2`` cannot change the request."""
    return quote(str(resource_id), safe="")


def _content_length(response: httpx.Response) -> int | None:
    """The declared body size, or None when absent or not a plain non-negative number."""
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _error_from_response(
    response: httpx.Response, body: bytes, *, idempotent: bool
) -> KPainterError:
    """Map an HTTP failure to a typed error, accepting every error-body shape seen so far.

    Shapes: ``{"detail": {"code", "message"}}``, ``{"detail": "text"}``, FastAPI's
    ``{"detail": [{"loc", "msg"}]}``, ``{"message": ...}``, ``{"error": ...}``, or no JSON.
    """
    status = response.status_code
    try:
        payload: Any = json.loads(body) if body else None
    except ValueError:
        payload = None
    detail = payload.get("detail") if isinstance(payload, dict) else None
    detail_code: str | None = None
    message: str | None = None
    problems: list[FieldProblem] = []

    if isinstance(detail, dict):
        detail_code = _str_or_none(detail.get("code"))
        message = _str_or_none(detail.get("message"))
    elif isinstance(detail, str):
        message = detail
    elif isinstance(detail, list):
        items = [item for item in detail[:MAX_PROBLEMS] if isinstance(item, dict)]
        problems = [_problem_from_fastapi(item) for item in items]
    if message is None and isinstance(payload, dict):
        message = _str_or_none(payload.get("message")) or _str_or_none(payload.get("error"))
        detail_code = detail_code or _str_or_none(payload.get("code"))

    message = _clipped(redact(message)) if message is not None else None
    contract_code = ERROR_CODE_BY_DETAIL.get(detail_code or "") or ERROR_CODE_BY_STATUS.get(status)
    if contract_code is not None:
        code = ErrorCode(contract_code)
    else:
        code = ErrorCode.UPSTREAM_UNAVAILABLE if status >= 500 else ErrorCode.UPSTREAM_ERROR
    if message is None:
        message = f"KPainter API request failed with HTTP {status}."
    if code is ErrorCode.INVALID_ARGUMENTS:
        return InvalidArgumentsError(problems, message=message if not problems else None)
    if code is ErrorCode.UPSTREAM_UNAVAILABLE and not idempotent:
        # A 5xx to a create may still have started the job: never resend it blindly.
        return OutcomeUnknownError()
    return error_class(code)(message, code=code, status=status, retry_after=_retry_after(response))


def _problem_from_fastapi(item: Mapping[str, Any]) -> FieldProblem:
    loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
    allowed = item.get("ctx", {}).get("allowed") if isinstance(item.get("ctx"), dict) else None
    return FieldProblem(
        field=_clipped(redact(".".join(loc))) or "request",
        problem=_clipped(redact(str(item.get("msg", "invalid value")))) or "invalid value",
        allowed=allowed[:MAX_PROBLEMS] if isinstance(allowed, list) else None,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # "nan" and "inf" parse as floats; neither is a wait
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _clipped(text: str | None) -> str | None:
    """An upstream text cut to a length a model can use (a runaway message stays bounded)."""
    if text is None or len(text) <= MAX_ERROR_MESSAGE:
        return text
    return text[:MAX_ERROR_MESSAGE] + "…"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

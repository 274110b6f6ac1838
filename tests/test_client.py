"""KPainterClient: one pooled connection, the key header, typed errors for every body shape."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
import pytest

from kp_tools import (
    ApiKey,
    AuthenticationError,
    InsufficientCreditsError,
    InvalidArgumentsError,
    KPainterClient,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    RetryPolicy,
    UpstreamUnavailableError,
)
from kp_tools.client import KEEPALIVE_SECONDS
from kp_tools.errors import ErrorCode

KEY = ApiKey("kgp_client_test_key")
FAST = RetryPolicy(attempts=3, initial_backoff=0.001, max_backoff=0.01, max_retry_after=0.01)


def client_for(handler: httpx.MockTransport, **kwargs: object) -> KPainterClient:
    return KPainterClient("https://kp.test/openapi/v1", transport=handler, retry=FAST, **kwargs)  # type: ignore[arg-type]


def answering(
    status: int,
    body: object = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handle)


async def test_requests_carry_the_key_header_and_base_path() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"credits": 5})

    me = await client_for(httpx.MockTransport(handle)).me(KEY)
    assert me.credits == 5
    assert seen[0].url == "https://kp.test/openapi/v1/me"
    assert seen[0].headers["X-KGP-Api-Key"] == KEY.reveal()


async def test_requests_send_json_bodies_and_query_parameters() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(202, json={"creation_id": 7, "job_id": 8})
        return httpx.Response(200, json={"items": []})

    client = client_for(httpx.MockTransport(handle))
    await client.create_creation(KEY, {"type": "slides_video", "prompt": "Tides"})
    await client.list_creations(KEY, {"page": 2, "status": "ready"})
    created, listed = seen
    assert created.url == "https://kp.test/openapi/v1/creations"
    assert created.headers["Content-Type"] == "application/json"
    assert created.read() == b'{"type":"slides_video","prompt":"Tides"}'
    assert listed.url == "https://kp.test/openapi/v1/creations?page=2&status=ready"
    assert listed.headers["Accept"] == "application/json"
    assert listed.headers["User-Agent"].startswith("kp-tools/")


async def test_a_cookie_set_by_one_answer_is_never_sent_with_another_request() -> None:
    # One client serves every user of a multi-user server: a session cookie from one user's
    # answer riding on the next user's request would mix their accounts.
    cookies: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("Cookie"))
        return httpx.Response(200, json={"credits": 5}, headers={"Set-Cookie": "session=alice"})

    client = client_for(httpx.MockTransport(handle))
    await client.me(KEY)
    await client.me(ApiKey("kgp_client_other_key"))
    assert cookies == [None, None]


def test_base_url_comes_from_kgp_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGP_BASE_URL", "http://127.0.0.1:9/openapi/v1/")
    assert KPainterClient().base_url == "http://127.0.0.1:9/openapi/v1"
    monkeypatch.delenv("KGP_BASE_URL")
    assert KPainterClient().base_url == "https://api.kpainter.ai/openapi/v1"


async def test_one_pooled_client_is_reused_across_calls() -> None:
    client = client_for(answering(200, {"status": "ok"}))
    await client.health()
    first = client._client()
    await client.health()
    assert client._client() is first
    await client.aclose()


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (
            401,
            {"detail": {"code": "invalid_api_key", "message": "bad key"}},
            AuthenticationError,
            ErrorCode.INVALID_API_KEY,
        ),
        (
            401,
            {"detail": {"code": "missing_api_key", "message": "none"}},
            AuthenticationError,
            ErrorCode.MISSING_API_KEY,
        ),
        (
            402,
            {"detail": "Not enough credits"},
            InsufficientCreditsError,
            ErrorCode.INSUFFICIENT_CREDITS,
        ),
        (
            403,
            {"message": "members only"},
            PermissionDeniedError,
            ErrorCode.INSUFFICIENT_PERMISSION,
        ),
        (404, {"error": "nope"}, NotFoundError, ErrorCode.NOT_FOUND),
        (404, None, NotFoundError, ErrorCode.NOT_FOUND),
    ],
)
async def test_every_error_body_shape_maps_to_a_typed_error(
    status: int, body: object, error: type[Exception], code: ErrorCode
) -> None:
    with pytest.raises(error) as raised:
        await client_for(answering(status, body)).get_creation(KEY, 1)
    assert raised.value.code is code  # type: ignore[attr-defined]


async def test_fastapi_validation_list_becomes_field_problems() -> None:
    body = {
        "detail": [
            {
                "loc": ["body", "scene_count"],
                "msg": "not for this type",
                "type": "value_error",
                "ctx": {"allowed": [1, 20]},
            }
        ]
    }
    with pytest.raises(InvalidArgumentsError) as raised:
        await client_for(answering(422, body)).create_creation(KEY, {"type": "x"})
    problem = raised.value.problems[0]
    assert (problem.field, problem.problem, problem.allowed) == (
        "scene_count",
        "not for this type",
        [1, 20],
    )


async def test_text_error_bodies_get_a_generic_message() -> None:
    with pytest.raises(PermissionDeniedError, match="HTTP 403"):
        await client_for(answering(403, content=b"<html>Forbidden</html>")).me(KEY)


async def test_reads_retry_5xx_then_succeed() -> None:
    answers = iter(
        [httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"status": "ok"})]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    assert (await client_for(transport).health()).status == "ok"


async def test_reads_give_up_after_the_attempts_with_a_typed_error() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    with pytest.raises(UpstreamUnavailableError):
        await client_for(httpx.MockTransport(handle)).health()
    assert len(calls) == 3


async def test_rate_limit_honours_retry_after_and_reports_it_when_exhausted() -> None:
    with pytest.raises(RateLimitedError) as raised:
        await client_for(
            answering(429, {"detail": {"code": "rate_limited"}}, headers={"Retry-After": "7"})
        ).health()
    assert raised.value.retry_after == 7


async def test_connection_refused_is_retried_even_for_a_create() -> None:
    attempts = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"job_id": 1, "creation_id": 2})

    created = await client_for(httpx.MockTransport(handle)).create_creation(KEY, {"type": "image"})
    assert created.job_id == 1 and len(attempts) == 2


async def test_a_create_that_loses_its_answer_is_never_resent() -> None:
    attempts = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(OutcomeUnknownError):
        await client_for(httpx.MockTransport(handle)).create_creation(KEY, {"type": "image"})
    assert len(attempts) == 1


async def test_a_read_that_loses_its_answer_is_retried() -> None:
    attempts = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.RemoteProtocolError("dropped", request=request)
        return httpx.Response(200, json={"status": "ok"})

    await client_for(httpx.MockTransport(handle)).health()
    assert len(attempts) == 3


async def test_non_json_success_is_malformed_for_reads() -> None:
    with pytest.raises(MalformedResponseError):
        await client_for(answering(200, content=b"<html>")).me(KEY)


async def test_a_body_over_the_limit_is_refused_without_reading_it_all() -> None:
    big = b'{"status":"' + b"x" * 5000 + b'"}'
    with pytest.raises(MalformedResponseError, match="too large"):
        await client_for(answering(200, content=big), max_response_bytes=1000).health()


async def test_a_wrong_shape_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        await client_for(answering(200, {"job_id": None})).get_job(KEY, 1)


def test_repr_shows_the_base_url_only() -> None:
    assert (
        repr(KPainterClient("https://kp.test/openapi/v1"))
        == "KPainterClient(base_url='https://kp.test/openapi/v1')"
    )


async def test_cookies_from_answers_are_not_kept() -> None:
    client = client_for(
        answering(200, {"status": "ok"}, headers={"Set-Cookie": "session=alice; Path=/"})
    )
    await client.health()
    assert not client._client().cookies
    await client.aclose()


@contextmanager
def unanswered_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: connecting hangs, so nothing is ever sent
    (what a blackholed route or a firewall dropping packets looks like)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with suppress(BlockingIOError):
                filler.connect(server.getsockname())
            fillers.append(filler)
        yield server.getsockname()[1]
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@pytest.mark.slow
async def test_a_create_whose_connection_never_opens_is_known_unsent_not_unknown() -> None:
    with unanswered_port() as port:
        client = KPainterClient(
            f"http://127.0.0.1:{port}/openapi/v1",
            timeout=0.5,
            retry=RetryPolicy(attempts=2, initial_backoff=0.01, deadline=1.5),
        )
        with pytest.raises(UpstreamUnavailableError) as raised:
            await client.create_creation(KEY, {"type": "image", "prompt": "Tides"})
        await client.aclose()
    assert not isinstance(raised.value, OutcomeUnknownError)
    assert raised.value.code is ErrorCode.UPSTREAM_UNAVAILABLE


async def test_a_body_that_does_not_decompress_is_retried_for_a_read() -> None:
    answers = iter(
        [httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"\x1f\x8b?")]
    )

    def handle(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"credits": 5}))

    assert (await client_for(httpx.MockTransport(handle)).me(KEY)).credits == 5


async def test_a_create_whose_answer_does_not_decompress_is_outcome_unknown_and_not_resent() -> (
    None
):
    posts: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        posts.append(request)
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"\x1f\x8b?")

    with pytest.raises(OutcomeUnknownError):
        await client_for(httpx.MockTransport(handle)).create_creation(KEY, {"type": "image"})
    assert len(posts) == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
async def test_a_retry_after_that_is_not_a_number_of_seconds_is_ignored(value: str) -> None:
    client = client_for(answering(429, {"detail": "slow down"}, headers={"Retry-After": value}))
    with pytest.raises(RateLimitedError) as raised:
        await client.me(KEY)
    assert raised.value.retry_after is None


async def test_a_retry_after_of_zero_still_backs_off() -> None:
    times: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "0"})

    policy = RetryPolicy(attempts=3, initial_backoff=0.05, max_backoff=0.2, max_retry_after=1)
    client = KPainterClient(
        "https://kp.test/openapi/v1", transport=httpx.MockTransport(handle), retry=policy
    )
    with pytest.raises(RateLimitedError):
        await client.me(KEY)
    assert len(times) == 3
    assert times[1] - times[0] >= 0.05 and times[2] - times[1] >= 0.05


async def test_an_upstream_message_quoting_the_key_is_redacted_before_it_is_cut_short() -> None:
    secret = "sk_live_4f9a8b7c6d5e4f3a2b1c0d9e"  # not kgp_-shaped: only the known-key pass finds it
    message = "Rejected. " + "The key is not active for this workspace. " * 11 + "Key: " + secret
    client = client_for(answering(401, {"detail": {"code": "invalid_api_key", "message": message}}))
    with pytest.raises(AuthenticationError) as raised:
        await client.me(ApiKey(secret))
    assert secret[:9] not in raised.value.message


@pytest.mark.parametrize(
    "secret", ["kgp_member_key\u200b_pasted", "kgp_clé_accentuée", "kgp_tab\there"]
)
async def test_a_key_no_header_can_carry_is_refused_without_a_request_or_a_leak(
    secret: str,
) -> None:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"credits": 5})

    with pytest.raises(AuthenticationError) as raised:
        await client_for(httpx.MockTransport(handle)).me(ApiKey(secret))
    assert not sent
    assert raised.value.code is ErrorCode.INVALID_API_KEY
    assert secret not in repr(raised.value) and secret not in str(raised.value)


@pytest.mark.parametrize(
    ("creation_id", "path"),
    [
        ("1/../../me", "/openapi/v1/creations/1%2F..%2F..%2Fme"),
        ("1?page=2", "/openapi/v1/creations/1%3Fpage%3D2"),
        (7, "/openapi/v1/creations/7"),
    ],
)
async def test_an_id_is_always_one_path_segment(creation_id: str | int, path: str) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"creation_id": 7})

    await client_for(httpx.MockTransport(handle)).get_creation(KEY, creation_id)
    assert seen[0].url.raw_path.decode() == path
    assert seen[0].url.query == b""


@pytest.mark.slow
async def test_an_idle_pooled_connection_is_let_go_before_a_five_second_server_drops_it() -> None:
    """A request never rides a connection the server may be closing (a lost create is unknown)."""
    connections = 0
    body = b'{"status": "ok"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    answer = head % len(body) + body

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        with suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(answer)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(keep_alive, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = KPainterClient(f"http://127.0.0.1:{port}/openapi/v1", retry=FAST)
    try:
        await client.health()
        await client.health()
        assert connections == 1  # reused while fresh
        await asyncio.sleep(KEEPALIVE_SECONDS + 0.3)  # idle past ours, not yet past a 5 s server's
        await client.health()
        assert connections == 2
        assert KEEPALIVE_SECONDS < 5
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()

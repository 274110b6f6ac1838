"""Upstream faults x tool kinds: what the user sees, how many requests reached KPainter, how long.

The promise (issue 5, item 1): reads retry with bounded exponential backoff and jitter inside a
total deadline; a create or edit whose outcome is unknown is never sent again (and an identical
repeat inside the dedupe window is refused with ``outcome_unknown`` without sending); every case
ends in a typed outcome within a bounded time, never an exception and never a hung call.

The matrix drives the sandbox's fault switches in-process (``SandboxTransport`` reproduces read
timeouts and cut connections like a socket does); ``test_over_tcp_*`` repeats the cases that
depend on a real socket against a sandbox served by uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kp_tools import ErrorCode, Executor, KPainterClient, RetryPolicy, Sandbox
from kp_tools.errors import MalformedResponseError, StateUnavailableError
from kp_tools.outcome import Outcome
from kp_tools.sandbox import Fault
from kp_tools.state import MemoryStateStore
from tests.conftest import MEMBER
from tests.reliability.conftest import FAST, TIMEOUT, TimedTransport, fast_executor, serve_in_thread

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 3}
NARRATION = "Plates float on the mantle."
CALL_BOUND = 4.0  # seconds: FAST gives 3 attempts of at most 0.3 s plus millisecond backoffs

OK = None  # expected code of a call that succeeds


# -- the three kinds of tool call ----------------------------------------------------------------


@dataclass
class Kind:
    """One kind of tool call, the request it makes, and what has to exist before it."""

    name: str
    tool: str
    method: str
    path: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def spends(self) -> bool:
        return self.method == "POST"


async def prepare(kind_name: str, executor: Executor) -> Kind:
    """Verify the key, cache the catalog and (for reads and edits) make a finished creation."""
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    assert (await executor.run("kp_get_catalog", api_key=MEMBER)).ok
    if kind_name == "create":
        return Kind("create", "kp_create_creation", "POST", "/creations", dict(VIDEO))
    made = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert made.ok and made.data is not None, made
    creation_id = made.data["creation_id"]
    if kind_name == "read":
        return Kind(
            "read",
            "kp_get_creation",
            "GET",
            f"/creations/{creation_id}",
            {"creation_id": creation_id},
        )
    edit = {
        "creation_id": creation_id,
        "scene_id": "s1",
        "action": "update_scene_narration",
        "narration_text": NARRATION,
    }
    return Kind("edit", "kp_edit_scene", "POST", f"/creations/{creation_id}/edit", edit)


async def bounded(executor: Executor, kind: Kind) -> tuple[Outcome, float]:
    """Run the call under a hard time limit; a hang fails the test instead of the suite."""
    started = time.monotonic()
    outcome = await asyncio.wait_for(
        executor.run(kind.tool, kind.arguments, api_key=MEMBER), timeout=CALL_BOUND * 3
    )
    return outcome, time.monotonic() - started


# -- the matrix ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A fault, and what a read and a write (create or edit) end in: (code, requests sent)."""

    id: str
    fault: dict[str, Any]
    read: tuple[ErrorCode | None, int]
    write: tuple[ErrorCode | None, int]


UNKNOWN, UNAVAILABLE = ErrorCode.OUTCOME_UNKNOWN, ErrorCode.UPSTREAM_UNAVAILABLE
CASES = [
    Case("429-once", {"kind": "status", "status": 429, "retry_after": 0.05}, (OK, 2), (OK, 2)),
    Case(
        "429-always",
        {"kind": "status", "status": 429, "retry_after": 0.05, "times": None},
        (ErrorCode.RATE_LIMITED, 3),
        (ErrorCode.RATE_LIMITED, 3),
    ),
    Case("500-once", {"kind": "status", "status": 500}, (OK, 2), (UNKNOWN, 1)),
    Case("502-once", {"kind": "status", "status": 502}, (OK, 2), (UNKNOWN, 1)),
    Case("503-once", {"kind": "status", "status": 503}, (OK, 2), (UNKNOWN, 1)),
    Case("503-always", {"kind": "status", "times": None}, (UNAVAILABLE, 3), (UNKNOWN, 1)),
    Case("slow-within-timeout", {"kind": "latency", "seconds": 0.05}, (OK, 1), (OK, 1)),
    Case("timeout-once", {"kind": "latency", "seconds": 1.0}, (OK, 2), (UNKNOWN, 1)),
    Case(
        "timeout-always",
        {"kind": "latency", "seconds": 1.0, "times": None},
        (UNAVAILABLE, 3),
        (UNKNOWN, 1),
    ),
    Case(
        "timeout-after-processing",
        {"kind": "latency", "seconds": 1.0, "after_processing": True},
        (OK, 2),
        (UNKNOWN, 1),
    ),
    Case("drop-before-processing", {"kind": "drop"}, (OK, 2), (UNKNOWN, 1)),
    Case(
        "drop-after-processing", {"kind": "drop", "after_processing": True}, (OK, 2), (UNKNOWN, 1)
    ),
    Case("malformed-once", {"kind": "malformed"}, (OK, 2), (UNKNOWN, 1)),
    Case(
        "malformed-always",
        {"kind": "malformed", "times": None},
        (ErrorCode.UPSTREAM_ERROR, 3),
        (UNKNOWN, 1),
    ),
    Case("truncated-once", {"kind": "truncated"}, (OK, 2), (UNKNOWN, 1)),
    Case(
        "huge-body",
        {"kind": "huge", "size": 2 * 1024 * 1024},
        (ErrorCode.UPSTREAM_ERROR, 1),
        (UNKNOWN, 1),
    ),
    Case(
        "401-answered",
        {"kind": "status", "status": 401},
        (ErrorCode.INVALID_API_KEY, 1),
        (ErrorCode.INVALID_API_KEY, 1),
    ),
]


@pytest.mark.parametrize("kind_name", ["read", "create", "edit"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_fault_matrix(case: Case, kind_name: str) -> None:
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    kind = await prepare(kind_name, executor)
    before = sandbox.count(kind.method, kind.path)
    sandbox.faults.add(Fault(path=kind.path, method=kind.method, **case.fault))

    outcome, elapsed = await bounded(executor, kind)

    code, requests = case.write if kind.spends else case.read
    assert outcome.code is code, outcome.error
    assert sandbox.count(kind.method, kind.path) - before == requests
    assert elapsed < CALL_BOUND
    if code is not None:
        assert outcome.error is not None and outcome.error.message
    if code is UNKNOWN:
        check = "kp_list_creations" if kind_name == "create" else "kp_get_creation"
        assert outcome.error is not None and check in outcome.error.message
        assert not outcome.error.retryable  # the model is told not to simply send it again
    await executor.aclose()


@pytest.mark.parametrize("kind_name", ["create", "edit"])
@pytest.mark.parametrize("case", [c for c in CASES if c.write[0] is UNKNOWN], ids=lambda c: c.id)
async def test_a_write_with_an_unknown_outcome_is_not_sent_again_inside_the_dedupe_window(
    case: Case, kind_name: str
) -> None:
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    kind = await prepare(kind_name, executor)
    sandbox.faults.add(Fault(path=kind.path, method=kind.method, **case.fault))
    first, _ = await bounded(executor, kind)
    assert first.code is UNKNOWN
    sandbox.faults.clear()
    sent = sandbox.count(kind.method, kind.path)

    again, elapsed = await bounded(executor, kind)

    assert again.code is UNKNOWN
    assert sandbox.count(kind.method, kind.path) == sent  # refused locally
    assert elapsed < 1.0
    await executor.aclose()


@pytest.mark.parametrize("kind_name", ["create", "edit"])
async def test_a_write_refused_by_a_rate_limit_may_be_sent_again(kind_name: str) -> None:
    """A 429 means nothing was done, so the dedupe window does not lock the request."""
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    kind = await prepare(kind_name, executor)
    sandbox.faults.add(
        Fault("status", path=kind.path, method=kind.method, status=429, retry_after=0, times=3)
    )
    refused, _ = await bounded(executor, kind)
    assert refused.code is ErrorCode.RATE_LIMITED

    accepted, _ = await bounded(executor, kind)

    assert accepted.ok, accepted.error
    assert accepted.data is not None and accepted.data["deduplicated"] is False
    await executor.aclose()


async def test_a_create_dropped_after_processing_started_exactly_one_job() -> None:
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    kind = await prepare("create", executor)
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    outcome, _ = await bounded(executor, kind)
    assert outcome.code is UNKNOWN
    listed = await executor.run("kp_list_creations", api_key=MEMBER)
    assert listed.data is not None and listed.data["total"] == 1
    assert sandbox.account(MEMBER).credits == 1000 - 20  # charged once (a 1K slides video)


async def test_identical_creates_racing_into_a_dropped_connection_send_one_request() -> None:
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    await prepare("create", executor)
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))

    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(executor.run("kp_create_creation", VIDEO, api_key=MEMBER) for _ in range(20))
        ),
        timeout=10,
    )

    assert {o.code for o in outcomes} == {UNKNOWN}
    assert sandbox.count("POST", "/creations") == 1


@pytest.mark.parametrize(
    ("tool", "arguments", "path"),
    [
        ("kp_health", {}, "/health"),
        ("kp_me", {}, "/me"),
        ("kp_get_catalog", {}, "/catalog"),
        ("kp_list_creations", {}, "/creations"),
        ("kp_get_creation", {"creation_id": 1}, "/creations/1"),
        ("kp_get_job_status", {"job_id": 2}, "/creations/jobs/2"),
    ],
)
async def test_every_read_tool_rides_out_a_transient_503(
    tool: str, arguments: dict[str, Any], path: str
) -> None:
    sandbox = Sandbox()
    executor = fast_executor(sandbox)
    await prepare("read", executor)  # creation 1, job 2
    before = sandbox.count("GET", path)
    sandbox.faults.add(Fault("status", path=path, method="GET", status=503))

    outcome = await executor.run(tool, arguments, api_key=MEMBER)

    assert outcome.ok, outcome.error
    assert sandbox.count("GET", path) - before == 2


# -- retry timing: Retry-After, backoff, the deadline ---------------------------------------------


def timed_executor(
    sandbox: Sandbox, retry: RetryPolicy, timeout: float = TIMEOUT
) -> tuple[Executor, TimedTransport]:
    transport = TimedTransport(sandbox.transport)
    client = KPainterClient(
        "http://kp-sandbox/openapi/v1", transport=transport, retry=retry, timeout=timeout
    )
    return Executor(client, env={}), transport


async def test_retry_after_is_waited_before_the_next_attempt() -> None:
    sandbox = Sandbox()
    executor, sent = timed_executor(sandbox, FAST)
    sandbox.faults.add(Fault("status", path="/me", status=429, retry_after=0.3))

    outcome = await executor.run("kp_me", api_key=MEMBER)

    assert outcome.ok
    first, second = (s.at for s in sent.sent if s.path.endswith("/me"))
    assert second - first >= 0.3


async def test_a_retry_after_beyond_the_cap_is_reported_at_once_not_waited_for() -> None:
    """A server asking for an hour is not hammered early, and the call is not parked for it."""
    sandbox = Sandbox()
    executor, sent = timed_executor(sandbox, FAST)  # max_retry_after=1.0
    sandbox.faults.add(Fault("status", path="/me", status=429, retry_after=3600, times=None))

    started = time.monotonic()
    outcome = await executor.run("kp_me", api_key=MEMBER)

    assert outcome.code is ErrorCode.RATE_LIMITED
    assert outcome.error is not None and outcome.error.retry_after_seconds == 3600
    assert outcome.error.retryable
    assert len(sent.sent) == 1
    assert time.monotonic() - started < 1.0


async def test_a_retry_after_within_the_cap_but_past_the_deadline_ends_the_call() -> None:
    sandbox = Sandbox()
    policy = RetryPolicy(attempts=5, deadline=0.5, max_retry_after=10)
    executor, sent = timed_executor(sandbox, policy)
    sandbox.faults.add(Fault("status", path="/me", status=429, retry_after=2, times=None))

    started = time.monotonic()
    outcome = await executor.run("kp_me", api_key=MEMBER)

    assert outcome.code is ErrorCode.RATE_LIMITED
    assert len(sent.sent) == 1
    assert time.monotonic() - started < 1.0


async def test_backoff_grows_between_attempts_and_stays_under_its_cap() -> None:
    sandbox = Sandbox()
    policy = RetryPolicy(attempts=4, initial_backoff=0.05, max_backoff=0.12, deadline=5)
    executor, sent = timed_executor(sandbox, policy)
    sandbox.faults.add(Fault("status", path="/health", status=503, times=None))

    outcome = await executor.run("kp_health")

    assert outcome.code is UNAVAILABLE
    times = [s.at for s in sent.sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 3
    # exponential from 0.05 plus up to 0.05 of jitter, capped at 0.12
    assert gaps[0] >= 0.05
    assert all(gap <= 0.12 + 0.05 + 0.1 for gap in gaps)  # + scheduling slack on a busy CI box


async def test_the_deadline_bounds_a_read_that_keeps_failing() -> None:
    sandbox = Sandbox()
    policy = RetryPolicy(attempts=50, initial_backoff=0.1, max_backoff=0.1, deadline=0.6)
    executor, sent = timed_executor(sandbox, policy)
    sandbox.faults.add(Fault("status", path="/health", status=503, times=None))

    started = time.monotonic()
    outcome = await executor.run("kp_health")

    assert outcome.code is UNAVAILABLE
    assert time.monotonic() - started < 1.2
    assert 3 <= len(sent.sent) < 10


async def test_the_deadline_also_bounds_an_attempt_in_progress() -> None:
    """A slow answer under the client timeout still cannot run the call past the deadline."""
    sandbox = Sandbox()
    policy = RetryPolicy(attempts=3, deadline=0.5)
    executor, _ = timed_executor(sandbox, policy, timeout=30)
    sandbox.faults.add(Fault("latency", path="/health", seconds=5))

    started = time.monotonic()
    outcome = await asyncio.wait_for(executor.run("kp_health"), timeout=10)

    assert outcome.code is UNAVAILABLE
    assert time.monotonic() - started < 1.5  # not the 5 s the answer would take


async def test_a_create_cut_off_by_the_deadline_is_outcome_unknown_not_resent() -> None:
    sandbox = Sandbox()
    policy = RetryPolicy(attempts=3, deadline=0.5)
    executor, _ = timed_executor(sandbox, policy, timeout=30)
    await prepare("create", executor)
    sandbox.faults.add(Fault("latency", path="/creations", method="POST", seconds=5))

    started = time.monotonic()
    outcome = await asyncio.wait_for(
        executor.run("kp_create_creation", VIDEO, api_key=MEMBER), timeout=10
    )

    assert outcome.code is UNKNOWN
    assert sandbox.count("POST", "/creations") == 1
    assert time.monotonic() - started < 1.5


# -- huge bodies are refused by size, without reading them -----------------------------------------


async def test_a_huge_body_without_a_length_is_cut_off_at_the_limit() -> None:
    produced = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal produced
        yield b'{"status":"'
        for _ in range(10_000):  # 160 MB if it were all read
            produced += 16 * 1024
            yield b"x" * (16 * 1024)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(), headers={"content-type": "application/json"})

    client = KPainterClient(
        "https://kp.test/openapi/v1",
        transport=httpx.MockTransport(handle),
        retry=FAST,
        max_response_bytes=64 * 1024,
    )
    with pytest.raises(MalformedResponseError, match="too large"):
        await client.health()
    assert produced <= 64 * 1024 + 16 * 1024
    await client.aclose()


async def test_a_huge_body_with_a_length_is_refused_before_reading_it() -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(100):
            read += 1
            yield b"x" * 1024

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-length": str(100 * 1024)}
        return httpx.Response(200, content=body(), headers=headers)

    client = KPainterClient(
        "https://kp.test/openapi/v1",
        transport=httpx.MockTransport(handle),
        retry=FAST,
        max_response_bytes=1024,
    )
    with pytest.raises(MalformedResponseError, match="too large"):
        await client.health()
    assert read == 0
    await client.aclose()


@pytest.mark.parametrize("length", ["²", "-1", "1e9", " 12", "abc"])
async def test_a_nonsense_content_length_is_a_typed_outcome(length: str) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        headers = [(b"content-length", length.encode("latin-1"))]  # as a socket would hand it
        return httpx.Response(200, content=b'{"status":"ok"}', headers=headers)

    client = KPainterClient(
        "https://kp.test/openapi/v1", transport=httpx.MockTransport(handle), retry=FAST
    )
    executor = Executor(client, env={})
    outcome = await executor.run("kp_health")
    assert outcome.ok, outcome.error  # the length is ignored; the size cap still applies


# -- the state store failing mid-call --------------------------------------------------------------


class FlakyStore(MemoryStateStore):
    """A shared store that stops answering writes of halts and verifications."""

    async def set_halt(self, key_id: str, halt: Any) -> None:
        raise StateUnavailableError("state store down")

    async def set_verification(self, key_id: str, verification: Any) -> None:
        raise StateUnavailableError("state store down")

    async def record_verification(self, key_id: str, verification: Any, halt: Any) -> None:
        raise StateUnavailableError("state store down")


async def test_a_store_failing_while_recording_an_upstream_error_still_gives_an_outcome() -> None:
    sandbox = Sandbox()
    executor = Executor(sandbox.client(retry=FAST), store=FlakyStore(), env={}, me_policy="off")

    outcome = await asyncio.wait_for(
        executor.run("kp_list_creations", api_key="kgp_sandbox_revoked"), timeout=5
    )

    assert outcome.code is ErrorCode.INVALID_API_KEY  # what KPainter said is what the user sees
    me = await executor.run("kp_me", api_key=MEMBER)
    assert me.code is ErrorCode.STATE_UNAVAILABLE


# -- over a real socket --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    """One sandbox served by uvicorn on a free loopback port for this module's TCP cases."""
    sandbox = Sandbox()
    with serve_in_thread(sandbox.app) as base:
        yield sandbox, base


def tcp_executor(base: str, *, timeout: float = TIMEOUT, retry: RetryPolicy = FAST) -> Executor:
    client = KPainterClient(
        base + "/openapi/v1", retry=retry, timeout=timeout, max_response_bytes=1024 * 1024
    )
    return Executor(client, env={})


async def add_fault_over_http(base: str, **fault: Any) -> None:
    async with httpx.AsyncClient(base_url=base) as admin:
        response = await admin.post("/_sandbox/faults", json=fault)
        assert response.status_code == 200, response.text


TCP_CASES = [
    Case("timeout-once", {"kind": "latency", "seconds": 1.0}, (OK, 2), (UNKNOWN, 1)),
    Case(
        "drop-after-processing", {"kind": "drop", "after_processing": True}, (OK, 2), (UNKNOWN, 1)
    ),
    Case("truncated-once", {"kind": "truncated"}, (OK, 2), (UNKNOWN, 1)),
    Case("huge-32MiB", {"kind": "huge"}, (ErrorCode.UPSTREAM_ERROR, 1), (UNKNOWN, 1)),
    Case("503-always", {"kind": "status", "times": None}, (UNAVAILABLE, 3), (UNKNOWN, 1)),
]


@pytest.mark.slow
@pytest.mark.parametrize("kind_name", ["read", "create"])
@pytest.mark.parametrize("case", TCP_CASES, ids=lambda c: c.id)
async def test_over_tcp(served: tuple[Sandbox, str], case: Case, kind_name: str) -> None:
    sandbox, base = served
    sandbox.faults.clear()
    executor = tcp_executor(base)
    kind = await prepare(kind_name, executor)
    if kind_name == "create":  # another prompt per case: the served world is shared
        kind.arguments = {**kind.arguments, "prompt": f"Plate tectonics ({case.id})"}
    before = sandbox.count(kind.method, kind.path)
    await add_fault_over_http(base, path=kind.path, method=kind.method, **case.fault)

    outcome, elapsed = await bounded(executor, kind)

    code, requests = case.write if kind.spends else case.read
    assert outcome.code is code, outcome.error
    assert sandbox.count(kind.method, kind.path) - before == requests
    assert elapsed < CALL_BOUND
    await executor.aclose()


@pytest.mark.slow
async def test_over_tcp_a_trickling_answer_cannot_outlast_the_deadline(
    served: tuple[Sandbox, str],
) -> None:
    """Bytes arriving just often enough to dodge the read timeout still end at the deadline."""
    sandbox, base = served
    sandbox.faults.clear()
    policy = RetryPolicy(attempts=2, initial_backoff=0.01, deadline=1.0)
    executor = tcp_executor(base, timeout=0.5, retry=policy)
    await add_fault_over_http(base, kind="trickle", path="/health", seconds=0.1, times=None)

    started = time.monotonic()
    outcome = await asyncio.wait_for(executor.run("kp_health"), timeout=15)

    assert outcome.code is UNAVAILABLE
    assert time.monotonic() - started < 2.5  # trickling the answer takes 5 s
    sandbox.faults.clear()
    await executor.aclose()


@pytest.mark.slow
async def test_over_tcp_the_deadline_is_exact_even_when_each_byte_beats_the_read_timeout(
    served: tuple[Sandbox, str],
) -> None:
    """A byte every 0.8 s never trips the 1 s read timeout; the 1 s deadline still ends it."""
    sandbox, base = served
    sandbox.faults.clear()
    policy = RetryPolicy(attempts=1, deadline=1.0)
    executor = tcp_executor(base, timeout=1.0, retry=policy)
    await add_fault_over_http(base, kind="trickle", path="/health", seconds=0.8, times=None)

    started = time.monotonic()
    outcome = await asyncio.wait_for(executor.run("kp_health"), timeout=15)

    assert outcome.code is UNAVAILABLE
    assert time.monotonic() - started < policy.deadline + 0.4  # not one more read gap (1.6 s)
    sandbox.faults.clear()
    await executor.aclose()


@pytest.mark.slow
async def test_over_tcp_a_create_that_never_connected_is_retried_and_not_locked() -> None:
    """Connection refused: the request provably never left, so even a create is retried, the
    result is upstream_unavailable (not outcome_unknown), and the same create may be sent later."""
    sandbox = Sandbox()
    from tests.reliability.conftest import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    executor = tcp_executor(base)
    outcome = await executor.run("kp_me", api_key=MEMBER)
    assert outcome.code is UNAVAILABLE and outcome.error is not None and outcome.error.retryable

    with serve_in_thread(sandbox.app, port):
        await prepare("create", executor)
    assert sandbox.count("POST", "/creations") == 0
    refused = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert refused.code is UNAVAILABLE  # the server is gone again: nothing was sent

    with serve_in_thread(sandbox.app, port):
        created = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert created.ok, created.error
    assert sandbox.count("POST", "/creations") == 1
    await executor.aclose()


# -- answers too large for a model ----------------------------------------------------------------


def answering_with(handler: Any) -> Executor:
    client = KPainterClient(
        "https://kp.test/openapi/v1", transport=httpx.MockTransport(handler), retry=FAST
    )
    return Executor(client, env={}, me_policy="off")


async def test_a_padded_answer_is_trimmed_to_the_fields_the_tool_declares() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        me = {"user_id": 7, "credits": 50, "can_manage_creations": True, "junk": "x" * 600_000}
        return httpx.Response(200, json=me)

    outcome = await answering_with(handle).run("kp_me", api_key=MEMBER)

    assert outcome.ok and outcome.data is not None
    assert outcome.data["credits"] == 50 and "junk" not in outcome.data
    assert len(outcome.text()) < 10_000


async def test_a_create_whose_answer_is_padded_still_reports_the_job_it_started() -> None:
    catalog = Sandbox().world.catalog.model_dump(mode="json")

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"job_id": 9, "creation_id": 8, "pad": "x" * 600_000})
        return httpx.Response(200, json=catalog)

    outcome = await answering_with(handle).run("kp_create_creation", VIDEO, api_key=MEMBER)

    assert outcome.ok and outcome.data is not None
    assert (outcome.data["job_id"], outcome.data["creation_id"]) == (9, 8)


async def test_a_read_too_large_even_when_trimmed_is_upstream_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        items = [{"creation_id": i, "title": "t" * 2000} for i in range(300)]
        return httpx.Response(200, json={"items": items, "total": 300})

    outcome = await answering_with(handle).run("kp_list_creations", api_key=MEMBER)

    assert outcome.code is ErrorCode.UPSTREAM_ERROR
    assert outcome.error is not None and "page_size" in outcome.error.message


async def test_a_runaway_error_message_is_cut_short() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        detail = {"code": "not_found", "message": "no " * 100_000}
        problems = [{"loc": ["body", "x"], "msg": "bad " * 200}] * 2_000  # ~1.7 MB
        if request.url.path.endswith("/1"):
            return httpx.Response(404, json={"detail": detail})
        return httpx.Response(422, json={"detail": problems})

    executor = answering_with(handle)
    missing = await executor.run("kp_get_creation", {"creation_id": 1}, api_key=MEMBER)
    refused = await executor.run("kp_get_creation", {"creation_id": 2}, api_key=MEMBER)

    assert missing.code is ErrorCode.NOT_FOUND and len(missing.text()) < 2_000
    assert refused.code is ErrorCode.INVALID_ARGUMENTS and len(refused.text()) < 25_000


# -- a bounded wait on a job, with KPainter failing under it ---------------------------------------


async def test_a_wait_rides_out_transient_faults_while_polling() -> None:
    sandbox = Sandbox(job_seconds=0.6)
    executor = fast_executor(sandbox)
    kind = await prepare("create", executor)
    made = await executor.run(kind.tool, kind.arguments, api_key=MEMBER)
    assert made.data is not None
    path = f"/creations/jobs/{made.data['job_id']}"
    sandbox.faults.add(Fault("status", path=path, status=503, times=1))
    sandbox.faults.add(Fault("drop", path=path, times=1))  # two failures: inside one poll's retries

    outcome = await asyncio.wait_for(
        executor.run(
            "kp_get_job_status", {"job_id": made.data["job_id"], "wait_seconds": 5}, api_key=MEMBER
        ),
        timeout=10,
    )

    assert outcome.ok, outcome.error
    assert outcome.data is not None and outcome.data["done"] is True


async def test_a_wait_on_a_failing_upstream_ends_in_a_typed_outcome_in_bounded_time() -> None:
    sandbox = Sandbox(job_seconds=30)
    executor = fast_executor(sandbox)
    kind = await prepare("create", executor)
    made = await executor.run(kind.tool, kind.arguments, api_key=MEMBER)
    assert made.data is not None
    sandbox.faults.add(Fault("status", path="/creations/jobs", status=503, times=None))

    started = time.monotonic()
    outcome = await asyncio.wait_for(
        executor.run(
            "kp_get_job_status", {"job_id": made.data["job_id"], "wait_seconds": 2}, api_key=MEMBER
        ),
        timeout=15,
    )

    assert outcome.code is UNAVAILABLE
    assert time.monotonic() - started < CALL_BOUND


@pytest.mark.slow
def test_one_asyncio_run_per_call_keeps_one_pool_not_one_per_run(
    served: tuple[Sandbox, str],
) -> None:
    """A script or a synchronous web view calling ``asyncio.run`` per request."""
    _, base = served
    client = KPainterClient(base + "/openapi/v1")
    for _ in range(20):
        asyncio.run(client.health())
    assert len(client._http) <= 1

"""No key in any output, artifact, log record, exception or repr: every tool, rendering and path.

Each rendering (the executor; LangChain async with the key in the run config and sync with the
toolkit's key; LlamaIndex async with a key function and sync with a fixed key; MCP in memory in
both connection modes with the ``api_key`` argument; and a real ``kp-mcp`` HTTP process with the
``X-KGP-Api-Key`` header and the argument) runs the same script with distinctive keys: every
tool before ``kp_me``, the whole workflow, invalid arguments (one carrying the key as a value),
404, 409, a failed job, a broke, a read-only, a free, a revoked and an unknown key, and every
upstream fault (401, 402, 403, 404, 409, 422, 429, 500, a timeout, a dropped connection, a
malformed and a huge body) on every tool. In process, KPainter is a sandbox behind a transport
that **quotes the caller's key back** in every error body and adds it to ``/me``: the worst an
upstream could do.

Everything the caller can see is collected (texts, artifacts, raw outputs and inputs,
structured content, reprs and JSON dumps, any exception's text and traceback), with every log
record of every logger at DEBUG (message, args, formatted exception) and the kp-mcp process's
stderr at debug level, and searched for each key and for its secret tail (a truncated echo keeps
the end of a key). Only the short display prefix (``kgp_live…``) may appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kp_tools import ApiKey, Executor, KPainterClient, KPainterError, RetryPolicy, Sandbox
from kp_tools.langchain import KPainterToolkit, kp_config
from kp_tools.llamaindex import KPainterToolSpec
from kp_tools.mcp import build_server
from kp_tools.redaction import install_log_redaction
from kp_tools.sandbox import Fault
from kp_tools.sandbox.transport import SandboxTransport
from kp_tools.specs import SPECS
from tests.processes import KP_MCP, child_env, free_port, start, stop
from tests.reliability.conftest import serve_in_thread

RETRY = RetryPolicy(attempts=2, initial_backoff=0.001, max_backoff=0.002, max_retry_after=0.01)
TIMEOUT = 0.1


def distinctive(role: str, *, shaped: bool = True) -> str:
    """A key nobody could confuse with anything else; ``shaped=False``: not ``kgp_...``."""
    return (f"kgp_live_SECRET_{role}_" if shaped else f"sk-SECRET-{role}-") + uuid.uuid4().hex


@dataclass
class Keys:
    """One set of distinctive keys, registered as sandbox accounts."""

    member: str = field(default_factory=lambda: distinctive("member"))
    other: str = field(default_factory=lambda: distinctive("other", shaped=False))
    broke: str = field(default_factory=lambda: distinctive("broke"))
    readonly: str = field(default_factory=lambda: distinctive("readonly"))
    free: str = field(default_factory=lambda: distinctive("free"))
    revoked: str = field(default_factory=lambda: distinctive("revoked"))
    unknown: str = field(default_factory=lambda: distinctive("unknown"))

    def all(self) -> list[str]:
        return [
            self.member,
            self.other,
            self.broke,
            self.readonly,
            self.free,
            self.revoked,
            self.unknown,
        ]

    def register(self, sandbox: Sandbox) -> None:
        sandbox.add_account(self.member, credits=100_000)
        sandbox.add_account(self.other, credits=100_000)
        sandbox.add_account(self.broke, credits=0)
        sandbox.add_account(self.readonly, can_manage_creations=False)
        sandbox.add_account(self.free, plan="free", credits=100)
        sandbox.add_account(self.revoked, active=False)


def leaks(texts: list[str], keys: list[str]) -> list[str]:
    """Every text holding a whole key or its secret tail, cut short for the report."""
    found = []
    for text in texts:
        for key in keys:
            for needle in (key, key[-16:]):
                at = text.find(needle)
                if at >= 0:
                    found.append(f"...{text[max(at - 80, 0) : at + 40]}...")
    return found


class EchoingUpstream:
    """KPainter at its worst (an ASGI wrapper of the sandbox): every error body quotes the
    request's key, and ``/me`` returns it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/openapi/v1"):
            await self.app(scope, receive, send)
            return
        key = dict(scope["headers"]).get(b"x-kgp-api-key", b"").decode("latin-1")
        start: Message | None = None
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None
        status, body = start["status"], b"".join(parts)
        try:
            data: Any = json.loads(body)
        except ValueError:
            data = None  # a fault's broken body: passed on as it is, length and all
        if isinstance(data, dict) and status >= 400:
            detail = data.get("detail")
            if isinstance(detail, list):
                detail = [{**p, "msg": f"{p.get('msg')} (key {key})"} for p in detail]
            elif isinstance(detail, dict):
                detail = {**detail, "message": f"Request with key {key} refused."}
            body = json.dumps({"detail": detail, "key": key}).encode()
        elif isinstance(data, dict) and scope["path"].endswith("/me"):
            body = json.dumps({**data, "api_key": key, "note": f"signed in as {key}"}).encode()
        if data is not None:
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            start = {**start, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body})


def echoing_executor(sandbox: Sandbox) -> Executor:
    client = KPainterClient(
        "http://kp-sandbox/openapi/v1",
        transport=SandboxTransport(EchoingUpstream(sandbox.app)),
        retry=RETRY,
        timeout=TIMEOUT,
        max_response_bytes=1024 * 1024,
    )
    return Executor(client, env={})


# -- what a caller can see, per rendering ---------------------------------------------------------

Call = Callable[[str, dict[str, Any], str], Awaitable[list[str]]]
"""(tool, arguments, key) -> every text the caller can see of that call."""
Rendering = Callable[[Executor], contextlib.AbstractAsyncContextManager[Call]]


def dumped(*values: Any) -> list[str]:
    texts = []
    for value in values:
        texts += [str(value), repr(value)]
        dump = getattr(value, "model_dump_json", None)
        if callable(dump):
            with contextlib.suppress(ValueError):  # a tool holds classes pydantic cannot dump
                texts.append(dump())
    return texts


def tool_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"call_{name}", "name": name, "args": args}


class CallbackRecorder(BaseCallbackHandler):
    """Everything LangChain hands to callbacks (what tracers and logging handlers read)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _record(self, *args: Any, **kwargs: Any) -> None:
        self.seen.append(repr((args, kwargs)))

    on_tool_start = on_tool_end = on_tool_error = on_custom_event = _record
    on_chain_start = on_chain_end = on_chain_error = _record


@contextlib.asynccontextmanager
async def executor_rendering(executor: Executor) -> AsyncIterator[Call]:
    async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
        outcome = await executor.run(tool, args, api_key=key)
        return [*dumped(outcome), outcome.text(), json.dumps(outcome.payload())]

    yield call


@contextlib.asynccontextmanager
async def langchain_config_key(executor: Executor) -> AsyncIterator[Call]:
    """Async ``ainvoke`` of a tool call; the key in ``configurable["__kp_api_key"]``."""
    tools = {t.name: t for t in KPainterToolkit(executor).get_tools()}
    recorder = CallbackRecorder()

    async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
        config = kp_config(key, {"callbacks": [recorder], "tags": ["secrets"]})
        message = await tools[tool].ainvoke(tool_call(tool, args), config=config)
        seen = [*dumped(message), json.dumps(message.artifact), *recorder.seen]
        recorder.seen.clear()
        return seen

    yield call


@contextlib.asynccontextmanager
async def langchain_toolkit_key(executor: Executor) -> AsyncIterator[Call]:
    """Sync ``invoke`` of a tool call; the key given to the toolkit."""
    toolkits: dict[str, KPainterToolkit] = {}

    async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
        toolkit = toolkits.setdefault(key, KPainterToolkit(executor, api_key=key))
        chosen = next(t for t in toolkit.get_tools() if t.name == tool)
        message = await asyncio.to_thread(chosen.invoke, tool_call(tool, args))
        return dumped(message, chosen, toolkit)

    yield call


@contextlib.asynccontextmanager
async def llamaindex_key_function(executor: Executor) -> AsyncIterator[Call]:
    """Async ``acall``; the key from a function reading the request's context."""
    current: contextvars.ContextVar[str] = contextvars.ContextVar("current_key")
    spec = KPainterToolSpec(executor, api_key=current.get)
    tools = {t.metadata.get_name(): t for t in spec.to_tool_list()}

    async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
        current.set(key)
        output = await tools[tool].acall(**args)
        return [*dumped(output, spec, tools[tool]), str(output.raw_input), str(output.raw_output)]

    yield call


@contextlib.asynccontextmanager
async def llamaindex_fixed_key(executor: Executor) -> AsyncIterator[Call]:
    """Sync ``call``; the key given to the tool spec."""
    specs: dict[str, KPainterToolSpec] = {}

    async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
        spec = specs.setdefault(key, KPainterToolSpec(executor, api_key=key))
        chosen = spec.to_tool_list([tool])[0]
        output = await asyncio.to_thread(chosen.call, **args)
        return [*dumped(output, spec), str(output.raw_input), str(output.raw_output)]

    yield call


def mcp_memory(mode: str) -> Rendering:
    @contextlib.asynccontextmanager
    async def rendering(executor: Executor) -> AsyncIterator[Call]:
        async with Client(build_server(executor), mode=mode) as client:

            async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
                return dumped(await client.call_tool(tool, {**args, "api_key": key}))

            yield call

    return rendering


# LangChain and LlamaIndex never show the model a key, so it cannot write one into arguments
# (a key it did write would be in the conversation already, and their callbacks and raw_input
# repeat the model's own arguments by design); MCP tools take api_key, so a confused model can.
MODEL_SEES_KEYS = {"executor", "mcp-memory-auto", "mcp-memory-legacy", "mcp-http"}
RENDERINGS: dict[str, Rendering] = {
    "executor": executor_rendering,
    "langchain-async-config-key": langchain_config_key,
    "langchain-sync-toolkit-key": langchain_toolkit_key,
    "llamaindex-async-key-function": llamaindex_key_function,
    "llamaindex-sync-fixed-key": llamaindex_fixed_key,
    "mcp-memory-auto": mcp_memory("auto"),
    "mcp-memory-legacy": mcp_memory("legacy"),
}


# -- the script: every tool through every path ----------------------------------------------------

METHOD = {name: "POST" if spec.effect.spends_credits else "GET" for name, spec in SPECS.items()}
FAULTS: list[dict[str, Any]] = [
    {"kind": "status", "status": 401},
    {"kind": "status", "status": 402},
    {"kind": "status", "status": 403},
    {"kind": "status", "status": 404},
    {"kind": "status", "status": 409},
    {"kind": "status", "status": 422},
    {"kind": "status", "status": 429, "retry_after": 0},
    {"kind": "status", "status": 500},
    {"kind": "latency", "seconds": 0.3},  # past the 0.1 s client timeout
    {"kind": "drop"},
    {"kind": "drop", "after_processing": True},
    {"kind": "malformed"},
    {"kind": "truncated"},
    {"kind": "huge", "size": 2 * 1024 * 1024},
]
KEYED_TOOLS = [name for name, spec in SPECS.items() if spec.needs_key]


def fault_id(fault: dict[str, Any]) -> str:
    return "-".join(str(v) for v in fault.values())


def arguments(tool: str, step: str, ids: dict[str, int]) -> dict[str, Any]:
    """Valid arguments for ``tool``; creates and edits differ per step (no dedupe between)."""
    creation_id, job_id = ids.get("creation_id", 1), ids.get("job_id", 2)
    every: dict[str, dict[str, Any]] = {
        "kp_health": {},
        "kp_me": {},
        "kp_get_catalog": {},
        "kp_create_creation": {"type": "slides_video", "prompt": f"Tides {step}", "scene_count": 2},
        "kp_list_creations": {"page_size": 5},
        "kp_get_creation": {"creation_id": creation_id},
        "kp_get_job_status": {"job_id": job_id},
        "kp_edit_scene": {
            "creation_id": creation_id,
            "scene_id": "s1",
            "action": "update_scene_narration",
            "narration_text": f"New words {step}",
        },
    }
    return every[tool]


@dataclass
class Script:
    """The same calls for every rendering; what the caller saw is kept in ``seen``."""

    call: Call
    keys: Keys
    switch: Callable[[dict[str, Any] | None], Awaitable[None]]  # set one fault, or clear
    key_in_arguments: bool = True  # also pass the key as argument values and names
    seen: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    calls: int = 0

    async def run(self, tool: str, args: dict[str, Any], key: str) -> list[str]:
        self.calls += 1
        try:
            texts = await self.call(tool, args, key)
        except Exception as error:  # itself a failure; its text is searched too
            self.errors.append(f"{tool}: {error!r}")
            texts = ["".join(traceback.format_exception(error)), str(error), repr(error)]
        self.seen += texts
        return texts

    async def everything(self, plan: list[tuple[str, dict[str, Any]]]) -> None:
        """The script; ``plan`` is the (tool, fault) pairs to run under upstream faults."""
        keys = self.keys
        for tool in [t for t in SPECS if t != "kp_me"]:  # before kp_me: kp_me_required
            await self.run(tool, arguments(tool, "early", self.ids), keys.member)
        for key in (keys.member, keys.other):
            await self.run("kp_me", {}, key)
            await self.run("kp_get_catalog", {"type": "slides_video"}, key)
            await self.workflow(key)
        await self.refusals()
        for tool, fault in plan:
            await self.switch(None)
            await self.run("kp_me", {}, keys.member)
            await self.switch({"method": METHOD[tool], "times": None, **fault})
            await self.run(tool, arguments(tool, fault_id(fault), self.ids), keys.member)
        await self.switch(None)

    async def workflow(self, key: str) -> None:
        step = f"workflow-{key[-6:]}"
        texts = await self.run("kp_create_creation", arguments("kp_create_creation", step, {}), key)
        ids: dict[str, int] = {}
        for text in texts:  # the ids, read back from the JSON text the model reads
            if text.startswith('{"ok":true'):
                result = json.loads(text)["result"]
                ids = {"creation_id": result["creation_id"], "job_id": result["job_id"]}
                break
        if key == self.keys.member:
            self.ids = ids
        for tool in ("kp_list_creations", "kp_get_job_status", "kp_get_creation", "kp_edit_scene"):
            await self.run(tool, arguments(tool, step, ids), key)
        await self.run(
            "kp_get_job_status", {"job_id": ids.get("job_id", 2), "wait_seconds": 1}, key
        )

    async def refusals(self) -> None:
        keys, member = self.keys, self.keys.member
        slides = {"type": "slides_video", "prompt": "x"}
        await self.run("kp_get_creation", {"creation_id": "one"}, member)
        await self.run("kp_create_creation", {**slides, "voice_id": "nobody"}, member)
        if self.key_in_arguments:  # invalid arguments carrying the key as a value or a name
            await self.run("kp_get_catalog", {"type": member}, member)
            await self.run("kp_get_creation", {"creation_id": member}, member)
            await self.run("kp_list_creations", {"query": member, "status": member}, member)
            await self.run("kp_create_creation", {**slides, "voice_id": member}, member)
            both = {**slides, "style_id": member, "language": member}
            await self.run("kp_create_creation", both, member)
            await self.run("kp_create_creation", {"type": member, "prompt": member}, member)
            await self.run("kp_me", {member: 1}, member)
        # not found, not editable, a failed job
        await self.run("kp_get_creation", {"creation_id": 99_999}, member)
        await self.run("kp_get_job_status", {"job_id": 99_999}, member)
        edit = {"scene_id": "s1", "action": "regenerate_scene"}
        await self.run("kp_edit_scene", {"creation_id": 99_999, **edit}, member)
        image = await self.run("kp_create_creation", {"type": "image", "prompt": "A cat"}, member)
        image_id = next(
            (json.loads(t)["result"]["creation_id"] for t in image if t.startswith('{"ok":true')),
            1,
        )
        await self.run("kp_edit_scene", {"creation_id": image_id, **edit}, member)
        failed = await self.run(
            "kp_create_creation", {"type": "image", "prompt": "Dog #fail"}, member
        )
        job = next(
            (json.loads(t)["result"]["job_id"] for t in failed if t.startswith('{"ok":true')), 2
        )
        await self.run("kp_get_job_status", {"job_id": job}, member)
        # accounts that must stop
        for key in (keys.broke, keys.readonly):
            await self.run("kp_me", {}, key)
            await self.run("kp_create_creation", arguments("kp_create_creation", "stop", {}), key)
        await self.run("kp_me", {}, keys.free)
        members_only = {**slides, "prompt": "Members only", "quality": "4K"}
        await self.run("kp_create_creation", members_only, keys.free)
        for tool in SPECS:
            await self.run(tool, arguments(tool, "revoked", {}), keys.revoked)
        await self.run("kp_me", {}, keys.unknown)


# -- the in-process renderings --------------------------------------------------------------------


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at DEBUG, whatever levels earlier tests left behind.

    With log redaction installed, as kp-mcp and kp-tools install it at start-up and as an
    application embedding kp-tools is told to: httpx logs request URLs at INFO, and a key a model
    put into a query is in them. (Run alone, this module used to depend on an earlier test
    having installed it.)
    """
    install_log_redaction()
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    root_level = root.level
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
        logger.disabled = False
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)
    root.setLevel(root_level)
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled


def logged(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = []
    for record in records:
        texts += [formatter.format(record), record.getMessage(), repr(record.__dict__)]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
    return texts


@pytest.mark.parametrize("rendering", list(RENDERINGS))
async def test_no_key_in_any_output_log_or_exception(
    rendering: str,
    every_log_record: list[logging.LogRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    keys = Keys()
    sandbox = Sandbox()
    keys.register(sandbox)
    executor = echoing_executor(sandbox)

    async def switch(fault: dict[str, Any] | None) -> None:
        sandbox.faults.clear()
        if fault is not None:
            sandbox.faults.add(Fault(**fault))

    async with RENDERINGS[rendering](executor) as call:
        script = Script(call, keys, switch, key_in_arguments=rendering in MODEL_SEES_KEYS)
        await script.everything([(tool, fault) for fault in FAULTS for tool in KEYED_TOOLS])
    await executor.aclose()

    assert not script.errors, script.errors  # no exception escaped a tool call
    assert script.calls > 240 and every_log_record  # the script ran, and logging was on
    texts = [
        *script.seen,
        *logged(every_log_record),
        caplog.text,
        repr(executor),
        repr(vars(executor.store)),
    ]
    assert not leaks(texts, keys.all())


# -- a real kp-mcp HTTP server ---------------------------------------------------------------------

RETRIED_ON_READS = {"429", "500", "latency", "drop", "malformed", "truncated"}


def http_plan() -> list[tuple[str, dict[str, Any]]]:
    """Every fault on every write; on reads, the faults kp-mcp does not retry.

    kp-mcp runs the default retry policy (4 attempts, seconds of backoff, 30 s timeout), so a
    persistent retried fault on a read costs seconds; those paths run in process above.
    """
    plan = []
    for fault in FAULTS:
        retried = fault["kind"] in RETRIED_ON_READS or str(fault.get("status")) in RETRIED_ON_READS
        for tool in KEYED_TOOLS:
            if fault["kind"] == "latency":
                continue  # the 30 s client timeout
            if METHOD[tool] == "GET" and retried:
                continue
            plan.append((tool, fault))
    return plan


@pytest.mark.slow
async def test_no_key_in_what_a_kp_mcp_http_server_answers_or_logs(tmp_path: Path) -> None:
    """kp-mcp (debug logging) in front of an echoing upstream; keys in the X-KGP-Api-Key header
    (the member's) and in the api_key argument (everyone else's)."""
    keys = Keys()
    sandbox = Sandbox()
    keys.register(sandbox)
    log = tmp_path / "kp-mcp.log"
    port = free_port()

    async def switch(fault: dict[str, Any] | None) -> None:
        sandbox.faults.clear()
        if fault is not None:
            sandbox.faults.add(Fault(**fault))

    with serve_in_thread(EchoingUpstream(sandbox.app)) as upstream:
        env = child_env(KGP_BASE_URL=f"{upstream}/openapi/v1")
        args = [str(KP_MCP), "--transport", "http", "--port", str(port), "--log-level", "debug"]
        process = start(args, env, f"http://127.0.0.1:{port}/healthz", log)
        try:
            async with contextlib.AsyncExitStack() as stack:
                url = f"http://127.0.0.1:{port}/mcp"

                async def client(headers: dict[str, str], mode: str) -> Client:
                    http = await stack.enter_async_context(
                        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60))
                    )
                    return await stack.enter_async_context(
                        Client(streamable_http_client(url, http_client=http), mode=mode)
                    )

                by_header = await client({"X-KGP-Api-Key": keys.member}, "legacy")
                by_argument = await client({}, "auto")

                async def call(tool: str, args: dict[str, Any], key: str) -> list[str]:
                    if key == keys.member:
                        return dumped(await by_header.call_tool(tool, args))
                    return dumped(await by_argument.call_tool(tool, {**args, "api_key": key}))

                script = Script(call, keys, switch)
                await script.everything(http_plan())
        finally:
            stop(process)

    assert not script.errors, script.errors
    assert script.calls > 150
    logged_text = log.read_text(errors="replace")
    assert "kp_me key=ApiKey(" in logged_text  # debug logging was on
    assert not leaks([*script.seen, logged_text], keys.all())


# -- the client's own exceptions -------------------------------------------------------------------


async def test_no_key_in_the_clients_exceptions(
    every_log_record: list[logging.LogRecord],
) -> None:
    """Direct users of KPainterClient catch typed errors: their text, repr and traceback are
    clean too, for every fault, with an upstream that quotes the key back. (The client returns
    answers as KPainter sent them; the executor is what scrubs outcomes.)"""
    keys = Keys()
    sandbox = Sandbox()
    keys.register(sandbox)
    client = echoing_executor(sandbox).client
    key = ApiKey(keys.member)
    seen: list[str] = []
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "me": lambda: client.me(key),
        "catalog": lambda: client.catalog(key),
        "list": lambda: client.list_creations(key, {"query": keys.member}),
        "get": lambda: client.get_creation(key, 1),
        "job": lambda: client.get_job(key, 2),
        "create": lambda: client.create_creation(key, {"type": "image", "prompt": "A cat"}),
        "edit": lambda: client.edit_scene(key, 1, {"action": "regenerate_scene"}),
    }
    for fault in FAULTS:
        for name, make in calls.items():
            sandbox.faults.clear()
            sandbox.faults.add(Fault(times=None, **fault))
            try:
                await make()
            except KPainterError as error:
                seen += [str(error), repr(error), error.message, *map(str, error.problems)]
                seen.append("".join(traceback.format_exception(error)))
            except Exception as error:  # pragma: no cover - would be a bug in itself
                pytest.fail(f"{name} under {fault}: untyped {error!r}")
    await client.aclose()
    assert len(seen) > 100
    assert not leaks([*seen, *logged(every_log_record)], keys.all())

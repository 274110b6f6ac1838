"""Arbitrary arguments to every tool through every rendering: always a typed outcome.

Hypothesis sends each tool (and made-up tool names) arguments of every shape: the right fields
with wrong types, out-of-range numbers, huge and odd unicode strings, nested garbage, extra
fields, ``None``, lists and scalars instead of an object. Through the executor, LangChain
(``ainvoke`` with a tool call), LlamaIndex (``acall``) and MCP (``Client.call_tool``, in both
connection modes), each call must end in the rendering's typed result carrying a stable
:class:`~kp_tools.errors.ErrorCode`, no exception may escape, and arguments the executor refuses
must not reach KPainter at all (nor may a create or edit refused for its arguments).

Every rendering shares one sandbox, one verified key and one event loop on a helper thread, so
an example costs about a millisecond; each call is bounded by ``CALL_TIMEOUT`` (a hang fails).
``KP_FUZZ_EXAMPLES`` raises the number of examples for a longer local run.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from langchain_core.messages import ToolMessage
from llama_index.core.tools import ToolOutput
from mcp.client import Client
from mcp.types import CallToolResult
from pydantic import ValidationError

from kp_tools import ErrorCode, Executor, Sandbox
from kp_tools.keys import without_invented_keys
from kp_tools.langchain import KPainterToolkit
from kp_tools.llamaindex import KPainterToolSpec
from kp_tools.mcp import build_server
from kp_tools.outcome import Outcome
from kp_tools.sandbox import IN_PROCESS_BASE_URL
from kp_tools.specs import SPECS
from tests.reliability.conftest import FAST

T = TypeVar("T")

KEY = "kgp_fuzz_member_key_0001"
CALL_TIMEOUT = 20.0
EXAMPLES = int(os.environ.get("KP_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,  # ms per example; a real call is ~1 ms, a 200k-character string ~50 ms
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies ------------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "\u202e",  # right-to-left override
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "١٢٣",  # Arabic-Indic digits: isdigit() but not ASCII
    "²",  # isdigit(), yet int() refuses it
    "kgp_",
    "null",
    "{}",
    "-1",
    "1e309",
    "'; DROP TABLE creations; --",
    "../../etc/passwd",
    "%00%2e%2e",
]
LONE_SURROGATES = ["\ud800", "a\udfffb"]


def strings(*, surrogates: bool) -> st.SearchStrategy[str]:
    odd = ODD_STRINGS + (LONE_SURROGATES if surrogates else [])
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(odd),
        # huge: up to 30x the 10,000-character limit, built cheaply
        st.builds(lambda char, n: char * n, st.sampled_from("xé字🙂"), st.integers(0, 300_000)),
    )


def json_values(*, surrogates: bool) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        strings(surrogates=surrogates),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=8), children, max_size=4),
        ),
        max_leaves=10,
    )


CATALOG_VALUES: dict[str, list[Any]] = {
    "type": [
        "explainer_video",
        "slides_video",
        "vector_animation",
        "slide_deck",
        "image",
        "interactive_lesson",
        "knowledge_video",
        "web_app",
        "IMAGE",
        "video",
    ],
    "language": ["en", "zh", "xx", "EN"],
    "aspect_ratio": ["16:9", "9:16", "1:1", "4:3", "16/9"],
    "voice_id": ["v_en_female_1", "v_zh_male_1", "nobody"],
    "style_id": ["st_whiteboard", "st_minimal", "st_blueprint", "st_none"],
    "quality": ["1K", "2K", "4K", "8K", "standard", "high"],
    "image_model": ["nano-banana-2", "gpt-image-2", "dall-e-1"],
    "scene_id": ["s1", "s2", "s99", "S1"],
    "action": ["update_scene_narration", "regenerate_scene", "delete_scene"],
    "status": ["queued", "processing", "ready", "failed", "invalid", "done"],
}
NUMBER_FIELDS = {
    "creation_id",
    "job_id",
    "page",
    "page_size",
    "scene_count",
    "duration_seconds",
    "wait_seconds",
}


def plausible(field: str, *, surrogates: bool) -> st.SearchStrategy[Any]:
    """Values close to right for this field: what a model gets almost right."""
    if field in CATALOG_VALUES:
        return st.sampled_from(CATALOG_VALUES[field])
    if field == "wait_seconds":  # real waits are bounded and jobs finish at once here
        return st.integers(-2, 60)
    if field in NUMBER_FIELDS:
        return st.one_of(st.integers(-3, 40), st.integers(), st.sampled_from([1, 2, "1", 1.0, 1.5]))
    return strings(surrogates=surrogates)


def arguments_for(
    tool: str, *, surrogates: bool = True, objects_only: bool = False
) -> st.SearchStrategy[Any]:
    """Arguments for ``tool``, from nearly right to nonsense.

    Nearly right: every required field and some optional ones, each a plausible value (these
    reach KPainter, or are refused by the catalog checks). Mixed: any fields, each plausible or
    garbage, plus extra fields. Nonsense: a scalar, list or null instead of an object.
    """
    model = SPECS[tool].input_model if tool in SPECS else None
    fields = list(model.model_fields) if model is not None else ["x"]
    required = [f for f in fields if model is not None and model.model_fields[f].is_required()]
    garbage = json_values(surrogates=surrogates)
    nearly_right = st.fixed_dictionaries(
        {f: plausible(f, surrogates=surrogates) for f in required},
        optional={f: plausible(f, surrogates=surrogates) for f in fields if f not in required},
    )
    extra_names = st.text(max_size=12).filter(lambda n: n not in fields and n != "api_key")
    mixed = st.builds(
        lambda chosen, extra: {**extra, **chosen},
        st.fixed_dictionaries(
            {},
            optional={f: st.one_of(plausible(f, surrogates=surrogates), garbage) for f in fields},
        ),
        st.dictionaries(extra_names, garbage, max_size=2),
    )
    if objects_only:
        return st.one_of(nearly_right, mixed)
    return st.one_of(nearly_right, nearly_right, mixed, mixed, garbage)


TOOL_NAMES = st.integers(0, 9).flatmap(
    lambda roll: st.text(max_size=20) if roll == 0 else st.sampled_from(list(SPECS))
)  # one call in ten names a tool that does not exist


def tool_calls(*, surrogates: bool = True, objects_only: bool = False) -> st.SearchStrategy[Any]:
    return TOOL_NAMES.flatmap(
        lambda name: st.tuples(
            st.just(name), arguments_for(name, surrogates=surrogates, objects_only=objects_only)
        )
    )


# -- one sandbox, one key, one loop for every rendering -------------------------------------------


class LoopThread:
    """An event loop on a daemon thread that outlives examples (open clients stay open)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@dataclass
class World:
    loop: LoopThread
    sandbox: Sandbox
    executor: Executor
    langchain: dict[str, Any]
    llamaindex: dict[str, Any]
    mcp: dict[str, Client]

    def requests(self, method: str | None = None) -> int:
        return self.sandbox.count(method)


async def hold(
    client: Client, ready: asyncio.Future[Client], stop: asyncio.Event
) -> None:  # the task that opens a client must be the one that closes it
    async with client:
        ready.set_result(client)
        await stop.wait()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    loop = LoopThread()
    sandbox = Sandbox()
    sandbox.add_account(KEY, credits=10**9)
    executor = Executor(sandbox.client(retry=FAST), env={})

    async def setup() -> None:
        assert (await executor.run("kp_me", api_key=KEY)).ok
        made = await executor.run(
            "kp_create_creation",
            {"type": "slides_video", "prompt": "Tides", "scene_count": 2},
            api_key=KEY,
        )
        assert made.ok and made.data is not None
        assert (made.data["creation_id"], made.data["job_id"]) == (1, 2)

    loop.run(setup())
    langchain = {t.name: t for t in KPainterToolkit(executor, api_key=KEY).get_tools()}
    llamaindex = {
        t.metadata.get_name(): t for t in KPainterToolSpec(executor, api_key=KEY).to_tool_list()
    }
    stop = asyncio.Event()
    clients: dict[str, Client] = {}
    holders = []
    for mode in ("auto", "legacy"):
        ready: asyncio.Future[Client] = loop.loop.create_future()
        client = Client(build_server(executor), mode=mode, raise_exceptions=True)
        holders.append(asyncio.run_coroutine_threadsafe(hold(client, ready, stop), loop.loop))
        clients[mode] = loop.run(_wait(ready))
    yield World(loop, sandbox, executor, langchain, llamaindex, clients)
    loop.loop.call_soon_threadsafe(stop.set)
    for holder in holders:
        holder.result(10)
    loop.run(executor.aclose())
    loop.close()


async def _wait(future: asyncio.Future[T]) -> T:
    return await future


# -- what every rendering must give ---------------------------------------------------------------


def typed(payload: Mapping[str, Any]) -> ErrorCode | None:
    """Check the outcome envelope every rendering carries; return its code (None when ok)."""
    assert isinstance(payload["ok"], bool)
    if payload["ok"]:
        assert "error" not in payload
        return None
    error = payload["error"]
    code = ErrorCode(error["code"])  # a stable code, or this raises
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["retryable"], bool) and isinstance(error["must_stop"], bool)
    return code


def readable(text: str) -> dict[str, Any]:
    """The text the model reads: JSON, and encodable for any transport."""
    text.encode("utf-8")
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def refused_locally(tool: str, arguments: Any) -> bool:
    """True when the executor must refuse these arguments before any request.

    Decided by the spec's own input model, not by the executor's code under test.
    """
    spec = SPECS.get(tool)
    if spec is None or not (arguments is None or isinstance(arguments, Mapping)):
        return True
    try:
        spec.input_model.model_validate(arguments or {})
    except ValidationError:
        return True
    return False


def check_requests(
    world: World, tool: str, arguments: Any, code: ErrorCode | None, before: tuple[int, int]
) -> None:
    total, posts = before
    event(f"{code or 'ok'}")
    if refused_locally(tool, arguments):
        assert code in (ErrorCode.INVALID_ARGUMENTS, ErrorCode.UNKNOWN_TOOL), code
        assert world.requests() == total, "invalid arguments reached KPainter"
    if code is ErrorCode.INVALID_ARGUMENTS:
        assert world.requests("POST") == posts, "a create or edit with bad arguments was sent"


def counts(world: World) -> tuple[int, int]:
    return world.requests(), world.requests("POST")


def for_adapters(tool: str, arguments: Any) -> dict[str, Any]:
    """What LangChain and LlamaIndex hand the executor: invented key-like names dropped."""
    fields = list(SPECS[tool].input_model.model_fields) if tool in SPECS else []
    return without_invented_keys(arguments, fields)


# -- the renderings ------------------------------------------------------------------------------


@FUZZ
@given(call=tool_calls())
def test_executor(world: World, call: tuple[str, Any]) -> None:
    tool, arguments = call
    before = counts(world)
    outcome = world.loop.run(world.executor.run(tool, arguments, api_key=KEY))
    assert isinstance(outcome, Outcome)
    payload = readable(outcome.text())
    code = typed(payload)
    assert code is outcome.code
    check_requests(world, tool, arguments, code, before)


@FUZZ
@given(
    call=st.sampled_from(list(SPECS)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.dictionaries(st.integers() | st.text(max_size=5), json_values(surrogates=True)),
        )
    )
)
def test_executor_with_keys_that_are_not_strings(world: World, call: tuple[str, Any]) -> None:
    tool, arguments = call
    before = counts(world)
    outcome = world.loop.run(world.executor.run(tool, arguments, api_key=KEY))
    code = typed(readable(outcome.text()))
    check_requests(world, tool, arguments, code, before)


@FUZZ
@given(call=tool_calls(objects_only=True).filter(lambda c: c[0] in SPECS))
def test_langchain_tool_call(world: World, call: tuple[str, dict[str, Any]]) -> None:
    tool, arguments = call
    before = counts(world)
    message = world.loop.run(
        world.langchain[tool].ainvoke(
            {"type": "tool_call", "name": tool, "args": arguments, "id": "call_fuzz"}
        )
    )
    assert isinstance(message, ToolMessage)
    assert isinstance(message.content, str)
    payload = readable(message.content)
    code = typed(payload)
    assert message.status == ("success" if code is None else "error")
    assert message.artifact == payload
    assert message.tool_call_id == "call_fuzz"
    check_requests(world, tool, for_adapters(tool, arguments), code, before)


@FUZZ
@given(call=tool_calls(objects_only=True).filter(lambda c: c[0] in SPECS))
def test_llamaindex_acall(world: World, call: tuple[str, dict[str, Any]]) -> None:
    tool, arguments = call
    arguments.pop("self", None)  # see test_llamaindex_accepts_an_argument_named_self
    before = counts(world)
    output = world.loop.run(world.llamaindex[tool].acall(**arguments))
    assert isinstance(output, ToolOutput)
    payload = readable(output.content)
    code = typed(payload)
    assert output.is_error is (code is not None)
    assert output.raw_output == payload
    check_requests(world, tool, for_adapters(tool, arguments), code, before)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@FUZZ
@given(data=st.data())
def test_mcp_call_tool(world: World, mode: str, data: st.DataObject) -> None:
    # On the wire (legacy) JSON cannot carry a lone surrogate; the client refuses to send one.
    tool, arguments = data.draw(tool_calls(surrogates=mode == "auto", objects_only=True))
    before = counts(world)
    result = world.loop.run(world.mcp[mode].call_tool(tool, {**arguments, "api_key": KEY}))
    assert isinstance(result, CallToolResult)
    assert result.structured_content is not None
    texts = [block.text for block in result.content if block.type == "text"]
    assert len(texts) == 1
    payload = readable(texts[0])
    assert payload == result.structured_content
    code = typed(payload)
    assert result.is_error is (code is not None)
    check_requests(world, tool, arguments, code, before)


def test_llamaindex_accepts_an_argument_named_self(world: World) -> None:
    output = world.loop.run(world.llamaindex["kp_me"].acall(self=1))
    assert output.is_error
    assert typed(readable(output.content)) is ErrorCode.INVALID_ARGUMENTS


# -- the sandbox's own HTTP API: 4xx for anything malformed, never 500 ----------------------------

SANDBOX_ROUTES = [
    ("GET", "/openapi/v1/me"),
    ("GET", "/openapi/v1/catalog"),
    ("POST", "/openapi/v1/creations"),
    ("GET", "/openapi/v1/creations"),
    ("GET", "/openapi/v1/creations/{id}"),
    ("GET", "/openapi/v1/creations/jobs/{id}"),
    ("POST", "/openapi/v1/creations/{id}/edit"),
    ("POST", "/_sandbox/top-up"),
    ("POST", "/_sandbox/accounts"),
    ("POST", "/_sandbox/faults"),
]
PATH_IDS = st.one_of(
    st.integers(-5, 10).map(str),
    st.sampled_from(["²", "١", "1.0", "0x1", "%20", "a" * 300]),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8),
)
QUERY = st.dictionaries(
    st.sampled_from(["page", "page_size", "type", "status", "query"]),
    st.one_of(st.text(max_size=10), st.sampled_from(["²", "0", "-1", "101", "99999999999999"])),
    max_size=3,
)


@settings(max_examples=EXAMPLES * 2, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=st.sampled_from(SANDBOX_ROUTES),
    path_id=PATH_IDS,
    query=QUERY,
    body=st.one_of(
        json_values(surrogates=False).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=64),
        arguments_for("kp_create_creation", surrogates=False).map(lambda v: json.dumps(v).encode()),
    ),
    key=st.sampled_from([KEY, "kgp_sandbox_member", "kgp_sandbox_revoked", "", "nobody"]),
)
def test_the_sandbox_answers_malformed_requests_with_4xx(
    world: World,
    route: tuple[str, str],
    path_id: str,
    query: dict[str, str],
    body: bytes,
    key: str,
) -> None:
    method, template = route
    path = template.replace("{id}", httpx.URL(path="/" + path_id).raw_path.decode()[1:])

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=world.sandbox.transport,
            base_url=IN_PROCESS_BASE_URL.removesuffix("/openapi/v1"),
        ) as http:
            return await http.request(
                method,
                path,
                params=query,
                content=body if method == "POST" else None,
                headers={"X-KGP-Api-Key": key, "Content-Type": "application/json"},
            )

    response = world.loop.run(send())
    assert response.status_code < 500, (method, path, response.text[:300])
    world.sandbox.faults.clear()  # a fault the fuzzer managed to switch on must not linger

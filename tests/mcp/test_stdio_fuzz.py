"""Malformed input on stdin: protocol errors or dropped lines, and the server keeps answering.

A real ``kp-mcp --sandbox`` process gets, on its stdin, lines no MCP client would send: broken
JSON, bytes that are not UTF-8, JSON that is not a JSON-RPC message, requests of the wrong
shape, unknown methods, completions of names it does not have, and messages of several MB.
The SDK drops a line it cannot read as a message (there is no id to answer); a request it can
read but not honour gets a JSON-RPC error with its id. After every one, the next ordinary
request is answered, no answer quotes a key sent in the bad input, and at the end the server
is still running and logged no traceback.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.processes import KP_MCP, child_env

pytestmark = pytest.mark.slow

SECRET = "kgp_live_SECRET_3f9c2a7e51b04d6e"
BIG = 8 * 1024 * 1024  # far above any real message; the stdio transport has no line limit
ANSWER_WITHIN = 30.0  # seconds to wait for an answer before calling the server stuck
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


class RawStdio:
    """kp-mcp on pipes: write raw lines, read JSON-RPC messages (one per line)."""

    def __init__(self, log: Path) -> None:
        self.log_path = log
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [str(KP_MCP), "--sandbox", "--job-seconds", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=child_env(),
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.next_id = 1000

    def _read(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            self.messages.put(json.loads(line))  # the server itself never writes a bad line

    def send(self, line: bytes) -> None:
        self.stdin.write(line + b"\n")
        self.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send a request; every message up to and including its answer (the answer last)."""
        self.next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(json.dumps(message).encode())
        seen = []
        while True:
            try:
                got = self.messages.get(timeout=ANSWER_WITHIN)
            except queue.Empty:
                pytest.fail(f"no answer to {method} (the server stopped answering)")
            seen.append(got)
            if got.get("id") == self.next_id:
                return seen

    def close(self) -> None:
        self.stdin.close()
        try:
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawStdio]:
    raw = RawStdio(tmp_path_factory.mktemp("kp-mcp-stdio-fuzz") / "stderr.log")
    initialized = raw.request(
        "initialize",
        {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "fuzz", "version": "1"},
        },
    )
    assert "result" in initialized[-1]
    raw.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode())
    yield raw
    raw.close()
    logged = raw.log_path.read_text(errors="replace")
    assert "Traceback" not in logged
    assert SECRET not in logged


def still_answering(server: RawStdio) -> list[dict[str, Any]]:
    """A ping after the bad line: the messages that came before its answer, which must be {}."""
    *before, answer = server.request("ping")
    assert answer.get("result") == {}, answer
    return before


UNREADABLE = [
    b"not json",
    b"{",
    b"\xff\xfe\x00",  # not UTF-8
    b"null",
    b'"a string"',
    b"[]",
    b"[1, 2]",
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "1.0", "id": 5, "method": "ping"}',
    b'{"jsonrpc": "2.0", "id": 6}',
    b'{"jsonrpc": "2.0", "id": {"nested": 1}, "method": "ping"}',
    b'{"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": "' + SECRET.encode() + b'"}',
    b"x" * BIG,
    b'{"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {"pad": "' + b"y" * BIG + b'"}',
]


@pytest.mark.parametrize("line", UNREADABLE, ids=lambda line: repr(line[:30]))
def test_a_line_that_is_not_a_request_is_dropped_or_refused(server: RawStdio, line: bytes) -> None:
    server.send(line)
    before = still_answering(server)
    for message in before:  # whatever the SDK said about the bad line is an error, never a result
        assert "result" not in message, message
        assert message["error"]["code"] in {PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS}
        assert SECRET not in json.dumps(message)


def test_an_unknown_method_gets_method_not_found(server: RawStdio) -> None:
    answer = server.request("kpainter/make_it_so", {"api_key": SECRET})[-1]
    assert answer["error"]["code"] == METHOD_NOT_FOUND
    assert SECRET not in json.dumps(answer)
    still_answering(server)


@pytest.mark.parametrize(
    "params",
    [
        {"name": "kp_me", "arguments": [SECRET]},
        {"name": "kp_me", "arguments": "everything"},
        {"arguments": {}},
        {"name": ["kp_me"]},
    ],
    ids=["arguments-list", "arguments-string", "no-name", "name-list"],
)
def test_a_tool_call_of_the_wrong_shape_gets_invalid_params(
    server: RawStdio, params: dict[str, Any]
) -> None:
    answer = server.request("tools/call", params)[-1]
    assert answer["error"]["code"] == INVALID_PARAMS
    assert SECRET not in json.dumps(answer)
    still_answering(server)


def test_a_huge_argument_is_refused_as_a_tool_error_without_being_quoted(
    server: RawStdio,
) -> None:
    arguments = {"invented": "z" * BIG}
    answer = server.request("tools/call", {"name": "kp_me", "arguments": arguments})[-1]
    result = answer["result"]
    assert result["isError"] is True
    assert result["structuredContent"]["error"]["code"] == "invalid_arguments"
    assert len(json.dumps(answer)) < 16 * 1024  # the refusal names the argument, not its value
    still_answering(server)


@pytest.mark.parametrize(
    "ref",
    [
        {"type": "ref/prompt", "name": SECRET},
        {"type": "ref/resource", "uri": f"kpainter://{SECRET}/{{id}}"},
        {"type": "ref/elsewhere", "name": "x"},
    ],
    ids=["unknown-prompt", "unknown-template", "unknown-ref-type"],
)
def test_a_completion_of_something_the_server_does_not_have_is_invalid_params(
    server: RawStdio, ref: dict[str, Any]
) -> None:
    answer = server.request(
        "completion/complete", {"ref": ref, "argument": {"name": "language", "value": "e"}}
    )[-1]
    assert answer["error"]["code"] == INVALID_PARAMS
    assert SECRET not in json.dumps(answer)
    prompt = {"type": "ref/prompt", "name": "create_explainer_video"}
    after = server.request(
        "completion/complete", {"ref": prompt, "argument": {"name": "language", "value": "e"}}
    )[-1]
    assert "en" in after["result"]["completion"]["values"]


def test_the_workflow_still_runs_after_all_of_it(server: RawStdio) -> None:
    me = server.request("tools/call", {"name": "kp_me", "arguments": {}})[-1]
    assert me["result"]["structuredContent"]["result"]["name"] == "Ada Member"
    assert server.process.poll() is None

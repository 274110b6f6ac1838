"""Consent on the 2026-07-28 wire when the answer reaches another process than the question.

Real processes on loopback: a Redis server, ``kp-tools sandbox`` standing in for KPainter (one
upstream every process talks to, whose request log counts the creates), and either
``kp-mcp --transport http --workers 2`` (the supervisor generates the sealing secret) or two
``--stateless`` replicas given the same ``KP_MCP_STATE_SECRET``. Every request travels on a
fresh connection (``Connection: close``), so the question and the approval land on whichever
worker accepts it; workers are told apart by the process id in their log lines, as in
test_workers.py.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import MCPError
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import INVALID_PARAMS, InputRequiredResult

from kp_tools.mcp.request_state import ENV_STATE_SECRET, new_state_secret
from tests.conftest import MEMBER
from tests.mcp.conftest import payload
from tests.mcp.scripted_human import APPROVE, ScriptedHuman, answer_consent
from tests.processes import KP_MCP, KP_TOOLS, child_env, free_port, start, stop, upstream_posts
from tests.redis_server import redis_server

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]

# The executor's debug line for each round of a create: the question, then the approved send.
# Workers' lines carry their process id; a single process's lines do not (its log is its own).
CREATE_LINE = re.compile(
    r"(?:\[pid (\d+)\] )?kp_tools\.executor: kp_create_creation key=\S+ (suspended|-> \w+)"
)
REFUSAL_LINE = re.compile(
    r"(?:\[pid (\d+)\] )?kp_tools\.mcp: requestState refused on tools/call: (.+)"
)
SEAL_REJECTION = "requestState rejected"  # the SDK's boundary: a seal another process made


@dataclass
class Upstream:
    url: str

    def creates(self) -> int:
        return upstream_posts(self.url)


class ServerLog:
    """One kp-mcp's stderr (all its workers'), read as it arrives."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[re.Pattern[str], int] = {}

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace")

    def new(self, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
        """The ``(pid, what)`` of ``pattern``'s lines since the last look."""
        found: list[tuple[str, str]] = pattern.findall(self.text())
        start, self.seen[pattern] = self.seen.get(pattern, 0), len(found)
        return [(pid, what.strip()) for pid, what in found[start:]]

    def next_create(self) -> tuple[int, int]:
        """The workers that asked and that sent, for the one create since the last look."""
        rounds = self.new(CREATE_LINE)
        assert [what for _, what in rounds] == ["suspended", "-> ok"], rounds
        return int(rounds[0][0]), int(rounds[1][0])


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/openapi/v1"
    sandbox = start(
        [str(KP_TOOLS), "sandbox", "--port", str(port), "--job-seconds", "0"],
        child_env(),
        f"{url}/health",
        tmp_path_factory.mktemp("consent-sandbox") / "sandbox.log",
    )
    yield Upstream(url)
    stop(sandbox)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def serve(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [str(KP_MCP), "--transport", "http", "--port", str(port), *args]
    process = start(
        [*command, "--log-level", "debug"], env, f"http://127.0.0.1:{port}/healthz", log
    )
    return process, f"http://127.0.0.1:{port}/mcp"


def two_workers(
    upstream: Upstream, redis_url: str, tmp_path: Path
) -> tuple[subprocess.Popen[bytes], str, ServerLog]:
    """``kp-mcp --workers 2`` on Redis, asking before every create, and its log."""
    env = child_env(KP_STATE_URL=redis_url, KGP_BASE_URL=upstream.url, KP_CONFIRM_ABOVE_CREDITS="0")
    process, url = serve(["--workers", "2"], env, tmp_path / "workers.log")
    return process, url, ServerLog(tmp_path / "workers.log")


def client(url: str, human: ScriptedHuman | None = None) -> Client:
    """A 2026-07-28 client whose every request opens a new connection (any worker may take it)."""
    http = httpx2.AsyncClient(headers={"Connection": "close"})
    transport = streamable_http_client(url, http_client=http)
    return Client(transport, mode="auto", elicitation_callback=human or ScriptedHuman())


def brief(topic: str) -> dict[str, Any]:
    return {"type": "slides_video", "prompt": topic, "scene_count": 3, "api_key": MEMBER}


async def verify(url: str) -> None:
    async with client(url) as c:
        assert payload(await c.call_tool("kp_me", {"api_key": MEMBER}))["ok"] is True


async def ask(c: Client, arguments: dict[str, Any]) -> InputRequiredResult:
    asked = await c.session.call_tool("kp_create_creation", arguments, allow_input_required=True)
    assert isinstance(asked, InputRequiredResult)
    return asked


def proc_file(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


async def test_approvals_answered_on_either_worker_each_start_one_create(
    upstream: Upstream, redis_url: str, tmp_path: Path
) -> None:
    process, url, log = two_workers(upstream, redis_url, tmp_path)
    rounds: list[tuple[int, int]] = []  # (asked on, sent by) per create
    try:
        await verify(url)
        before = upstream.creates()
        while not (
            len({sent for _, sent in rounds}) == 2  # each worker carried out approvals
            and any(asked != sent for asked, sent in rounds)  # some answered on the other one
        ):
            assert len(rounds) < 16, f"the retries never reached both workers: {rounds}"
            human = ScriptedHuman(APPROVE)
            async with client(url, human) as c:  # the SDK's auto mode answers the form itself
                result = await c.call_tool("kp_create_creation", brief(f"Tides {len(rounds)}"))
            assert payload(result)["ok"] is True, payload(result)
            assert len(human.forms) == 1  # asked once: the approval was never refused
            rounds.append(log.next_create())
        assert upstream.creates() - before == len(rounds)  # each approved create, exactly once

        workers = {pid for pair in rounds for pid in pair}
        secrets_seen = {
            line.split(b"=", 1)[1]
            for pid in workers
            for line in proc_file(pid, "environ").split(b"\0")
            if line.startswith(ENV_STATE_SECRET.encode() + b"=")
        }
        assert len(secrets_seen) == 1  # one generated secret, in every worker's environment
        secret = secrets_seen.pop().decode()
        assert len(secret) == 64  # 32 random bytes, hex
        for pid in {process.pid, *workers}:
            assert secret.encode() not in proc_file(pid, "cmdline")  # never in `ps` output
    finally:
        stop(process)
    assert secret not in log.text()  # nor in any log line, at debug level
    assert SEAL_REJECTION not in log.text()


async def test_a_used_approval_is_refused_on_the_other_worker(
    upstream: Upstream, redis_url: str, tmp_path: Path
) -> None:
    process, url, log = two_workers(upstream, redis_url, tmp_path)
    try:
        await verify(url)
        before = upstream.creates()
        arguments = brief("Replayed tides")
        async with client(url) as c:
            asked = await ask(c, arguments)
            assert payload(await answer_consent(c, arguments, asked.request_state))["ok"] is True
            _, sent_by = log.next_create()
            refused_on: list[int] = []
            while set(refused_on) <= {sent_by}:
                assert len(refused_on) < 40, f"every replay reached one worker: {refused_on}"
                # Four at once: one at a time, an idle worker pair can hand every new connection
                # to the same worker; while one is busy, the other accepts.
                replays = await asyncio.gather(
                    *(answer_consent(c, arguments, asked.request_state) for _ in range(4)),
                    return_exceptions=True,
                )
                for replay in replays:
                    assert isinstance(replay, MCPError) and replay.code == INVALID_PARAMS, replay
                refusals = log.new(REFUSAL_LINE)
                # each opened by the shared secret, and stopped by the nonce
                assert [reason for _, reason in refusals] == ["replayed"] * len(replays)
                refused_on += [int(pid) for pid, _ in refusals]
    finally:
        stop(process)
    assert upstream.creates() - before == 1
    assert SEAL_REJECTION not in log.text()


async def test_replicas_given_one_secret_accept_each_others_approvals_once(
    upstream: Upstream, redis_url: str, tmp_path: Path
) -> None:
    secret = new_state_secret()
    env = child_env(
        KP_STATE_URL=redis_url,
        KGP_BASE_URL=upstream.url,
        KP_CONFIRM_ABOVE_CREDITS="0",
        **{ENV_STATE_SECRET: secret},
    )
    a, url_a = serve(["--stateless"], env, tmp_path / "a.log")
    b, url_b = serve(["--stateless"], env, tmp_path / "b.log")
    log_a, log_b = ServerLog(tmp_path / "a.log"), ServerLog(tmp_path / "b.log")
    try:
        await verify(url_a)  # the verification is shared through Redis
        before = upstream.creates()
        arguments = brief("Tides behind a balancer")
        async with client(url_a) as on_a, client(url_b) as on_b:
            asked = await ask(on_a, arguments)
            assert payload(await answer_consent(on_b, arguments, asked.request_state))["ok"] is True
            assert [what for _, what in log_a.new(CREATE_LINE)] == ["suspended"]
            assert [what for _, what in log_b.new(CREATE_LINE)] == ["-> ok"]
            with pytest.raises(MCPError) as replay:
                await answer_consent(on_a, arguments, asked.request_state)
            assert replay.value.code == INVALID_PARAMS
            assert [why for _, why in log_a.new(REFUSAL_LINE)] == ["replayed"]
    finally:
        stop(a)
        stop(b)
    assert upstream.creates() - before == 1
    for log in (log_a, log_b):
        assert secret not in log.text()
        assert SEAL_REJECTION not in log.text()

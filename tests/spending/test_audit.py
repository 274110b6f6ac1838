"""The audit trail: one event per spending decision, everywhere it is written, never the key."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kp_tools import Executor, Sandbox
from kp_tools.keys import ApiKey
from kp_tools.sandbox import Fault
from kp_tools.spending import Budget, read_json_lines
from kp_tools.state.redis import RedisStateStore
from tests.conftest import MEMBER
from tests.processes import child_env
from tests.redis_server import redis_server

VIDEO = {"type": "slides_video", "prompt": "Plate tectonics", "scene_count": 5}
FINGERPRINT = ApiKey(MEMBER).fingerprint


def decisions(path: Path) -> list[str]:
    return [event["decision"] for event in read_json_lines(path)]


async def ready(sandbox: Sandbox, path: Path, **options: object) -> Executor:
    executor = Executor.for_sandbox(sandbox, audit_log=path, **options)  # type: ignore[arg-type]
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    return executor


async def test_a_started_create_is_reserved_sent_and_started(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "audit.jsonl"
    executor = await ready(sandbox, path, budget=Budget(credits=100))
    created = await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert created.data is not None

    events = list(read_json_lines(path))

    assert [e["decision"] for e in events] == ["reserved", "sent", "started"]
    started = events[-1]
    assert started["key"] == FINGERPRINT
    assert started["tool"] == "kp_create_creation" and started["type"] == "create"
    assert started["cost"] == 20
    assert started["job_id"] == str(created.data["job_id"])
    assert started["creation_id"] == str(created.data["creation_id"])
    assert started["pid"] > 0 and started["host"]
    assert started["at"].endswith("+00:00")
    assert len({e["request"] for e in events}) == 1  # one request, followed step by step


async def test_every_kind_of_decision_is_recorded(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    executor = await ready(sandbox, path, budget=Budget(credits=40), confirm_above_credits=0)
    yes, no = (lambda request: True), (lambda request: False)

    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=yes)
    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER, approver=yes)  # duplicate
    other = {**VIDEO, "prompt": "Volcanoes"}
    await executor.run("kp_create_creation", other, api_key=MEMBER, approver=no)
    await executor.run("kp_create_creation", other, api_key=MEMBER)  # nobody to ask
    sandbox.faults.add(Fault("drop", path="/creations", method="POST", after_processing=True))
    await executor.run("kp_create_creation", other, api_key=MEMBER, approver=yes)
    await executor.run("kp_create_creation", {**VIDEO, "prompt": "Rivers"}, api_key=MEMBER)

    assert decisions(path) == [
        *["reserved", "sent", "started"],
        "deduplicated",
        *["reserved", "declined", "released"],
        *["reserved", "confirmation_unavailable", "released"],
        *["reserved", "sent", "outcome_unknown"],
        "refused_by_budget",  # 40 credits held: the started one and the unknown one
    ]


async def test_events_go_to_the_audit_logger(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    executor = Executor.for_sandbox(sandbox)
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    with caplog.at_level(logging.INFO, logger="kp_tools.audit"):
        await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kp_tools.audit"]
    assert [event["decision"] for event in logged] == ["sent", "started"]


async def test_the_environment_names_the_audit_file(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "from-env.jsonl"
    executor = Executor(sandbox.client(), env={"KP_AUDIT_LOG": str(path)})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    assert decisions(path) == ["sent", "started"]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


async def test_with_redis_state_events_go_to_a_stream_other_processes_read(
    sandbox: Sandbox, redis_url: str
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    executor = Executor(sandbox.client(), store=RedisStateStore(redis_url, prefix=prefix), env={})
    assert (await executor.run("kp_me", api_key=MEMBER)).ok
    await executor.run("kp_create_creation", VIDEO, api_key=MEMBER)
    await executor.aclose()

    reader = RedisStateStore(redis_url, prefix=prefix)
    events = await reader.recent_events(10)
    await reader.aclose()
    assert [event["decision"] for event in events] == ["sent", "started"]
    assert events[0]["key"] == FINGERPRINT


async def test_no_key_is_in_any_audit_event_file_or_stream(
    sandbox: Sandbox, tmp_path: Path, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "kgp_live_" + uuid.uuid4().hex
    sandbox.add_account(secret, credits=100)
    path = tmp_path / "audit.jsonl"
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    executor = Executor(
        sandbox.client(),
        store=RedisStateStore(redis_url, prefix=prefix),
        budget=Budget(credits=50),
        confirm_above_credits=0,
        audit_log=path,
        env={},
    )
    with caplog.at_level(logging.INFO, logger="kp_tools.audit"):
        assert (await executor.run("kp_me", api_key=secret)).ok
        for prompt, answer in (("One", True), ("Two", True), ("Three", False)):
            await executor.run(
                "kp_create_creation",
                {**VIDEO, "prompt": prompt},
                api_key=secret,
                approver=lambda request, answer=answer: answer,
            )
    stream = await executor.store.recent_events(100)
    await executor.aclose()

    texts = {
        "file": path.read_text(),
        "stream": json.dumps(stream),
        "logger": "\n".join(r.getMessage() for r in caplog.records),
    }
    assert len(stream) >= 6
    for where, text in texts.items():
        assert secret not in text, where
        assert secret[:12] not in text, where


_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from kp_tools import Executor, Sandbox

    async def main(path):
        sandbox = Sandbox()
        executor = Executor.for_sandbox(sandbox, audit_log=path)
        number = 0
        while True:
            number += 1
            sandbox.top_up("kgp_sandbox_member", 20)
            await executor.run("kp_me", api_key="kgp_sandbox_member")  # sees the top-up
            body = {"type": "slides_video", "prompt": f"Topic {number}", "scene_count": 5}
            await executor.run("kp_create_creation", body, api_key="kgp_sandbox_member")

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.slow
def test_the_audit_file_stays_valid_json_lines_after_the_writer_is_killed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while (not path.exists() or path.read_bytes().count(b"\n") < 200) and (
            time.monotonic() < deadline and writer.poll() is None
        ):
            time.sleep(0.02)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    lines = path.read_bytes().split(b"\n")
    complete, last = lines[:-1], lines[-1]
    assert len(complete) >= 200
    events = [json.loads(line) for line in complete]  # every complete line parses
    assert {event["decision"] for event in events} <= {"sent", "started"}
    assert last == b""  # one write per line: the kill cannot leave half of one

"""``kp-mcp --transport http --workers N``: worker processes on one port, state shared in Redis."""

from __future__ import annotations

import asyncio
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from mcp.client import Client

from kp_tools.mcp.workers import WorkerListener, bind_worker_socket, tcp_listener
from tests.mcp.conftest import error_code, payload
from tests.processes import KP_MCP, KP_TOOLS, child_env, free_port, start, stop
from tests.redis_server import redis_server

pytestmark = [pytest.mark.slow]

MEMBER = "kgp_sandbox_member"
# Workers log with their process id; the executor logs each call at debug level.
CALL_LINE = re.compile(r"\[pid (\d+)\] kp_tools\.executor: (kp_\w+) key=")


def refusal(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KP_MCP), *args],
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_two_workers_without_a_state_store_refuse_to_start() -> None:
    done = refusal("--transport", "http", "--workers", "2", "--port", str(free_port()))

    assert done.returncode == 2
    assert "--workers 2 needs shared workflow state: set KP_STATE_URL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_per_process_state_store_is_not_shared_state() -> None:
    done = refusal(
        "--transport", "http", "--workers", "2", "--port", str(free_port()),
        KP_STATE_URL="memory://",
    )  # fmt: skip

    assert done.returncode == 2
    assert "memory:// is per process" in done.stderr


def test_workers_refuse_an_embedded_sandbox_each_would_have_its_own() -> None:
    done = refusal(
        "--transport", "http", "--workers", "2", "--sandbox", "--port", str(free_port()),
        KP_STATE_URL="redis://127.0.0.1:9/0",
    )  # fmt: skip

    assert done.returncode == 2
    assert "kp-tools sandbox --port" in done.stderr


@pytest.fixture
def sandbox_api(tmp_path: Path) -> Iterator[str]:
    """The sandbox served on a loopback port: the upstream every worker talks to."""
    port = free_port()
    process = start(
        [str(KP_TOOLS), "sandbox", "--port", str(port), "--job-seconds", "0"],
        child_env(),
        f"http://127.0.0.1:{port}/openapi/v1/health",
        tmp_path / "sandbox.log",
    )
    yield f"http://127.0.0.1:{port}/openapi/v1"
    stop(process)


class CallLog:
    """The executor's per-call lines in the workers' shared stderr, read as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def next_call(self, tool: str) -> int:
        """The pid of the worker that served the one ``tool`` call since the last look."""
        calls = CALL_LINE.findall(self.path.read_text(encoding="utf-8", errors="replace"))
        new, self.seen = calls[self.seen :], len(calls)
        assert [name for _, name in new] == [tool], new
        return int(new[0][0])


async def call_on_a_fresh_connection(url: str, tool: str) -> dict[str, object]:
    async with Client(url) as client:  # a new HTTP connection: any worker may accept it
        result = await client.call_tool(tool, {"api_key": MEMBER})
    assert not result.is_error, error_code(result)
    return payload(result)


@pytest.mark.asyncio
async def test_a_verification_served_by_one_worker_is_seen_by_the_other(
    sandbox_api: str, tmp_path: Path
) -> None:
    with redis_server() as redis_url:
        port, log = free_port(), tmp_path / "kp-mcp.log"
        args = [str(KP_MCP), "--transport", "http", "--workers", "2", "--port", str(port)]
        env = child_env(KP_STATE_URL=redis_url, KGP_BASE_URL=sandbox_api)
        health = f"http://127.0.0.1:{port}/healthz"
        process = start([*args, "--log-level", "debug"], env, health, log)
        try:
            url, calls = f"http://127.0.0.1:{port}/mcp", CallLog(log)
            await call_on_a_fresh_connection(url, "kp_me")
            verified_by = calls.next_call("kp_me")

            served_by: list[int] = []
            while set(served_by) <= {verified_by}:
                # kp_get_catalog is refused with kp_me_required on a worker that has not seen
                # the verification: every call must succeed, whichever worker serves it.
                result = await call_on_a_fresh_connection(url, "kp_get_catalog")
                assert result["ok"] is True
                served_by.append(calls.next_call("kp_get_catalog"))
                assert len(served_by) < 60, f"one worker served every call: {served_by}"
        finally:
            stop(process)

    assert set(served_by) - {verified_by}  # another worker served a call, and knew the key


async def test_worker_connections_send_without_waiting_for_acks() -> None:
    """The workers' shared socket, bound as uvicorn binds it, gives connections TCP_NODELAY."""
    listener = tcp_listener(uvicorn.Config("x:y", host="127.0.0.1", port=0).bind_socket())
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        assert await asyncio.wait_for(accepted, 10) == 1
        assert listener.get_inheritable()  # the workers still inherit it
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (the kernel's table: one per worker on Linux)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[1].endswith(f":{port:04X}"):
                count += 1
    return count


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads connections on Linux"
)


@linux_only
async def test_each_worker_gets_a_socket_of_its_own_and_the_kernel_spreads_connections() -> None:
    """What a worker unpickles from the supervisor's list: a new socket in the port's group."""
    held = bind_worker_socket("127.0.0.1", 0)
    port = held.getsockname()[1]
    handed_out = pickle.dumps(WorkerListener("127.0.0.1", port))
    workers = [pickle.loads(handed_out) for _ in range(2)]  # noqa: S301 - our own bytes
    accepted: list[list[int]] = [[], []]

    def probe(index: int) -> type[asyncio.Protocol]:
        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted[index].append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        return Probe

    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(probe(i), sock=w) for i, w in enumerate(workers)]
    try:
        assert [w.getsockname()[1] for w in workers] == [port, port]
        assert workers[0].fileno() != workers[1].fileno()
        for _ in range(64):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
        wait_until(lambda: len(accepted[0]) + len(accepted[1]) == 64, timeout=10)
        # all 64 on one socket: a chance of 2**-63 if the kernel spreads them
        assert accepted[0] and accepted[1], [len(a) for a in accepted]
        assert set(accepted[0] + accepted[1]) == {1}  # TCP_NODELAY on every connection
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()
        held.close()


@linux_only
def test_workers_refuse_a_port_already_taken_once_with_a_clear_message() -> None:
    with redis_server() as redis_url, socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = refusal(
            "--transport", "http", "--workers", "2", "--port", str(port),
            KP_STATE_URL=redis_url, KGP_BASE_URL="http://127.0.0.1:9/openapi/v1",
        )  # fmt: skip
    assert done.returncode == 1
    assert f"kp-mcp: cannot listen on 127.0.0.1:{port}: [Errno 98]" in done.stderr
    assert "Traceback" not in done.stderr


@linux_only
@pytest.mark.asyncio
async def test_a_worker_that_dies_is_replaced_on_a_socket_of_its_own(
    sandbox_api: str, tmp_path: Path
) -> None:
    with redis_server() as redis_url:
        port = free_port()
        args = [str(KP_MCP), "--transport", "http", "--workers", "2", "--port", str(port)]
        env = child_env(KP_STATE_URL=redis_url, KGP_BASE_URL=sandbox_api)
        process = start(args, env, f"http://127.0.0.1:{port}/healthz", tmp_path / "kp-mcp.log")
        try:
            wait_until(lambda: listening_sockets(port) == 2)
            workers = worker_pids(process.pid)
            assert len(workers) == 2
            os.kill(workers[0], signal.SIGKILL)
            wait_until(lambda: workers[0] not in worker_pids(process.pid))
            wait_until(lambda: len(worker_pids(process.pid)) == 2 and listening_sockets(port) == 2)
            url = f"http://127.0.0.1:{port}/mcp"
            for _ in range(6):  # fresh connections, spread over both sockets: every one served
                assert (await call_on_a_fresh_connection(url, "kp_me"))["ok"] is True
        finally:
            stop(process)


def worker_pids(supervisor: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing's resource tracker left out)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if Path(f"/proc/{pid}").exists()
        and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]

"""``kp-mcp``: serve the KPainter tools over MCP (stdio by default, or streamable HTTP).

    kp-mcp                                   # stdio, for Claude Desktop, Cursor, Cline, Codex CLI
    kp-mcp --transport http --port 8002      # streamable HTTP at http://127.0.0.1:8002/mcp
    kp-mcp --sandbox                         # the embedded sandbox: no account, no network

This module imports only the standard library until it knows what to serve: a host spawns kp-mcp
at every start and waits for its tool list, so everything else loads in :func:`prepare`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kp_tools import __version__

if TYPE_CHECKING:
    from kp_tools.executor import Executor
    from kp_tools.mcp.server import KPainterServer
    from kp_tools.outcome import Outcome
    from kp_tools.specs import ToolSpec
    from kp_tools.state import StateStore

__all__ = [
    "ENV_MAX_WAIT_SECONDS",
    "Transport",
    "build_parser",
    "main",
    "make_executor",
    "max_wait_from_env",
    "prepare",
]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ENV_MAX_WAIT_SECONDS = "KP_MCP_MAX_WAIT_SECONDS"

logger = logging.getLogger("kp_tools.mcp")


class Transport(StrEnum):
    """How kp-mcp talks to its host: stdio for a host that spawns it, HTTP for a network."""

    STDIO = "stdio"
    HTTP = "http"


_LOG_LEVELS = ("debug", "info", "warning", "error")


def max_wait_from_env(env: Mapping[str, str] | None = None) -> float | None:
    """``KP_MCP_MAX_WAIT_SECONDS``: the longest a tool call may wait for a job, or ``None``.

    Raises:
        ValueError: naming the variable, when it is not a number from 0 to the tool's maximum.
    """
    raw = (os.environ if env is None else env).get(ENV_MAX_WAIT_SECONDS, "").strip()
    if not raw:
        return None
    from kp_tools.specs.get_job_status import MAX_WAIT_SECONDS

    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise ValueError(
            f"{ENV_MAX_WAIT_SECONDS} must be a number of seconds from 0 to {MAX_WAIT_SECONDS}, "
            f"not {raw!r}"
        )
    return value


def make_executor(
    *,
    sandbox: bool,
    job_seconds: float = 5.0,
    env: Mapping[str, str] | None = None,
    max_wait_seconds: float | None = None,
) -> Executor:
    """The real API (``KGP_BASE_URL``), or the embedded sandbox with a default key.

    In sandbox mode ``kgp_sandbox_member`` is the key when none is configured
    (``PARTNER_MCP_DEFAULT_API_KEY``, ``KGP_API_KEY``), so anyone can try it with no account.
    ``max_wait_seconds`` (default: ``KP_MCP_MAX_WAIT_SECONDS``) caps how long one tool call
    waits for a job, for hosts that give up on a call sooner than the usual 60 s.
    """
    from kp_tools.executor import Executor
    from kp_tools.keys import resolve_api_key

    environ = os.environ if env is None else env
    if max_wait_seconds is None:
        max_wait_seconds = max_wait_from_env(environ)
    if not sandbox:
        return Executor(env=env, max_wait_seconds=max_wait_seconds)
    from kp_tools.sandbox import SANDBOX_DEFAULT_KEY, SEEDED_ACCOUNTS, Sandbox

    configured = resolve_api_key(env=environ)
    if configured is not None and configured.reveal() not in {a.key for a in SEEDED_ACCOUNTS}:
        logger.warning(
            "--sandbox: the configured key %s is not a sandbox key; calls without api_key will "
            "get invalid_api_key. Unset it to use %s.",
            configured,
            SANDBOX_DEFAULT_KEY,
        )
    return Executor.for_sandbox(
        Sandbox(job_seconds=job_seconds),
        api_key=None if configured is not None else SANDBOX_DEFAULT_KEY,
        env=environ,
        max_wait_seconds=max_wait_seconds,
    )


class DeferredExecutor:
    """Stands in for the executor until a call needs it, then builds it once with ``build``.

    Hosts spawn a stdio server often (at every start, per project, per chat) and list its tools
    far more often than they call one. The tool list needs only the specs; the executor brings
    the HTTP client stack (httpx, tenacity) and, with ``--sandbox``, the emulator, which together
    made cold start about a fifth slower. They now load on the first call or resource read.
    """

    def __init__(
        self, build: Callable[[], Executor], max_wait_seconds: float | None = None
    ) -> None:
        from kp_tools.specs import SPECS, with_wait_limit

        self._build = build
        self._executor: Executor | None = None
        # The specs the executor will have, so the tool list already follows the wait cap.
        self.specs: Mapping[str, ToolSpec[Any, Any]] = with_wait_limit(SPECS, max_wait_seconds)

    @property
    def executor(self) -> Executor:
        """The executor, built on first use."""
        if self._executor is None:
            self._executor = self._build()
        return self._executor

    @property
    def store(self) -> StateStore:
        """The executor's state store; read when a consent answer is first redeemed."""
        return self.executor.store

    async def run(
        self, tool: str, arguments: Mapping[str, Any] | None = None, **options: Any
    ) -> Outcome:
        """Run ``tool`` on the executor, building it first if this is the first call."""
        return await self.executor.run(tool, arguments, **options)

    async def aclose(self) -> None:
        """Close the executor, if a call built one."""
        if self._executor is not None:
            await self._executor.aclose()


def _port(text: str) -> int:
    port = _whole_number(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (1 to 65535)")
    return port


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _at_least(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _whole_number(text)
        if value < least:
            raise argparse.ArgumentTypeError(f"{text} is less than {least}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds from 0 up")
    return value


def _wait_seconds(text: str) -> float:
    from kp_tools.specs.get_job_status import MAX_WAIT_SECONDS

    value = _seconds(text)
    if value > MAX_WAIT_SECONDS:
        raise argparse.ArgumentTypeError(f"{text} is more than {MAX_WAIT_SECONDS}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``kp-mcp`` command line.

    argparse rather than typer (which ``kp-tools`` uses): hosts spawn kp-mcp at every start and
    wait for its tool list, and typer with click added about 12 ms to that wait, 2% of a start
    (BENCHMARKS.md, cold start).
    """
    parser = argparse.ArgumentParser(
        prog="kp-mcp",
        description="Serve the eight KPainter tools, the catalog resources and the guided "
        "prompts over MCP.",
    )
    add = parser.add_argument
    add("--version", action="version", version=f"kp-mcp {__version__}")
    add(
        "--transport",
        choices=[transport.value for transport in Transport],
        default=Transport.STDIO.value,
        help="stdio for local hosts; http serves streamable HTTP at /mcp (default: stdio).",
    )
    add(
        "--host",
        metavar="HOST",
        default="127.0.0.1",
        help="HTTP: interface to bind (default: 127.0.0.1).",
    )
    add("--port", metavar="PORT", type=_port, default=8002, help="HTTP: port (default: 8002).")
    add("--sandbox", action="store_true", help="Use the embedded sandbox instead of KPainter.")
    add(
        "--job-seconds",
        metavar="SECONDS",
        type=_seconds,
        default=5.0,
        help="Sandbox: how long each generation job takes (default: 5).",
    )
    add(
        "--stateless",
        action="store_true",
        help="HTTP: no sessions (for replicas behind a balancer).",
    )
    add(
        "--allowed-host",
        metavar="HOST",
        action="append",
        default=[],
        help="HTTP: another Host header to accept, e.g. mcp.example.com or name:port "
        "(repeatable). The bound host:port is always accepted.",
    )
    add(
        "--max-body-bytes",
        metavar="BYTES",
        type=_at_least(1024),
        default=1024 * 1024,
        help="HTTP: largest request body accepted, 413 above (default: 1048576).",
    )
    add(
        "--workers",
        metavar="N",
        type=_at_least(1),
        default=1,
        help="HTTP: worker processes on the port (more than 1 needs KP_STATE_URL; stateless).",
    )
    add(
        "--max-wait-seconds",
        metavar="SECONDS",
        type=_wait_seconds,
        help="The longest one tool call waits for a job (default: what the call asks, up to "
        f"50 s; also {ENV_MAX_WAIT_SECONDS}). Lower it for hosts that give up on a tool call "
        "sooner (docs/mcp.md).",
    )
    add(
        "--log-level",
        choices=_LOG_LEVELS,
        default="warning",
        help="Logs go to stderr (default: warning).",
    )
    add(
        "--budget-credits",
        metavar="CREDITS",
        type=_whole_number,
        help="Credits each key may spend per window (KP_BUDGET_CREDITS).",
    )
    add(
        "--budget-window-seconds",
        metavar="SECONDS",
        type=_seconds,
        help="The budget's rolling window (KP_BUDGET_WINDOW_SECONDS).",
    )
    add(
        "--max-credits-per-call",
        metavar="CREDITS",
        type=_whole_number,
        help="Most one create or edit may cost (KP_MAX_CREDITS_PER_CALL).",
    )
    add(
        "--confirm-above-credits",
        metavar="CREDITS",
        type=_whole_number,
        help="Ask the user before spending this much or more, 0: always "
        "(KP_CONFIRM_ABOVE_CREDITS).",
    )
    return parser


class _StartRefusedError(Exception):
    """kp-mcp cannot start with these options; the message says why (exit code 2)."""


def prepare(options: argparse.Namespace) -> Callable[[], None]:
    """Check the options and build everything; return the call that serves (and blocks).

    Every refusal happens here, before anything is served: a missing SDK (exit code 1), a bad
    sealing secret, spending flag or wait cap, ``--workers`` without shared state, an
    unreachable ``KP_STATE_URL`` (exit code 2).
    """
    try:
        from kp_tools.mcp.server import build_server
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "mcp":
            raise
        print("kp-mcp needs the MCP SDK: pip install 'kp-tools[mcp]'", file=sys.stderr)
        raise SystemExit(1) from None
    from kp_tools.mcp.logs import configure_logging
    from kp_tools.mcp.request_state import state_secrets_from_env
    from kp_tools.redaction import install_log_redaction
    from kp_tools.spending.settings import use_spending_flags
    from kp_tools.state import ENV_STATE_URL

    transport = Transport(options.transport)
    try:  # the shared sealing secret, checked before serving (its value is never shown)
        state_secrets_from_env(os.environ)
        max_wait = options.max_wait_seconds
        if max_wait is None:
            max_wait = max_wait_from_env()
        # flags become the environment every executor reads, now or on the first call
        use_spending_flags(
            os.environ,
            budget_credits=options.budget_credits,
            budget_window_seconds=options.budget_window_seconds,
            max_credits_per_call=options.max_credits_per_call,
            confirm_above_credits=options.confirm_above_credits,
        )
    except ValueError as error:
        raise _StartRefusedError(f"kp-mcp: {error}") from None
    if options.workers > 1:
        from kp_tools.mcp.workers import workers_problem

        problem = workers_problem(
            options.workers,
            http=transport is Transport.HTTP,
            sandbox=options.sandbox,
            state_url=os.environ.get(ENV_STATE_URL),
        )
        if problem is not None:
            raise _StartRefusedError(problem)
    configure_logging(options.log_level)
    install_log_redaction()
    if max_wait is not None:  # read by every executor (and worker) from here on
        os.environ[ENV_MAX_WAIT_SECONDS] = repr(max_wait)

    def build() -> Executor:
        return make_executor(sandbox=options.sandbox, job_seconds=options.job_seconds)

    if transport is Transport.STDIO and not os.environ.get(ENV_STATE_URL):
        # Nothing to check at start-up (no shared store to ping): build on the first call.
        deferred = DeferredExecutor(build, max_wait_seconds=max_wait)
        stdio_server = build_server(deferred)
        return lambda: _serve_stdio_now(stdio_server, deferred)
    executor = build()
    _require_reachable_state_store(executor)
    if transport is Transport.STDIO:
        server = build_server(executor)
        return lambda: _serve_stdio_now(server, executor)
    if not options.sandbox and options.host not in _LOOPBACK:
        _warn_about_a_shared_default_key()
    return _http_server(options, executor, build_server(executor))


def _http_server(
    options: argparse.Namespace, executor: Executor, server: KPainterServer
) -> Callable[[], None]:
    import uvicorn

    from kp_tools.mcp.http import HttpSettings, build_http_app

    settings = HttpSettings(
        host=options.host,
        port=options.port,
        extra_allowed_hosts=list(options.allowed_host),
        max_body_bytes=options.max_body_bytes,
        stateless=options.stateless,
    )
    where = "the embedded sandbox" if options.sandbox else executor.client.base_url
    level = logging.getLogger().level
    if options.workers > 1:  # each worker builds its own executor; this one only checked the store
        from kp_tools.mcp.workers import serve_workers

        return lambda: serve_workers(
            options.workers,
            settings,
            log_level=options.log_level,
            where=str(where),
            version=__version__,
        )
    http_app = build_http_app(server, settings, on_shutdown=executor.aclose)

    def serve() -> None:
        print(
            f"kp-mcp {__version__}: streamable HTTP on http://{settings.host}:{settings.port}/mcp"
            f" -> {where}" + (" (stateless)" if settings.stateless else ""),
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(
            http_app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # keep the stderr, redacting handler configured above
            log_level=level,
            access_log=level <= logging.INFO,
            server_header=False,
        )

    return serve


def _serve_stdio_now(server: KPainterServer, executor: Executor | DeferredExecutor) -> None:
    import anyio

    anyio.run(_serve_stdio, server, executor)


async def _serve_stdio(server: KPainterServer, executor: Executor | DeferredExecutor) -> None:
    from mcp.server.stdio import stdio_server

    try:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await executor.aclose()


def _require_reachable_state_store(executor: Executor) -> None:
    """With ``KP_STATE_URL`` set, refuse to start when that store does not answer.

    Serving with per-process state instead would let a verification or a halt seen by one
    replica be missed by the next, so there is no fallback.
    """
    ping = getattr(executor.store, "ping", None)
    if ping is None:
        return
    import anyio

    from kp_tools.errors import KPainterError

    try:
        anyio.run(ping)
    except KPainterError:
        raise _StartRefusedError(
            "kp-mcp: KP_STATE_URL is set but the state store does not answer; not starting "
            "without shared workflow state (unset KP_STATE_URL for per-process state)."
        ) from None


def _warn_about_a_shared_default_key() -> None:
    from kp_tools.keys import resolve_api_key

    if resolve_api_key() is not None:
        logger.warning(
            "A default key (PARTNER_MCP_DEFAULT_API_KEY or KGP_API_KEY) is set on a server "
            "reachable from other hosts: every caller that sends no key of its own spends that "
            "account's credits. Unset it for a multi-user server."
        )


def main(argv: Sequence[str] | None = None) -> None:
    """The ``kp-mcp`` console script: parse, prepare, serve; Ctrl-C is a quiet exit.

    Start-up runs with the garbage collector paused: it builds about 130,000 objects that live as
    long as the process, and the collections they would trigger cost about 45 ms of the start
    a host waits for. What start-up built is then frozen out of later collections (collected
    first on HTTP, where start-up time matters less than the latency tail;
    :mod:`kp_tools.mcp.heap`). Over stdio, pydantic models are built at their first use rather
    than at import, since a session uses few of the SDK's (:mod:`kp_tools.mcp.model_builds`).
    """
    from kp_tools.mcp.heap import collections_paused, freeze_start_up_objects

    try:
        with collections_paused():
            options = build_parser().parse_args(argv)
            if options.transport == Transport.STDIO:
                from kp_tools.mcp.model_builds import defer_model_builds

                defer_model_builds()
            try:
                serve = prepare(options)
            except _StartRefusedError as refused:
                print(refused, file=sys.stderr)
                raise SystemExit(2) from None
            freeze_start_up_objects(collect=options.transport == Transport.HTTP)
        serve()
    except KeyboardInterrupt:  # Ctrl-C on a terminal: stop quietly
        raise SystemExit(130) from None

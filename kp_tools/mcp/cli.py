"""``kp-mcp``: serve the KPainter tools over MCP (stdio by default, or streamable HTTP).

    kp-mcp                                   # stdio, for Claude Desktop, Cursor, Cline, Codex CLI
    kp-mcp --transport http --port 8002      # streamable HTTP at http://127.0.0.1:8002/mcp
    kp-mcp --sandbox                         # the embedded sandbox: no account, no network

Typer, like ``kp-tools``: typed options, ``--help`` for free, one CLI library in the project.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kp_tools import __version__
from kp_tools.keys import resolve_api_key

if TYPE_CHECKING:
    from kp_tools.executor import Executor
    from kp_tools.mcp.server import KPainterServer
    from kp_tools.outcome import Outcome
    from kp_tools.specs import ToolSpec
    from kp_tools.state import StateStore

__all__ = ["ENV_MAX_WAIT_SECONDS", "Transport", "app", "main", "make_executor", "max_wait_from_env"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ENV_MAX_WAIT_SECONDS = "KP_MCP_MAX_WAIT_SECONDS"

logger = logging.getLogger("kp_tools.mcp")


class Transport(StrEnum):
    """How kp-mcp talks to its host: stdio for a host that spawns it, HTTP for a network."""

    STDIO = "stdio"
    HTTP = "http"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


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


app = typer.Typer(
    name="kp-mcp",
    help="Serve the KPainter tools over MCP.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kp-mcp {__version__}")
        raise typer.Exit()


@app.command()
def serve(
    transport: Annotated[
        Transport, typer.Option(help="stdio for local hosts; http serves streamable HTTP at /mcp.")
    ] = Transport.STDIO,
    host: Annotated[str, typer.Option(help="HTTP: interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP: port.")] = 8002,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Use the embedded sandbox instead of KPainter.")
    ] = False,
    job_seconds: Annotated[
        float, typer.Option(help="Sandbox: how long each generation job takes.")
    ] = 5.0,
    stateless: Annotated[
        bool,
        typer.Option("--stateless", help="HTTP: no sessions (for replicas behind a balancer)."),
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="HTTP: another Host header to accept, e.g. mcp.example.com or name:port "
            "(repeatable). The bound host:port is always accepted."
        ),
    ] = None,
    max_body_bytes: Annotated[
        int, typer.Option(min=1024, help="HTTP: largest request body accepted (413 above).")
    ] = 1024 * 1024,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="HTTP: worker processes on the port (more than 1 needs KP_STATE_URL; stateless).",
        ),
    ] = 1,
    max_wait_seconds: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=50,
            envvar=ENV_MAX_WAIT_SECONDS,
            help="The longest one tool call waits for a job (default: what the call asks, up "
            "to 50 s). Lower it for hosts that give up on a tool call sooner (docs/mcp.md).",
        ),
    ] = None,
    log_level: Annotated[LogLevel, typer.Option(help="Logs go to stderr.")] = LogLevel.WARNING,
    budget_credits: Annotated[
        int | None, typer.Option(help="Credits each key may spend per window (KP_BUDGET_CREDITS).")
    ] = None,
    budget_window_seconds: Annotated[
        float | None, typer.Option(help="The budget's rolling window (KP_BUDGET_WINDOW_SECONDS).")
    ] = None,
    max_credits_per_call: Annotated[
        int | None, typer.Option(help="Most one create or edit may cost (KP_MAX_CREDITS_PER_CALL).")
    ] = None,
    confirm_above_credits: Annotated[
        int | None,
        typer.Option(
            help="Ask the user before spending this much or more, 0: always "
            "(KP_CONFIRM_ABOVE_CREDITS)."
        ),
    ] = None,
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True)
    ] = None,
) -> None:
    """Serve the eight KPainter tools, the catalog resources and the guided prompts over MCP."""
    try:
        from kp_tools.mcp.server import build_server
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "mcp":
            raise
        typer.echo("kp-mcp needs the MCP SDK: pip install 'kp-tools[mcp]'", err=True)
        raise typer.Exit(1) from None
    from kp_tools.mcp.request_state import state_secrets_from_env

    try:  # the shared sealing secret, checked before serving (its value is never shown)
        state_secrets_from_env(os.environ)
    except ValueError as error:
        typer.echo(f"kp-mcp: {error}", err=True)
        raise typer.Exit(2) from None
    from kp_tools.mcp.logs import configure_logging
    from kp_tools.redaction import install_log_redaction
    from kp_tools.state import ENV_STATE_URL

    configure_logging(log_level.value)
    install_log_redaction()
    from kp_tools.spending.settings import use_spending_flags

    try:  # flags become the environment every executor reads, now or on the first call
        use_spending_flags(
            os.environ,
            budget_credits=budget_credits,
            budget_window_seconds=budget_window_seconds,
            max_credits_per_call=max_credits_per_call,
            confirm_above_credits=confirm_above_credits,
        )
    except ValueError as error:
        typer.echo(f"kp-mcp: {error}", err=True)
        raise typer.Exit(2) from None
    if max_wait_seconds is not None:  # read by every executor (and worker) from here on
        os.environ[ENV_MAX_WAIT_SECONDS] = repr(max_wait_seconds)
    if workers > 1:
        from kp_tools.mcp.workers import workers_problem

        problem = workers_problem(
            workers,
            http=transport is Transport.HTTP,
            sandbox=sandbox,
            state_url=os.environ.get(ENV_STATE_URL),
        )
        if problem is not None:
            typer.echo(problem, err=True)
            raise typer.Exit(2)
    if transport is Transport.STDIO and not os.environ.get(ENV_STATE_URL):
        # Nothing to check at start-up (no shared store to ping): build on the first call.
        deferred = DeferredExecutor(
            lambda: make_executor(sandbox=sandbox, job_seconds=job_seconds),
            max_wait_seconds=max_wait_seconds,
        )
        _serve_stdio_now(build_server(deferred), deferred)
        return
    executor = make_executor(sandbox=sandbox, job_seconds=job_seconds)
    _require_reachable_state_store(executor)
    if transport is Transport.HTTP and not sandbox and host not in _LOOPBACK:
        _warn_about_a_shared_default_key()
    server = build_server(executor)
    if transport is Transport.STDIO:
        _serve_stdio_now(server, executor)
        return

    import uvicorn

    from kp_tools.mcp.heap import freeze_start_up_objects
    from kp_tools.mcp.http import HttpSettings, build_http_app

    settings = HttpSettings(
        host=host,
        port=port,
        extra_allowed_hosts=list(allowed_host or []),
        max_body_bytes=max_body_bytes,
        stateless=stateless,
    )
    where = "the embedded sandbox" if sandbox else executor.client.base_url
    if workers > 1:  # each worker builds its own executor; this one only checked the store
        from kp_tools.mcp.workers import serve_workers

        serve_workers(
            workers, settings, log_level=log_level.value, where=str(where), version=__version__
        )
        return
    http_app = build_http_app(server, settings, on_shutdown=executor.aclose)
    print(
        f"kp-mcp {__version__}: streamable HTTP on http://{host}:{port}/mcp -> {where}"
        + (" (stateless)" if stateless else ""),
        file=sys.stderr,
        flush=True,
    )
    level = logging.getLogger().level
    freeze_start_up_objects()
    uvicorn.run(
        http_app,
        host=host,
        port=port,
        log_config=None,  # keep the stderr, redacting handler configured above
        log_level=level,
        access_log=level <= logging.INFO,
        server_header=False,
    )


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
        typer.echo(
            "kp-mcp: KP_STATE_URL is set but the state store does not answer; not starting "
            "without shared workflow state (unset KP_STATE_URL for per-process state).",
            err=True,
        )
        raise typer.Exit(2) from None


def _warn_about_a_shared_default_key() -> None:
    if resolve_api_key() is not None:
        logger.warning(
            "A default key (PARTNER_MCP_DEFAULT_API_KEY or KGP_API_KEY) is set on a server "
            "reachable from other hosts: every caller that sends no key of its own spends that "
            "account's credits. Unset it for a multi-user server."
        )


def main() -> None:
    """The ``kp-mcp`` console script: the Typer app, with Ctrl-C as a quiet exit."""
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C on a terminal: stop quietly
        raise SystemExit(130) from None

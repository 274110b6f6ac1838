"""``kp-mcp --transport http --workers N``: N worker processes serving one port.

One Python process runs on one core; a team served over HTTP can use the others. uvicorn's own
supervisor starts the workers (each imports :func:`app_from_env`, builds its executor, server and
app, and accepts connections on the shared socket) and restarts any that dies.

Two things cannot be per process once requests land on any worker:

- **Workflow state** (a key's verification, halts, pending creates, the spending window): it must
  live in the shared store, so ``N > 1`` requires ``KP_STATE_URL`` (Redis) and refuses to start
  without it (:func:`workers_problem`). The CLI also checks that the store answers before any
  worker starts.
- **MCP sessions**: an ``Mcp-Session-Id`` created by one worker is unknown to the others, so the
  workers serve the stateless transport (what ``--stateless`` gives one process). And an embedded
  ``--sandbox`` would be a different KPainter in every worker, so it is refused too; serve the
  sandbox on a port (``kp-tools sandbox --port P``) and point ``KGP_BASE_URL`` at it.
- **Consent round trips** (2026-07-28): the ``requestState`` one worker seals must open on the
  worker the retry reaches, so they share one sealing secret, ``KP_MCP_STATE_SECRET``. When the
  operator set none, the supervisor generates one at start and hands it to its workers through
  their environment only (never an argument, never printed or logged). The approvals already
  used are kept in the shared store, so none is accepted twice.

The settings reach the workers through one environment variable (:data:`ENV_WORKER_SETTINGS`,
JSON, no secrets: keys stay in the variables the user set), which the CLI sets before starting
uvicorn; spawned workers inherit the environment. Log lines of workers carry their process id.

**Connections** (Linux): each worker listens on a socket of its own, all bound to the port with
``SO_REUSEPORT``, so the kernel spreads new connections over the workers. With one socket shared
by every worker (uvicorn's way), the first worker to wake takes every connection waiting, and a
burst of connections (a team's hosts reconnecting) could all land on one worker while the other
idled: one worker served 100% of eight connections in one of four rounds measured
(BENCHMARKS.md, section 8). Elsewhere the workers share one socket.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from kp_tools.mcp.http import HttpSettings

__all__ = [
    "ENV_WORKER_SETTINGS",
    "WorkerListener",
    "WorkerSettings",
    "app_from_env",
    "bind_worker_socket",
    "serve_workers",
    "tcp_listener",
    "workers_problem",
]

ENV_WORKER_SETTINGS: Final = "KP_MCP_WORKER_SETTINGS"
APP_FACTORY: Final = "kp_tools.mcp.workers:app_from_env"
_WORKER_LOG_FORMAT: Final = "%(asctime)s %(levelname)s [pid %(process)d] %(name)s: %(message)s"


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What each worker needs to build the same app as the others (JSON in the environment)."""

    host: str = "127.0.0.1"
    port: int = 8002
    extra_allowed_hosts: list[str] = field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    stateless: bool = True
    log_level: str = "warning"
    sandbox: bool = False
    job_seconds: float = 5.0

    def to_env(self) -> str:
        """The JSON the supervisor puts in :data:`ENV_WORKER_SETTINGS`."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        """What the supervisor set (the defaults when run on its own, without one)."""
        raw = (os.environ if env is None else env).get(ENV_WORKER_SETTINGS)
        return cls() if not raw else cls(**json.loads(raw))

    def http_settings(self) -> HttpSettings:
        """The HTTP app's settings, as the supervisor's command line gave them."""
        from kp_tools.mcp.http import HttpSettings

        return HttpSettings(
            host=self.host,
            port=self.port,
            extra_allowed_hosts=list(self.extra_allowed_hosts),
            max_body_bytes=self.max_body_bytes,
            stateless=self.stateless,
        )


def workers_problem(
    workers: int, *, http: bool, sandbox: bool, state_url: str | None
) -> str | None:
    """Why ``workers`` processes cannot serve with these options, or None when they can."""
    if workers <= 1:
        return None
    if not http:
        return "kp-mcp: --workers needs --transport http (a stdio server has one client)."
    if sandbox:
        return (
            "kp-mcp: --workers > 1 cannot use --sandbox: each worker would emulate its own "
            "KPainter, so a creation made through one would be unknown to the others. Serve the "
            "sandbox on a port (kp-tools sandbox --port 8010) and set "
            "KGP_BASE_URL=http://127.0.0.1:8010/openapi/v1 instead."
        )
    if not state_url or state_url.startswith("memory://"):
        return (
            f"kp-mcp: --workers {workers} needs shared workflow state: set KP_STATE_URL to a "
            "Redis URL (for example redis://127.0.0.1:6379/0; memory:// is per process), or "
            "serve with --workers 1. "
            "Per-process state would let a kp_me verification or a halt seen by one worker be "
            "missed by the next."
        )
    return None


def app_from_env() -> Starlette:
    """The uvicorn app factory each worker calls: executor, server and app from the environment.

    Also usable on its own, for one process with uvicorn's options:
    ``uvicorn --factory kp_tools.mcp.workers:app_from_env --port 8002``.
    """
    from kp_tools.mcp.cli import make_executor
    from kp_tools.mcp.heap import freeze_start_up_objects
    from kp_tools.mcp.http import build_http_app
    from kp_tools.mcp.logs import RedactingFormatter, configure_logging
    from kp_tools.mcp.server import build_server
    from kp_tools.redaction import install_log_redaction

    settings = WorkerSettings.from_env()
    configure_logging(settings.log_level)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(_WORKER_LOG_FORMAT))
    install_log_redaction()
    executor = make_executor(sandbox=settings.sandbox, job_seconds=settings.job_seconds)
    logging.getLogger("kp_tools.mcp").debug("worker %d serving", os.getpid())
    app = build_http_app(
        build_server(executor), settings.http_settings(), on_shutdown=executor.aclose
    )
    freeze_start_up_objects()
    return app


def serve_workers(
    workers: int, http: HttpSettings, *, log_level: str, where: str, version: str
) -> None:
    """Run ``workers`` processes of :func:`app_from_env` on ``http``'s port (blocks).

    Without ``KP_MCP_STATE_SECRET`` in the environment, one is generated here so every worker
    seals and opens consent states alike; it reaches them only by inheritance of the environment.
    """
    import uvicorn

    from kp_tools.mcp.request_state import ENV_STATE_SECRET, new_state_secret

    if not os.environ.get(ENV_STATE_SECRET, "").strip():
        os.environ[ENV_STATE_SECRET] = new_state_secret()

    settings = WorkerSettings(
        host=http.host,
        port=http.port,
        extra_allowed_hosts=list(http.extra_allowed_hosts),
        max_body_bytes=http.max_body_bytes,
        stateless=True,  # a session made by one worker is unknown to the others
        log_level=log_level,
    )
    os.environ[ENV_WORKER_SETTINGS] = settings.to_env()
    print(
        f"kp-mcp {version}: streamable HTTP on http://{http.host}:{http.port}/mcp -> {where} "
        f"({workers} workers, stateless, shared state and sealing secret)",
        file=sys.stderr,
        flush=True,
    )
    level = logging.getLogger().level
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        workers=workers,
        host=http.host,
        port=http.port,
        log_config=None,  # each worker configures the redacting stderr handler itself
        log_level=level,
        access_log=level <= logging.INFO,
        server_header=False,
    )
    # What uvicorn.run does for workers > 1, with other listening sockets: one per worker where
    # the kernel spreads connections over them, else the shared one through tcp_listener (with
    # uvicorn before 0.55, its own left every keep-alive request ~40 ms slower).
    from uvicorn.supervisors import Multiprocess

    with contextlib.ExitStack() as stack:
        if _SPREADS_CONNECTIONS:
            # Held, not listening, for as long as the workers run: the port stays taken (and a
            # port in use stops kp-mcp here, not in a worker that uvicorn would restart forever).
            try:
                held = stack.enter_context(bind_worker_socket(http.host, http.port))
            except OSError as error:
                print(f"kp-mcp: cannot listen on {http.host}:{http.port}: {error}", file=sys.stderr)
                raise SystemExit(1) from None
            listener = WorkerListener(http.host, held.getsockname()[1])  # port 0: the one given
            sockets = [cast("socket.socket", listener)]
        else:
            sockets = [tcp_listener(config.bind_socket())]
        with contextlib.suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=sockets).run()


_SPREADS_CONNECTIONS: Final = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Linux balances connections over the listening sockets of a ``SO_REUSEPORT`` group; macOS and
the BSDs accept the option but give every connection to one socket."""


@dataclass(frozen=True, slots=True)
class WorkerListener:
    """The address each worker binds a listening socket of its own to.

    uvicorn's supervisor hands every worker it starts (or restarts) the same list of sockets,
    pickled into the new process. This object stands in that list for a socket: unpickling it
    in the worker calls :func:`bind_worker_socket`, so each worker gets its own socket in the
    port's ``SO_REUSEPORT`` group, and a worker that dies takes its socket with it.
    """

    host: str
    port: int

    def __reduce__(self) -> tuple[Callable[[str, int], socket.socket], tuple[str, int]]:
        """Rebuilt in the worker as a new socket bound to the address."""
        return bind_worker_socket, (self.host, self.port)


def bind_worker_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, not yet listening.

    Declared as TCP so that asyncio turns Nagle's algorithm off on its connections (see
    :func:`tcp_listener`).
    """
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, protocol)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def tcp_listener(sock: socket.socket) -> socket.socket:
    """``sock`` declared as TCP, so that asyncio turns Nagle's algorithm off on its connections.

    uvicorn before 0.55 binds the workers' shared socket without naming the protocol (``proto``
    0), accepted connections inherit that, and asyncio sets ``TCP_NODELAY`` only on sockets that
    say ``IPPROTO_TCP``. Without it, each answer's last small write waits for the client's
    delayed ACK: about 40 ms per keep-alive request on Linux (uvicorn issue #3149; kp-tools
    accepts uvicorn from 0.34). The same descriptor, bound address and inheritability; only the
    declared protocol changes. Used where the workers share one socket (not Linux).
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    tcp.set_inheritable(True)
    return tcp

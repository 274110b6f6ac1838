"""An in-process emulator of the KPainter OpenAPI (Generation A), for demos, notebooks and tests.

    sandbox = Sandbox()                    # jobs finish at once; Sandbox(job_seconds=5) to watch
    executor = Executor.for_sandbox(sandbox)  # an executor whose client talks to it
    sandbox.top_up("kgp_sandbox_broke", 500)  # also: add_account, faults, requests, count

``kp-tools sandbox --port 8765`` serves the same app on 127.0.0.1, so that
``KGP_BASE_URL=http://127.0.0.1:8765/openapi/v1`` points any client at it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route
from starlette.types import ASGIApp

from kp_tools.client import KPainterClient
from kp_tools.sandbox.app import API_PREFIX, build_app
from kp_tools.sandbox.faults import Fault, Faults
from kp_tools.sandbox.previews import media_routes
from kp_tools.sandbox.seed import CATALOG, SANDBOX_DEFAULT_KEY, SANDBOX_KEY_PREFIX, SEEDED_ACCOUNTS
from kp_tools.sandbox.transport import SandboxTransport
from kp_tools.sandbox.world import FAIL_MARKER, Account, World

__all__ = [
    "CATALOG",
    "FAIL_MARKER",
    "IN_PROCESS_BASE_URL",
    "SANDBOX_DEFAULT_KEY",
    "SANDBOX_KEY_PREFIX",
    "SEEDED_ACCOUNTS",
    "Fault",
    "RecordedRequest",
    "Sandbox",
]

IN_PROCESS_BASE_URL = "http://kp-sandbox" + API_PREFIX
"""The base URL of :meth:`Sandbox.client`: a made-up host, since no request leaves the process."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the sandbox saw, with the key cut to its prefix (the log holds no secret)."""

    method: str
    path: str
    key_prefix: str | None


class Sandbox:
    """The KPainter API, emulated in-process: seeded accounts, a catalog, jobs that advance.

    Everything a test or a demo needs to drive the toolkit without an account or a network:
    :attr:`faults` switches upstream failures on, :attr:`requests` records what reached it, and
    ``app`` is the ASGI app ``kp-tools sandbox`` serves on a port.
    """

    def __init__(
        self,
        *,
        job_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        world: World | None = None,
    ) -> None:
        """``world`` continues a saved one (``World.restore``); otherwise a fresh, seeded world."""
        self.world = world if world is not None else World(job_seconds=job_seconds, clock=clock)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self.app: ASGIApp = build_app(self)

    def __repr__(self) -> str:
        return f"Sandbox(job_seconds={self.world.job_seconds}, requests={len(self.requests)})"

    @property
    def transport(self) -> SandboxTransport:
        """An httpx transport into :attr:`app` that times out and truncates as a socket does."""
        return SandboxTransport(self.app)

    def client(self, **kwargs: Any) -> KPainterClient:
        """A client that talks to this sandbox in-process (no socket, no network)."""
        kwargs.setdefault("base_url", IN_PROCESS_BASE_URL)
        return KPainterClient(transport=self.transport, **kwargs)

    # -- test helpers ------------------------------------------------------------------------

    def top_up(self, key: str, credits: int) -> Account:
        """Give the account of ``key`` more credits (for example to lift a credit halt)."""
        return self.world.top_up(key, credits)

    def add_account(self, key: str, **fields: Any) -> Account:
        """Add an account: ``name``, ``plan``, ``credits``, ``can_manage_creations``, ``active``."""
        return self.world.add_account(key, **fields)

    def account(self, key: str) -> Account:
        """The account of ``key``, to check what a call did to its credits."""
        return self.world.accounts[key]

    def record(self, method: str, path: str, key: str | None) -> None:
        """Log one request (the app calls this); only the key's first 8 characters are kept."""
        with self._requests_lock:
            self.requests.append(RecordedRequest(method, path, key[:8] if key else None))
            if len(self.requests) > 100_000:  # bounded for long-running served sandboxes
                del self.requests[:50_000]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests that reached the sandbox, optionally by method and path prefix."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path.startswith(path))
        )

    def media_routes(self) -> list[Route]:
        """The routes that serve the creations' pictures, to mount next to another app."""
        return media_routes(self.world)

    def serve(self, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning") -> None:
        """Serve on a port until interrupted (what ``kp-tools sandbox`` runs)."""
        import uvicorn

        uvicorn.run(self.app, host=host, port=port, log_level=log_level)

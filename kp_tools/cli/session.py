"""One command's connection: the executor (real API or sandbox), the key, and the consoles.

A person at a terminal is not a model, so commands run the executor with ``me_policy="auto"``:
the key is verified on the user's behalf before the first keyed call, and the workflow's other
rules (catalog checks, halts, no double spend) apply exactly as they do for agents.

Keys: ``--api-key``, then ``PARTNER_MCP_DEFAULT_API_KEY``, then ``KGP_API_KEY`` (the executor's
resolution). With ``--sandbox``: ``--api-key``, else a sandbox key from the environment, else
``kgp_sandbox_member``; a real key in the environment is never sent to the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx
import typer
from rich.console import Console

from kp_tools.cli.consent import terminal_approver
from kp_tools.executor import Caller, Executor, ProgressCallback, WaitPolicy
from kp_tools.keys import ApiKey, resolve_api_key
from kp_tools.outcome import Outcome
from kp_tools.spending.consent import Approver
from kp_tools.spending.settings import SpendingSettings

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["CLI_WAIT_POLICY", "Options", "Session", "run_command"]

# A person is watching a progress bar: poll a little more often than an agent would.
CLI_WAIT_POLICY: Final = WaitPolicy(first_interval=0.5, max_interval=2.0)


@dataclass(frozen=True, slots=True)
class Options:
    """What every API command accepts: where to send calls, with which key, how to print."""

    sandbox: bool = False
    api_key: str | None = None
    as_json: bool = False
    yes: bool = False
    """``--yes``: approve paid requests without asking (see :mod:`kp_tools.cli.consent`)."""


@dataclass
class Session:
    """One command's executor, consoles and output mode; commands call tools only through it.

    Its calls are a person's (:attr:`~kp_tools.executor.Caller.PERSON`): the key is verified on
    the spot, and paid requests ask through the terminal approver.
    """

    executor: Executor
    sandbox: Sandbox | None
    out: Console
    err: Console
    as_json: bool
    where: str
    approver: Approver | None = None
    _media: httpx.AsyncClient | None = field(default=None, repr=False)

    @property
    def key(self) -> ApiKey | None:
        """The key the session's calls would use, or None when none is configured."""
        return self.executor.resolve_key()

    async def call(
        self,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> Outcome:
        """Run ``tool`` as the person's own call; never raises for what the call did."""
        return await self.executor.run(
            tool, arguments, progress=progress, caller=Caller.PERSON, approver=self.approver
        )

    def emit_json(self, payload: Any) -> None:
        """JSON on stdout, unstyled and unwrapped, for scripts (``--json``)."""
        self.out.file.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def media(self) -> httpx.AsyncClient:
        """An HTTP client for result pictures: in-process for the sandbox, else the network.

        It never sends the API key: result URLs are public links (often on a CDN).
        """
        if self._media is None:
            transport = self.sandbox.transport if self.sandbox is not None else None
            self._media = httpx.AsyncClient(
                transport=transport, timeout=30.0, follow_redirects=True
            )
        return self._media

    async def aclose(self) -> None:
        """Close the pictures client and the executor (its HTTP connections and store)."""
        if self._media is not None:
            await self._media.aclose()
        await self.executor.aclose()


def sandbox_key(option: str | None, env: Mapping[str, str]) -> str:
    """The key for the sandbox: the option, a sandbox key from the environment, or the member."""
    if option and option.strip():
        return option.strip()
    configured = resolve_api_key(env=env)
    from kp_tools.sandbox.seed import SANDBOX_DEFAULT_KEY, SANDBOX_KEY_PREFIX

    if configured is not None and configured.reveal().startswith(SANDBOX_KEY_PREFIX):
        return configured.reveal()
    return SANDBOX_DEFAULT_KEY


@contextlib.asynccontextmanager
async def open_session(options: Options) -> AsyncIterator[Session]:
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    approver = terminal_approver(options.yes, err)
    if not options.sandbox:
        executor = Executor(api_key=options.api_key, wait_policy=CLI_WAIT_POLICY)
        session = Session(
            executor, None, out, err, options.as_json, executor.client.base_url, approver
        )
        try:
            yield session
        finally:
            await session.aclose()
        return
    from kp_tools.cli import saved_sandbox

    path = saved_sandbox.state_path()
    with saved_sandbox.saved_sandbox(path) as sandbox:
        # The sandbox reads no key from the environment, but the spending limits do apply.
        spending = SpendingSettings.from_env(os.environ)
        executor = Executor.for_sandbox(
            sandbox,
            api_key=sandbox_key(options.api_key, os.environ),
            wait_policy=CLI_WAIT_POLICY,
            budget=spending.budget,
            confirm_above_credits=spending.confirm_above_credits,
            audit_log=spending.audit_log,
        )
        session = Session(
            executor, sandbox, out, err, options.as_json, f"sandbox ({path})", approver
        )
        try:
            yield session
        finally:
            await session.aclose()


def run_command(options: Options, body: Callable[[Session], Awaitable[int]]) -> None:
    """Run one command's body in a session and exit with the code it returns."""
    try:  # a bad KP_BUDGET_* or KP_CONFIRM_* value is a usage error, said before anything runs
        SpendingSettings.from_env(os.environ)
    except ValueError as error:
        print(f"kp-tools: {error}", file=sys.stderr)
        raise typer.Exit(2) from None

    async def main() -> int:
        async with open_session(options) as session:
            return await body(session)

    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        code = 130
    raise typer.Exit(code)

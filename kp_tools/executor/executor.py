"""The executor: the one place the KPainter workflow rules are enforced, for every rendering.

Per key it enforces (docs/workflow.md has the full list): a key is resolved or the call is
refused; ``kp_me`` comes first; a 401 forgets the verification; a 402 or 403, or a ``kp_me``
showing no credits or no permission, halts creates and edits until a later ``kp_me`` shows it
resolved; arguments are checked against the catalog and the credits seen; a credit-spending
request is sent at most once. Every call ends in an :class:`Outcome`; nothing raises.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from kp_tools.client import KPainterClient
from kp_tools.errors import (
    ErrorCode,
    KPainterError,
    MissingApiKeyError,
    OutcomeUnknownError,
    error_class,
)
from kp_tools.executor.arguments import parse_arguments
from kp_tools.executor.context import CallContext
from kp_tools.executor.deliverable import deliverable
from kp_tools.executor.paying import SpendSuspended
from kp_tools.executor.waiting import ProgressCallback, WaitPolicy
from kp_tools.keys import ApiKey, resolve_api_key
from kp_tools.models import Me
from kp_tools.outcome import Outcome
from kp_tools.redaction import redact
from kp_tools.specs import SPECS, ToolSpec, with_wait_limit
from kp_tools.spending.audit import AuditSink, AuditTrail, JsonLinesFile, StoreAuditSink
from kp_tools.spending.budget import Budget, BudgetFor
from kp_tools.spending.consent import Approver
from kp_tools.spending.settings import SpendingSettings, whole_credits
from kp_tools.state import ENV_STATE_URL, Halt, StateStore, Verification, state_store_from_url
from kp_tools.sync import run_sync

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["Caller", "Executor", "MePolicy"]

logger = logging.getLogger("kp_tools.executor")

_HALT_REASONS = {
    ErrorCode.INSUFFICIENT_PERMISSION: "kp_me: key cannot manage creations",
    ErrorCode.INSUFFICIENT_CREDITS: "kp_me: the account has no credits",
}
_HALTING = frozenset(_HALT_REASONS)
_FORGETTING = frozenset({ErrorCode.INVALID_API_KEY, ErrorCode.MISSING_API_KEY})


class Caller(StrEnum):
    """Who chose a call. The executor, not the rendering, decides what that means for the gates.

    A model must learn the workflow (``kp_me`` first), so its calls follow the executor's
    :class:`MePolicy`. A person at a terminal asked for the call themselves, so the key is
    verified on the spot when needed. A host reading data to show (an MCP resource, a
    completion) spends nothing and asks nothing of the model: it may run read-only tools only,
    without the gate, and is served from the per-key catalog cache when it can be.
    """

    MODEL = "model"
    PERSON = "person"
    HOST = "host"


class MePolicy(StrEnum):
    """What happens to a keyed call made before ``kp_me`` succeeded for that key."""

    ENFORCE = "enforce"  # refuse it with kp_me_required (the default: the model learns the flow)
    AUTO = "auto"  # call /me first, transparently
    OFF = "off"  # no gate (halts and every other rule still apply)


class Executor:
    """Runs tools by name. One instance serves any number of keys and frameworks at once.

    ``api_key`` is this executor's own key, used when a call brings none; then come
    ``PARTNER_MCP_DEFAULT_API_KEY`` and ``KGP_API_KEY`` from ``env`` (default: ``os.environ``,
    read at each call). Without a ``store``, ``KP_STATE_URL`` in ``env`` picks one (Redis shares
    workflow state between replicas); otherwise state lives in process memory.

    ``max_wait_seconds`` caps how long one call waits for a job, whatever the call asks, for
    hosts that give up on a tool call sooner; the specs this executor exposes say the cap
    (:func:`kp_tools.specs.with_wait_limit`), so no description or hint asks for longer.

    Spending (docs/spending.md): ``budget`` limits what each key may spend (a
    :class:`~kp_tools.spending.Budget`, or a function giving each key its own);
    ``confirm_above_credits`` asks the user, through the call's approver (or this executor's
    ``approver``), before any request costing that much or more (0: every paid request);
    ``audit_log`` appends every spending decision to a JSON-lines file. Each one not given is
    read from ``env`` (``KP_BUDGET_CREDITS``, ``KP_BUDGET_WINDOW_SECONDS``,
    ``KP_MAX_CREDITS_PER_CALL``, ``KP_CONFIRM_ABOVE_CREDITS``, ``KP_AUDIT_LOG``); a bad value
    raises ``ValueError`` naming the variable. ``clock`` (epoch seconds) dates budget windows
    and audit events.
    """

    def __init__(
        self,
        client: KPainterClient | None = None,
        *,
        api_key: str | ApiKey | None = None,
        me_policy: MePolicy | str = MePolicy.ENFORCE,
        store: StateStore | None = None,
        wait_policy: WaitPolicy | None = None,
        max_wait_seconds: float | None = None,
        env: Mapping[str, str] | None = None,
        specs: Mapping[str, ToolSpec[Any, Any]] = SPECS,
        budget: Budget | BudgetFor | None = None,
        confirm_above_credits: int | None = None,
        approver: Approver | None = None,
        audit_log: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client if client is not None else KPainterClient()
        environ = os.environ if env is None else env
        self.store = (
            store if store is not None else state_store_from_url(environ.get(ENV_STATE_URL))
        )
        self.me_policy = MePolicy(me_policy)
        self.wait_policy = wait_policy or WaitPolicy()
        if max_wait_seconds is not None and not max_wait_seconds >= 0:
            raise ValueError(f"max_wait_seconds must be 0 or more, not {max_wait_seconds!r}")
        self.max_wait_seconds = max_wait_seconds
        # What the model reads follows the limit: no description or hint asks for longer.
        self.specs = with_wait_limit(specs, max_wait_seconds)
        settings = SpendingSettings.from_env(environ)
        self.budget = budget if budget is not None else settings.budget
        if confirm_above_credits is not None:
            whole_credits("confirm_above_credits", str(confirm_above_credits))
        self.confirm_above_credits = (
            confirm_above_credits
            if confirm_above_credits is not None
            else settings.confirm_above_credits
        )
        self.approver = approver
        self.clock = clock
        audit_path = audit_log if audit_log is not None else settings.audit_log
        sinks: list[AuditSink] = [StoreAuditSink(self.store)]
        if audit_path is not None:
            sinks.append(JsonLinesFile(audit_path))
        self.audit = AuditTrail(sinks)
        self._env = env
        # The same rules as any key: blank means none. (No env here: that is read per call.)
        self._default_key = resolve_api_key(api_key, env={})

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox | None = None, **kwargs: Any) -> Executor:
        """An executor on an in-process sandbox (a new one unless given): no account, no network.

        The environment's keys are not read (``env={}`` unless given): a real key configured for
        production must never be sent to the emulator, nor a sandbox key to KPainter.
        """
        from kp_tools.sandbox import Sandbox

        sandbox = sandbox or Sandbox()
        kwargs.setdefault("env", {})
        return cls(sandbox.client(), **kwargs)

    def __repr__(self) -> str:
        return (
            f"Executor(base_url={self.client.base_url!r}, me_policy={self.me_policy.value!r}, "
            f"default_key={self._default_key!r})"
        )

    def budget_for(self, key: ApiKey) -> Budget | None:
        """The budget that applies to ``key`` (None: no limit)."""
        if self.budget is None or isinstance(self.budget, Budget):
            return self.budget
        budget = self.budget(key)
        if budget is not None and not isinstance(budget, Budget):
            raise TypeError(f"the budget function returned {type(budget).__name__}, not Budget")
        return budget

    def resolve_key(self, api_key: str | ApiKey | None = None) -> ApiKey | None:
        """The key a call with ``api_key`` would use, so a rendering can check before it runs.

        The order is the call's own key, this executor's key, then ``PARTNER_MCP_DEFAULT_API_KEY``
        and ``KGP_API_KEY`` from ``env`` as it is now (not at construction); blank is missing.

        Returns:
            The key, or None when none is configured anywhere (the call would get
            ``missing_api_key``).
        """
        env = os.environ if self._env is None else self._env
        return resolve_api_key(api_key, self._default_key, env=env)

    async def run(
        self,
        tool: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        api_key: str | ApiKey | None = None,
        progress: ProgressCallback | None = None,
        caller: Caller = Caller.MODEL,
        approver: Approver | None = None,
    ) -> Outcome:
        """Run one tool call to its outcome. Never raises for anything the call itself did.

        ``caller`` says who chose the call (see :class:`Caller`); renderings pass it instead of
        choosing gate policies, so the workflow rules stay here. ``approver`` is the
        rendering's channel to ask the user before credits are spent
        (:mod:`kp_tools.spending.consent`); an exception it raises to suspend the call passes
        through unchanged.
        """
        spec = self.specs.get(tool)
        if spec is None or (caller is Caller.HOST and not spec.read_only):
            error = KPainterError(
                f"There is no tool named {tool!r}. Tools: {', '.join(self.specs)}."
                if spec is None
                else f"{tool} spends credits; only a model's or a person's call may run it.",
                code=ErrorCode.UNKNOWN_TOOL,
            )
            return Outcome.failure(tool, error)
        started = time.perf_counter()
        key: ApiKey | None = None
        suspended: BaseException | None = None
        try:
            args = parse_arguments(spec, arguments)
            if spec.needs_key:
                key = self.resolve_key(api_key)
                if key is None:
                    raise MissingApiKeyError()
                await self._check_gates(spec, key, self._policy_for(caller))
            # A host's reads may come from the per-key cache: a host completing arguments as the
            # user types must not turn every keystroke into a request to KPainter.
            context = CallContext(
                self, spec, key, progress, approver, cached_reads=caller is Caller.HOST
            )
            output = await spec.run(context, args)
            if spec.verifies_key and key is not None:
                await self._record_verification(key, output)
            outcome = Outcome.success(spec.name, output, spec.next_step(output))
        except SpendSuspended as pause:
            suspended = pause.reason  # re-raised below, outside this handler, as it was raised
        except KPainterError as error:
            if key is not None and error.status is not None:
                try:
                    await self._apply_upstream_error(key, error)
                except KPainterError as store_error:
                    # The store is down: the next call that needs it is refused with
                    # state_unavailable, so nothing runs unchecked. This one reports what
                    # KPainter said.
                    logger.warning(
                        "%s: could not record %s for key=%s: %s",
                        tool,
                        error.code.value,
                        key,
                        store_error.code.value,
                    )
            if error.code is ErrorCode.OUTCOME_UNKNOWN and spec.check_unknown_outcome:
                error = OutcomeUnknownError(
                    f"{error.message} {spec.check_unknown_outcome}", data=error.data
                )
            outcome = Outcome.failure(spec.name, error, error.data)
        except Exception as exc:
            logger.error("%s failed unexpectedly: %s", tool, redact(repr(exc)))
            logger.debug("traceback", exc_info=True)
            outcome = Outcome.failure(spec.name, KPainterError(code=ErrorCode.INTERNAL_ERROR))
        if suspended is not None:
            logger.debug("%s key=%s suspended by its approver", tool, key)
            raise suspended
        logger.debug(
            "%s key=%s -> %s in %.1fms",
            tool,
            key,
            outcome.code or "ok",
            (time.perf_counter() - started) * 1000,
        )
        return deliverable(spec, outcome, key)

    def run_sync(
        self,
        tool: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        api_key: str | ApiKey | None = None,
        progress: ProgressCallback | None = None,
        caller: Caller = Caller.MODEL,
        approver: Approver | None = None,
    ) -> Outcome:
        """:meth:`run` from synchronous code, including inside a running loop (Jupyter)."""
        return run_sync(
            self.run(
                tool,
                arguments,
                api_key=api_key,
                progress=progress,
                caller=caller,
                approver=approver,
            )
        )

    async def aclose(self) -> None:
        """Release the HTTP connections and the state store's (a Redis pool) when done."""
        await self.client.aclose()
        await self.store.aclose()

    # -- workflow rules ----------------------------------------------------------------------

    def _policy_for(self, caller: Caller) -> MePolicy:
        if caller is Caller.PERSON:
            return MePolicy.AUTO
        if caller is Caller.HOST:
            return MePolicy.OFF
        return self.me_policy

    async def _check_gates(self, spec: ToolSpec[Any, Any], key: ApiKey, policy: MePolicy) -> None:
        gated = not spec.verifies_key and policy is not MePolicy.OFF
        if not gated and not spec.effect.spends_credits:
            return  # kp_me, or a read with the gate off: no rule reads the state (on Redis, a trip)
        state = await self.store.load(key.fingerprint)
        if gated and state.verification is None:
            if policy is MePolicy.ENFORCE:
                raise KPainterError(code=ErrorCode.KP_ME_REQUIRED)
            if policy is MePolicy.AUTO:
                me = await self.client.me(key)
                await self._record_verification(key, me)
                state = await self.store.load(key.fingerprint)
        if spec.effect.spends_credits and state.halt is not None:
            halt = state.halt
            raise error_class(halt.code)(
                f"Refused without contacting KPainter: this key was stopped earlier "
                f"({halt.message}). Call kp_me once the user has fixed it.",
                code=halt.code,
            )

    async def _record_verification(self, key: ApiKey, me: Me) -> None:
        verification = Verification(
            user_id=None if me.user_id is None else str(me.user_id),
            credits=me.credits,
            can_manage_creations=me.can_manage_creations,
            verified_at=time.time(),
        )
        blocked = me.blocking_code()
        halt = None if blocked is None else Halt(blocked, _HALT_REASONS[blocked], time.time())
        await self.store.record_verification(key.fingerprint, verification, halt)

    async def _apply_upstream_error(self, key: ApiKey, error: KPainterError) -> None:
        if error.code in _FORGETTING:
            await self.store.set_verification(key.fingerprint, None)
        elif error.code in _HALTING:
            reason = f"KPainter answered HTTP {error.status}: {error.message}"
            await self.store.set_halt(key.fingerprint, Halt(error.code, reason, time.time()))

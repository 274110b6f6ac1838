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
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from kp_tools.client import KPainterClient
from kp_tools.errors import ErrorCode
from kp_tools.exceptions import (
    ERROR_CLASSES,
    FieldProblem,
    InvalidArgumentsError,
    KPainterError,
    OutcomeUnknownError,
)
from kp_tools.executor.context import CallContext
from kp_tools.executor.waiting import ProgressCallback, WaitPolicy
from kp_tools.keys import ApiKey, redact, redact_secrets, resolve_api_key
from kp_tools.models import Me
from kp_tools.outcome import Outcome
from kp_tools.specs import SPECS, ToolSpec
from kp_tools.state import ENV_STATE_URL, Halt, StateStore, Verification, state_store_from_url
from kp_tools.sync import run_sync

if TYPE_CHECKING:
    from kp_tools.sandbox import Sandbox

__all__ = ["Executor", "MePolicy", "executor_for"]

logger = logging.getLogger("kp_tools.executor")

_HALTING = frozenset({ErrorCode.INSUFFICIENT_PERMISSION, ErrorCode.INSUFFICIENT_CREDITS})
_FORGETTING = frozenset({ErrorCode.INVALID_API_KEY, ErrorCode.MISSING_API_KEY})


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
    """

    def __init__(
        self,
        client: KPainterClient | None = None,
        *,
        api_key: str | ApiKey | None = None,
        me_policy: MePolicy | str = MePolicy.ENFORCE,
        store: StateStore | None = None,
        wait_policy: WaitPolicy | None = None,
        env: Mapping[str, str] | None = None,
        specs: Mapping[str, ToolSpec[Any, Any]] = SPECS,
    ) -> None:
        self.client = client if client is not None else KPainterClient()
        environ = os.environ if env is None else env
        self.store = (
            store if store is not None else state_store_from_url(environ.get(ENV_STATE_URL))
        )
        self.me_policy = MePolicy(me_policy)
        self.wait_policy = wait_policy or WaitPolicy()
        self.specs = specs
        self._env = env
        # The same rules as any key: blank means none. (No env here: that is read per call.)
        self._default_key = resolve_api_key(api_key, env={})

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox | None = None, **kwargs: Any) -> Executor:
        """An executor wired to an in-process sandbox (a new one unless given)."""
        from kp_tools.sandbox import Sandbox

        sandbox = sandbox or Sandbox()
        kwargs.setdefault("env", {})
        return cls(sandbox.client(), **kwargs)

    def __repr__(self) -> str:
        return (
            f"Executor(base_url={self.client.base_url!r}, me_policy={self.me_policy.value!r}, "
            f"default_key={self._default_key!r})"
        )

    def resolve_key(self, api_key: str | ApiKey | None = None) -> ApiKey | None:
        env = os.environ if self._env is None else self._env
        return resolve_api_key(api_key, self._default_key, env=env)

    async def run(
        self,
        tool: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        api_key: str | ApiKey | None = None,
        progress: ProgressCallback | None = None,
        me_policy: MePolicy | str | None = None,
    ) -> Outcome:
        """Run one tool call to its outcome. Never raises for anything the call itself did.

        ``me_policy`` overrides the executor's for this call only (for example a host reading
        a resource, which is not a model's choice and spends nothing).
        """
        spec = self.specs.get(tool)
        if spec is None:
            error = KPainterError(
                f"There is no tool named {tool!r}. Tools: {', '.join(self.specs)}.",
                code=ErrorCode.UNKNOWN_TOOL,
            )
            return Outcome.failure(tool, error)
        started = time.perf_counter()
        key: ApiKey | None = None
        try:
            args = parse_arguments(spec, arguments)
            if spec.needs_key:
                key = self.resolve_key(api_key)
                if key is None:
                    raise KPainterError(code=ErrorCode.MISSING_API_KEY)
                policy = self.me_policy if me_policy is None else MePolicy(me_policy)
                await self._check_gates(spec, key, policy)
            output = await spec.run(CallContext(self, spec.name, key, progress), args)
            if spec.verifies_key and key is not None:
                await self._record_verification(key, output)
            outcome = Outcome.success(spec.name, output, spec.next_step(output))
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
        logger.debug(
            "%s key=%s -> %s in %.1fms",
            tool,
            key,
            outcome.code or "ok",
            (time.perf_counter() - started) * 1000,
        )
        return _deliverable(spec, outcome, key)

    def run_sync(
        self,
        tool: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        api_key: str | ApiKey | None = None,
        progress: ProgressCallback | None = None,
    ) -> Outcome:
        """:meth:`run` from synchronous code, including inside a running loop (Jupyter)."""
        return run_sync(self.run(tool, arguments, api_key=api_key, progress=progress))

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.store.aclose()

    # -- workflow rules ----------------------------------------------------------------------

    async def _check_gates(self, spec: ToolSpec[Any, Any], key: ApiKey, policy: MePolicy) -> None:
        state = await self.store.load(key.fingerprint)
        if not spec.verifies_key and state.verification is None:
            if policy is MePolicy.ENFORCE:
                raise KPainterError(code=ErrorCode.KP_ME_REQUIRED)
            if policy is MePolicy.AUTO:
                me = await self.client.me(key)
                await self._record_verification(key, me)
                state = await self.store.load(key.fingerprint)
        if spec.effect.spends_credits and state.halt is not None:
            halt = state.halt
            raise ERROR_CLASSES.get(halt.code, KPainterError)(
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
        await self.store.set_verification(key.fingerprint, verification)
        halt: Halt | None = None
        if me.can_manage_creations is False:
            halt = Halt(
                ErrorCode.INSUFFICIENT_PERMISSION, "kp_me: key cannot manage creations", time.time()
            )
        elif me.credits is not None and me.credits <= 0:
            halt = Halt(
                ErrorCode.INSUFFICIENT_CREDITS, "kp_me: the account has no credits", time.time()
            )
        await self.store.set_halt(key.fingerprint, halt)

    async def _apply_upstream_error(self, key: ApiKey, error: KPainterError) -> None:
        if error.code in _FORGETTING:
            await self.store.set_verification(key.fingerprint, None)
        elif error.code in _HALTING:
            reason = f"KPainter answered HTTP {error.status}: {error.message}"
            await self.store.set_halt(key.fingerprint, Halt(error.code, reason, time.time()))


MAX_OUTCOME_CHARS: Final = 256 * 1024
"""The largest outcome handed to a model. KPainter's answers are a few KB; a bigger one (an
upstream padding its answers, a runaway field) would flood the model's context, and over MCP the
result travels twice (text and structured content) in one event that clients cap at 1 MiB."""


def _deliverable(spec: ToolSpec[Any, Any], outcome: Outcome, key: ApiKey | None) -> Outcome:
    """The outcome as it may leave the executor: without the key, and of a bounded size.

    Key: nothing in kp-tools puts a key into an outcome, but what it passes on can hold one: an
    upstream answer quoting the key back (``/me`` returning it, an error message citing it), or a
    refused argument echoed in a problem (``unknown voice 'kgp_...'``, an argument named after
    the key). One pass over the serialized outcome replaces the call's key, and anything shaped
    like a key, by its display prefix.

    Size: an outcome over :data:`MAX_OUTCOME_CHARS` keeps only the fields its spec declares
    (answers allow unknown fields, which is where padding lands); if that is still too large,
    a read ends in ``upstream_error`` instead. A create or edit always fits once trimmed (its
    declared fields are ids and a status), so a job that started is never reported as failed.
    """
    text = outcome.model_dump_json()
    if len(text) > MAX_OUTCOME_CHARS and outcome.ok and outcome.data is not None:
        declared = {k: v for k, v in outcome.data.items() if k in spec.output_model.model_fields}
        logger.warning(
            "%s: answer of %d characters trimmed to the spec's fields", spec.name, len(text)
        )
        outcome = outcome.model_copy(update={"data": declared})
        text = outcome.model_dump_json()
    if len(text) > MAX_OUTCOME_CHARS:
        logger.warning("%s: answer of %d characters refused", spec.name, len(text))
        error = KPainterError(
            f"KPainter's answer is too large to pass on ({len(text) // 1024} KiB; the limit is "
            f"{MAX_OUTCOME_CHARS // 1024} KiB). Ask for less (a smaller page_size, one type).",
            code=ErrorCode.UPSTREAM_ERROR,
        )
        return Outcome.failure(spec.name, error)
    secrets = [key.reveal()] if key is not None else []
    if redact_secrets(text, secrets) == text:  # the common case: one pass over one string
        return outcome
    return _scrubbed(outcome, secrets)


def _scrubbed(outcome: Outcome, secrets: list[str]) -> Outcome:
    """The outcome with the key removed from every text it carries, field by field.

    Not by replacing inside the serialized JSON: a short or common key (``ok``, ``null``,
    ``key``) also matches the JSON's own field names and codes, which would break the outcome.
    """

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact_secrets(value, secrets)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {clean(name): clean(item) for name, item in value.items()}
        return value

    error = outcome.error
    if error is not None:
        problems = [
            problem.model_copy(
                update={
                    "field": clean(problem.field),
                    "problem": clean(problem.problem),
                    "allowed": clean(problem.allowed),
                }
            )
            for problem in error.problems
        ]
        error = error.model_copy(update={"message": clean(error.message), "problems": problems})
    return outcome.model_copy(
        update={"data": clean(outcome.data), "next_step": clean(outcome.next_step), "error": error}
    )


def executor_for(
    executor: Executor | None = None,
    *,
    sandbox: bool | Sandbox = False,
    **options: Any,
) -> Executor:
    """The executor a framework adapter should use: the one given, or one built from options.

    ``sandbox=True`` (or a :class:`Sandbox`) builds it on an in-process sandbox. Passing both an
    executor and options to build one is an error, rather than silently ignoring the options.
    """
    if executor is not None:
        if sandbox or options:
            raise ValueError("pass an executor, or options to build one, not both")
        return executor
    if sandbox:
        return Executor.for_sandbox(None if sandbox is True else sandbox, **options)
    return Executor(**options)


def parse_arguments(
    spec: ToolSpec[Any, Any], arguments: Mapping[str, Any] | BaseModel | None
) -> BaseModel:
    """Validate raw arguments into the spec's input model, or refuse naming each field."""
    model: type[BaseModel] = spec.input_model
    if isinstance(arguments, model):
        return arguments
    raw = arguments.model_dump() if isinstance(arguments, BaseModel) else arguments
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidArgumentsError(
            [FieldProblem(field="arguments", problem="must be an object of named arguments")]
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidArgumentsError([_problem(err, model) for err in exc.errors()]) from None


def _problem(error: Mapping[str, Any], model: type[BaseModel]) -> FieldProblem:
    location = [str(part) for part in error.get("loc", ())]
    field = ".".join(location) or "arguments"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    allowed: list[Any] | None = None
    if error.get("type") == "extra_forbidden":
        message, allowed = "is not an argument of this tool", list(model.model_fields)
    elif error.get("type") == "literal_error" and location and location[0] in model.model_fields:
        allowed = _literal_values(model.model_fields[location[0]].annotation)
    return FieldProblem(field=field, problem=redact(message), allowed=allowed)


def _literal_values(annotation: Any) -> list[Any] | None:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    for member in get_args(annotation):  # Literal[...] | None
        if get_origin(member) is Literal:
            return list(get_args(member))
    return None

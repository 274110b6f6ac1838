"""One ``tools/call`` carried to its end, asking the user on the way when only they can decide.

Two questions can interrupt a call, both through elicitation and only when the client declared
the mode (:mod:`kp_tools.mcp.client_support`):

- **Consent** (form mode, :mod:`kp_tools.mcp.consent`): the executor asks before it spends
  credits above the consent threshold. A client that cannot be asked gets no approver, so the
  executor refuses with ``confirmation_unavailable``: consent that was configured never becomes
  no consent.
- **A visit to the KPainter site** (URL mode, :mod:`kp_tools.mcp.url_elicitation`): the call failed
  in a way only the user can fix on a page. When they come back, the key-verifying spec runs;
  if it succeeds the original call is carried out once, otherwise the first error stands.

On 2026-07-28 each question is an ``InputRequiredResult`` round trip whose state is sealed and
single-use (:mod:`kp_tools.mcp.request_state`); on 2025-11-25 it is ``elicitation/create``
during the call. Nothing here names a tool: the verifying spec is the one with
``verifies_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.server import ServerRequestContext
from mcp.types import InputRequiredResult

from kp_tools.keys import ApiKey
from kp_tools.mcp.client_support import AskChannel, ask_channel
from kp_tools.mcp.consent import (
    CONSENT_INPUT_KEY,
    ConsentRequired,
    answered_approver,
    consent_input,
    session_approver,
    suspend_for_consent,
)
from kp_tools.mcp.progress import ProgressRelay
from kp_tools.mcp.request_state import PendingCall, PendingCalls, PendingKind, runner_nonces
from kp_tools.mcp.url_elicitation import (
    SITE_VISIT_INPUT_KEY,
    ask_site_visit,
    fix_url,
    site_visit_input,
    site_visit_message,
    user_came_back,
)
from kp_tools.outcome import Outcome
from kp_tools.spending.consent import Approver

if TYPE_CHECKING:
    from kp_tools.mcp.runner import ToolRunner

__all__ = ["CallFlow", "ToolCall"]

_ANSWER_KEYS = {
    PendingKind.CONSENT: CONSENT_INPUT_KEY,
    PendingKind.SITE_VISIT: SITE_VISIT_INPUT_KEY,
}


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call as the client made it: its key is the call's own (argument or header), if any."""

    ctx: ServerRequestContext[Any, Any]
    tool: str
    arguments: Mapping[str, Any]
    key: str | None

    @property
    def key_fingerprint(self) -> str | None:
        """The key as pending-call claims name it: the client holds the claims, never the key."""
        return ApiKey(self.key).fingerprint if self.key else None


class CallFlow:
    """Runs calls through the executor, with the questions above, for one server."""

    def __init__(self, executor: ToolRunner, pending: PendingCalls | None = None) -> None:
        self.executor = executor
        self.pending = pending or PendingCalls(nonces=runner_nonces(executor))
        verifiers = [spec for spec in executor.specs.values() if spec.verifies_key]
        self._verifier = verifiers[0].name if verifiers else None

    async def run(
        self,
        call: ToolCall,
        request_state: str | None = None,
        responses: Mapping[str, Any] | None = None,
    ) -> Outcome | InputRequiredResult:
        """The call's outcome, or the question to put to the user first (2026-07-28).

        ``request_state`` and ``responses`` are the retry's echo and answers; a state that does
        not check out raises ``MCPError`` (``-32602``) before anything runs.
        """
        if request_state is None:
            return await self._run(call, self._approver(call.ctx), site_visited=False)
        claims = await self.pending.redeem(request_state, tool=call.tool, key=call.key_fingerprint)
        answer = (responses or {}).get(_ANSWER_KEYS[claims.kind])
        if claims.kind is PendingKind.SITE_VISIT:
            return await self._after_site_visit(call, claims, answer)
        approver = answered_approver(claims.request, answer)
        return await self._run(call, approver, site_visited=claims.site_visited)

    def _approver(self, ctx: ServerRequestContext[Any, Any]) -> Approver | None:
        channel = ask_channel(ctx, "form")
        if channel is AskChannel.RETURN:
            return suspend_for_consent
        if channel is AskChannel.CALL_BACK:
            return session_approver(ctx)
        return None

    async def _execute(
        self, call: ToolCall, approver: Approver | None, *, site_visited: bool
    ) -> Outcome | InputRequiredResult:
        try:
            return await self.executor.run(
                call.tool,
                call.arguments,
                api_key=call.key,
                progress=ProgressRelay(call.ctx),
                approver=approver,
            )
        except ConsentRequired as pause:
            state = self.pending.issue(
                PendingKind.CONSENT,
                tool=call.tool,
                key=call.key_fingerprint,
                request=pause.request.fingerprint,
                site_visited=site_visited,
            )
            return InputRequiredResult(
                input_requests=consent_input(pause.request), request_state=state
            )

    async def _run(
        self, call: ToolCall, approver: Approver | None, *, site_visited: bool
    ) -> Outcome | InputRequiredResult:
        result = await self._execute(call, approver, site_visited=site_visited)
        if not isinstance(result, Outcome) or site_visited or self._verifier is None:
            return result
        url = fix_url(result)
        channel = ask_channel(call.ctx, "url") if url is not None else None
        if url is None or channel is None:
            return result
        message = site_visit_message(result, self._title(call.tool))
        if channel is AskChannel.RETURN:
            state = self.pending.issue(
                PendingKind.SITE_VISIT,
                tool=call.tool,
                key=call.key_fingerprint,
                outcome=result.model_dump(mode="json"),
            )
            return InputRequiredResult(
                input_requests=site_visit_input(url, message), request_state=state
            )
        if not await ask_site_visit(call.ctx, url, message):
            return result
        return await self._recheck(call, result)

    async def _after_site_visit(
        self, call: ToolCall, claims: PendingCall, answer: object
    ) -> Outcome | InputRequiredResult:
        before = Outcome.model_validate(claims.outcome)
        if not user_came_back(answer):
            return before
        return await self._recheck(call, before)

    async def _recheck(self, call: ToolCall, before: Outcome) -> Outcome | InputRequiredResult:
        """After the visit: verify the key; if it passes, carry out the call once more.

        The executor's own gates decide whether the fix took (a key still halted is refused
        without an upstream request); a retry that fails the same way reports the first error,
        as if the user had not gone.
        """
        assert self._verifier is not None
        verified = await self.executor.run(self._verifier, {}, api_key=call.key)
        if not verified.ok:
            return before
        if call.tool == self._verifier:
            return verified
        again = await self._execute(call, self._approver(call.ctx), site_visited=True)
        if isinstance(again, Outcome) and not again.ok and again.code == before.code:
            return before
        return again

    def _title(self, tool: str) -> str:
        spec = self.executor.specs.get(tool)
        return spec.title if spec is not None else tool

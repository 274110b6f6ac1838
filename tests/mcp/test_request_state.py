"""The claims inside kp-mcp's 2026-07-28 ``requestState``: checked, single-use, bounded.

The sealing itself is the SDK's (its boundary is installed by ``build_server``, and the round
trips in test_consent.py and test_url_elicitation.py show forged and tampered states refused);
these tests cover what kp-mcp adds inside the seal.
"""

from __future__ import annotations

import json

import pytest
from mcp import MCPError
from mcp.server.request_state import RequestStateBoundary
from mcp.types import INVALID_PARAMS

from kp_tools import Executor
from kp_tools.mcp import build_server
from kp_tools.mcp.request_state import PendingCalls, PendingKind


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def refused(pending: PendingCalls, state: str, *, tool: str = "t", key: str | None = "k") -> None:
    with pytest.raises(MCPError) as error:
        pending.redeem(state, tool=tool, key=key)
    assert error.value.code == INVALID_PARAMS
    assert error.value.message == "Invalid or expired requestState"  # one message for all


def test_a_state_is_redeemed_once() -> None:
    pending = PendingCalls()
    state = pending.issue(PendingKind.CONSENT, tool="t", key="k", request="r1")
    claims = pending.redeem(state, tool="t", key="k")
    assert (claims.kind, claims.request) == (PendingKind.CONSENT, "r1")
    refused(pending, state)


def test_a_state_is_refused_for_another_tool_or_key_and_stays_usable() -> None:
    pending = PendingCalls()
    state = pending.issue(PendingKind.SITE_VISIT, tool="t", key="k")
    refused(pending, state, tool="other")
    refused(pending, state, key="another key")
    refused(pending, state, key=None)
    assert pending.redeem(state, tool="t", key="k").kind is PendingKind.SITE_VISIT


def test_an_expired_state_is_refused() -> None:
    clock = Clock()
    pending = PendingCalls(ttl=60, clock=clock)
    state = pending.issue(PendingKind.CONSENT, tool="t", key="k")
    clock.now += 60
    refused(pending, state)


@pytest.mark.parametrize(
    "state",
    ["", "not json", "[]", '{"kind": "consent"}', '{"kind": "approve_all", "tool": "t"}'],
)
def test_malformed_claims_are_refused(state: str) -> None:
    refused(PendingCalls(), state)


def test_unknown_claims_are_refused() -> None:
    pending = PendingCalls()
    claims = json.loads(pending.issue(PendingKind.CONSENT, tool="t", key="k"))
    refused(pending, json.dumps({**claims, "approved": True}))


def test_the_used_nonce_memory_is_bounded_and_forgets_expired_states() -> None:
    clock = Clock()
    pending = PendingCalls(ttl=60, max_nonces=3, clock=clock)
    states = [pending.issue(PendingKind.CONSENT, tool="t", key="k") for _ in range(5)]
    for state in states:
        pending.redeem(state, tool="t", key="k")
    assert pending.remembered == 3  # the oldest went first
    clock.now += 61
    pending.redeem(pending.issue(PendingKind.CONSENT, tool="t", key="k"), tool="t", key="k")
    assert pending.remembered == 1  # expired ones left; their states are refused anyway


def test_the_claims_hold_the_key_fingerprint_never_the_key() -> None:
    pending = PendingCalls()
    state = pending.issue(PendingKind.CONSENT, tool="t", key="fingerprint", request="r")
    assert set(json.loads(state)) == {
        "kind",
        "tool",
        "key",
        "request",
        "outcome",
        "site_visited",
        "expires",
        "nonce",
    }


async def test_build_server_installs_the_sdks_sealing_boundary(executor: Executor) -> None:
    server = build_server(executor)
    assert sum(isinstance(m, RequestStateBoundary) for m in server.middleware) == 1

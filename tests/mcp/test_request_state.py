"""The claims inside kp-mcp's 2026-07-28 ``requestState``: checked, single-use, shareable.

The sealing itself is the SDK's (its boundary is installed by ``build_server``, and the round
trips in test_consent.py and test_url_elicitation.py show forged and tampered states refused);
these tests cover what kp-mcp adds: the claims inside the seal, the used-nonce memory a shared
store makes common to every process, and the shared sealing secret (``KP_MCP_STATE_SECRET``).
The same across real worker processes: test_consent_workers.py.
"""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from mcp import MCPError
from mcp.server.request_state import InvalidRequestState, RequestStateBoundary
from mcp.types import INVALID_PARAMS

from kp_tools import Executor
from kp_tools.errors import ErrorCode, StateUnavailableError
from kp_tools.mcp import build_server
from kp_tools.mcp.request_state import (
    ENV_STATE_SECRET,
    PendingCalls,
    PendingKind,
    new_state_secret,
    request_state_security,
    runner_nonces,
    state_secrets_from_env,
)
from kp_tools.state import MemoryStateStore
from tests.clock import ManualClock
from tests.conftest import KpMcp


async def refused(
    pending: PendingCalls, state: str, *, tool: str = "t", key: str | None = "k"
) -> None:
    with pytest.raises(MCPError) as error:
        await pending.redeem(state, tool=tool, key=key)
    assert error.value.code == INVALID_PARAMS
    assert error.value.message == "Invalid or expired requestState"  # one message for all


async def test_a_state_is_redeemed_once() -> None:
    pending = PendingCalls()
    state = pending.issue(PendingKind.CONSENT, tool="t", key="k", request="r1")
    claims = await pending.redeem(state, tool="t", key="k")
    assert (claims.kind, claims.request) == (PendingKind.CONSENT, "r1")
    await refused(pending, state)


async def test_a_state_is_refused_for_another_tool_or_key_and_stays_usable() -> None:
    pending = PendingCalls()
    state = pending.issue(PendingKind.SITE_VISIT, tool="t", key="k")
    await refused(pending, state, tool="other")
    await refused(pending, state, key="another key")
    await refused(pending, state, key=None)
    assert (await pending.redeem(state, tool="t", key="k")).kind is PendingKind.SITE_VISIT


async def test_an_expired_state_is_refused() -> None:
    clock = ManualClock(1_000.0)
    pending = PendingCalls(ttl=60, clock=clock)
    state = pending.issue(PendingKind.CONSENT, tool="t", key="k")
    clock.now += 60
    await refused(pending, state)


@pytest.mark.parametrize(
    "state",
    ["", "not json", "[]", '{"kind": "consent"}', '{"kind": "approve_all", "tool": "t"}'],
)
async def test_malformed_claims_are_refused(state: str) -> None:
    await refused(PendingCalls(), state)


async def test_unknown_claims_are_refused() -> None:
    pending = PendingCalls()
    claims = json.loads(pending.issue(PendingKind.CONSENT, tool="t", key="k"))
    await refused(pending, json.dumps({**claims, "approved": True}))


async def test_an_answer_used_in_one_process_is_refused_in_another_sharing_the_store() -> None:
    """Two workers: each its own PendingCalls, one shared store (Redis in production)."""
    shared = MemoryStateStore()
    one, other = PendingCalls(nonces=lambda: shared), PendingCalls(nonces=lambda: shared)
    state = one.issue(PendingKind.CONSENT, tool="t", key="k", request="r")
    assert (await other.redeem(state, tool="t", key="k")).request == "r"
    await refused(one, state)
    await refused(other, state)


async def test_a_used_nonce_is_remembered_for_as_long_as_its_state_lives() -> None:
    clock, store_clock = ManualClock(1_000.0), ManualClock(1_000.0)
    store = MemoryStateStore(clock=store_clock)
    pending = PendingCalls(nonces=lambda: store, ttl=60, clock=clock)
    state = pending.issue(PendingKind.CONSENT, tool="t", key="k")
    clock.now += 45
    await pending.redeem(state, tool="t", key="k")
    nonce = json.loads(state)["nonce"]
    store_clock.now += 14
    assert await store.use_once(nonce, 60) is False  # still held while the state could be used
    store_clock.now += 2
    assert await store.use_once(nonce, 60) is True  # then forgotten: the state has expired


class DownStore(MemoryStateStore):
    async def use_once(self, token: str, ttl: float) -> bool:
        raise StateUnavailableError("down", code=ErrorCode.STATE_UNAVAILABLE)


async def test_an_answer_is_refused_when_the_shared_store_cannot_say_whether_it_was_used() -> None:
    pending = PendingCalls(nonces=DownStore)
    await refused(pending, pending.issue(PendingKind.CONSENT, tool="t", key="k"))


async def test_the_executors_store_holds_the_used_nonces(executor: Executor) -> None:
    assert runner_nonces(executor)() is executor.store
    assert isinstance(runner_nonces(object())(), MemoryStateStore)  # no store: per process


async def test_the_claims_hold_the_key_fingerprint_never_the_key() -> None:
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


def sealed_by(secret: str) -> str:
    return request_state_security({ENV_STATE_SECRET: secret}).codec.seal(b"claims")


async def test_processes_sharing_the_secret_open_each_others_states() -> None:
    secret = new_state_secret()
    opened = request_state_security({ENV_STATE_SECRET: secret}).codec.unseal(sealed_by(secret))
    assert opened == b"claims"
    with pytest.raises(InvalidRequestState):  # another secret, or none: refused
        request_state_security({ENV_STATE_SECRET: new_state_secret()}).codec.unseal(
            sealed_by(secret)
        )
    with pytest.raises(InvalidRequestState):
        request_state_security({}).codec.unseal(sealed_by(secret))


async def test_a_secret_is_rotated_with_a_comma_separated_ring() -> None:
    """The SDK's ring: the first secret seals, every one opens (docs/deployment.md's steps)."""
    old, new = new_state_secret(), new_state_secret()
    first_phase = request_state_security({ENV_STATE_SECRET: f"{old},{new}"}).codec
    second_phase = request_state_security({ENV_STATE_SECRET: f"{new},{old}"}).codec
    assert first_phase.unseal(sealed_by(old)) == b"claims"  # issued before the rotation
    assert first_phase.unseal(second_phase.seal(b"claims")) == b"claims"  # a replica behind
    assert second_phase.unseal(first_phase.seal(b"claims")) == b"claims"
    with pytest.raises(InvalidRequestState):  # after the last phase, the old secret is gone
        request_state_security({ENV_STATE_SECRET: new}).codec.unseal(sealed_by(old))


@pytest.mark.parametrize(
    "encode",
    [
        bytes.hex,
        lambda raw: base64.b64encode(raw).decode(),
        lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ],
    ids=["hex", "base64", "base64url-unpadded"],
)
async def test_a_secret_may_be_hex_or_base64(encode: object) -> None:
    raw = secrets.token_bytes(48)
    assert state_secrets_from_env({ENV_STATE_SECRET: encode(raw)}) == [raw]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (secrets.token_hex(16), "at least 32 random bytes; it decodes to 16"),
        ("not a secret at all!", "must be hex or base64"),
        (f"{'ab' * 32},{'ab' * 32}", "repeats an earlier secret"),
        (f"{'ab' * 32},abcd", "(part 2) must hold at least 32"),
    ],
    ids=["short", "malformed", "repeated", "second-part-short"],
)
async def test_a_bad_secret_is_refused_naming_the_variable_never_the_value(
    value: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=ENV_STATE_SECRET) as error:
        state_secrets_from_env({ENV_STATE_SECRET: value})
    assert problem in str(error.value)
    assert value not in str(error.value)


async def test_no_secret_means_a_per_process_key() -> None:
    assert state_secrets_from_env({ENV_STATE_SECRET: "  "}) is None
    first, second = request_state_security({}).codec, request_state_security({}).codec
    with pytest.raises(InvalidRequestState):
        second.unseal(first.seal(b"claims"))


@pytest.mark.parametrize("value", ["tooshort", "%%%%" * 20], ids=["short", "malformed"])
def test_kp_mcp_exits_2_on_a_malformed_state_secret_before_serving(
    kp_mcp: KpMcp, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_STATE_SECRET, value)
    result = kp_mcp("--transport", "http", "--sandbox")
    assert result.exit_code == 2
    assert f"kp-mcp: {ENV_STATE_SECRET}" in result.stderr
    assert value not in result.stderr + result.stdout

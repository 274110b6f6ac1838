"""Both stores keep the same promises: TTLs, atomic claims, per-key isolation, bounded memory."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from kp_tools.errors import ErrorCode, StateUnavailableError
from kp_tools.state import (
    ClaimStatus,
    Halt,
    KeyState,
    MemoryStateStore,
    StateStore,
    StateTTL,
    Verification,
    state_store_from_url,
)
from kp_tools.state.redis import RedisStateStore
from tests.clock import ManualClock
from tests.processes import free_port
from tests.redis_server import redis_server

SHORT = StateTTL(verification=0.3, halt=0.3, catalog=0.3, dedupe=0.3, pending=0.3)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore(SHORT)
        return
    redis = RedisStateStore(redis_url, SHORT, prefix=f"test-{uuid.uuid4().hex[:8]}")
    yield redis
    await redis.aclose()


def verification(credits: int | None = 100) -> Verification:
    return Verification(user_id="7", credits=credits, can_manage_creations=True, verified_at=1.0)


async def test_a_verification_is_kept_then_expires(store: StateStore) -> None:
    await store.set_verification("k1", verification())
    assert (await store.load("k1")).verification == verification()
    await asyncio.sleep(0.4)
    assert (await store.load("k1")).verification is None


async def test_halts_are_set_and_lifted(store: StateStore) -> None:
    halt = Halt(ErrorCode.INSUFFICIENT_CREDITS, "no credits", 2.0)
    await store.set_halt("k1", halt)
    assert (await store.load("k1")).halt == halt
    await store.set_halt("k1", None)
    assert (await store.load("k1")).halt is None


async def test_a_verification_is_recorded_with_the_halt_it_implies(store: StateStore) -> None:
    halt = Halt(ErrorCode.INSUFFICIENT_CREDITS, "no credits", 2.0)
    await store.record_verification("k1", verification(0), halt)
    assert await store.load("k1") == KeyState(verification(0), halt)

    await store.record_verification("k1", verification(100), None)  # topped up: lifted
    assert await store.load("k1") == KeyState(verification(100), None)
    await asyncio.sleep(0.4)
    assert await store.load("k1") == KeyState()  # and it expires like a lone verification


async def test_state_never_crosses_keys(store: StateStore) -> None:
    await store.set_verification("k1", verification())
    await store.set_halt("k1", Halt(ErrorCode.INSUFFICIENT_PERMISSION, "no", 1.0))
    assert await store.load("k2") == type(await store.load("k2"))()


async def test_debit_lowers_the_credits_seen_but_not_below_zero(store: StateStore) -> None:
    await store.set_verification("k1", verification(50))
    await store.debit("k1", 30)
    state = await store.load("k1")
    assert state.verification is not None and state.verification.credits == 20
    await store.debit("k1", 30)
    state = await store.load("k1")
    assert state.verification is not None and state.verification.credits == 0


async def test_a_concurrent_claim_has_exactly_one_owner(store: StateStore) -> None:
    claims = await asyncio.gather(*(store.claim("k1", "fp") for _ in range(20)))
    assert [c.status for c in claims].count(ClaimStatus.OWNED) == 1
    assert {c.status for c in claims} == {ClaimStatus.OWNED, ClaimStatus.PENDING}


async def test_a_settled_claim_returns_the_result_until_the_window_ends(store: StateStore) -> None:
    assert (await store.claim("k1", "fp")).status is ClaimStatus.OWNED
    await store.settle("k1", "fp", {"job_id": 9})
    again = await store.claim("k1", "fp")
    assert (again.status, again.result) == (ClaimStatus.DONE, {"job_id": 9})
    await asyncio.sleep(0.4)
    assert (await store.claim("k1", "fp")).status is ClaimStatus.OWNED


async def test_an_unknown_outcome_is_remembered_and_a_release_frees_the_claim(
    store: StateStore,
) -> None:
    await store.claim("k1", "a")
    await store.settle("k1", "a", None)
    assert (await store.claim("k1", "a")).status is ClaimStatus.UNKNOWN
    await store.claim("k1", "b")
    await store.release("k1", "b")
    assert (await store.claim("k1", "b")).status is ClaimStatus.OWNED


async def test_the_catalog_cache_expires(store: StateStore) -> None:
    await store.put_catalog("k1", {"content_types": []})
    assert await store.get_catalog("k1") == {"content_types": []}
    await asyncio.sleep(0.4)
    assert await store.get_catalog("k1") is None


async def test_a_token_is_used_once_until_its_time_is_up(store: StateStore) -> None:
    assert await store.use_once("nonce-1", 0.3) is True
    assert await store.use_once("nonce-1", 0.3) is False
    assert await store.use_once("nonce-2", 0.3) is True  # tokens are independent
    await asyncio.sleep(0.4)
    assert await store.use_once("nonce-1", 0.3) is True  # forgotten with what carried it


async def test_concurrent_uses_of_one_token_have_exactly_one_winner(store: StateStore) -> None:
    uses = await asyncio.gather(*(store.use_once("approval", 5.0) for _ in range(20)))
    assert uses.count(True) == 1


async def test_two_redis_stores_on_one_server_share_used_tokens(redis_url: str) -> None:
    """What two replicas see: a token one used is refused by the other, but not across prefixes."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one = RedisStateStore(redis_url, prefix=prefix)
    other = RedisStateStore(redis_url, prefix=prefix)
    elsewhere = RedisStateStore(redis_url, prefix=f"{prefix}-other-deployment")
    try:
        uses = await asyncio.gather(
            *(store.use_once("approval", 5.0) for store in [one, other] * 10)
        )
        assert uses.count(True) == 1
        assert await elsewhere.use_once("approval", 5.0) is True
    finally:
        for store in (one, other, elsewhere):
            await store.aclose()


async def test_the_memory_stores_used_tokens_are_bounded() -> None:
    store = MemoryStateStore(max_tokens=3)
    for index in range(5):
        assert await store.use_once(f"t{index}", 60.0)
    assert await store.use_once("t4", 60.0) is False  # the newest are kept
    assert await store.use_once("t0", 60.0) is True  # the oldest went first


async def test_the_memory_store_is_bounded() -> None:
    store = MemoryStateStore(max_keys=100)
    for index in range(1000):
        await store.set_verification(f"k{index}", verification())
    assert len(store) == 100
    assert (await store.load("k999")).verification is not None


async def test_unreachable_redis_is_a_clear_error_not_a_fallback() -> None:
    store = RedisStateStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    with pytest.raises(StateUnavailableError, match="did not answer"):
        await store.load("k1")
    with pytest.raises(StateUnavailableError):
        await store.ping()


def test_the_store_is_chosen_by_url() -> None:
    assert isinstance(state_store_from_url(None), MemoryStateStore)
    assert isinstance(state_store_from_url("redis://127.0.0.1:6379/0"), RedisStateStore)
    with pytest.raises(ValueError, match="KP_STATE_URL"):
        state_store_from_url("postgres://x")


async def test_calls_with_unknown_keys_do_not_push_out_a_users_halt_or_claim() -> None:
    store = MemoryStateStore(max_keys=100)
    await store.set_halt("user", Halt(ErrorCode.INSUFFICIENT_CREDITS, "402", 0.0))
    await store.claim("user", "create-1")
    for index in range(1000):  # made-up keys: each read, each 401 clearing, then refused
        await store.load(f"junk{index}")
        await store.set_verification(f"junk{index}", None)
        await store.get_catalog(f"junk{index}")
    assert len(store) == 1
    assert (await store.load("user")).halt is not None
    assert (await store.claim("user", "create-1")).status is ClaimStatus.PENDING


async def test_expired_claims_are_forgotten_as_the_key_creates_more() -> None:
    clock = ManualClock()
    store = MemoryStateStore(StateTTL(dedupe=60, pending=120), clock=clock)
    for index in range(500):  # a busy key: a create a second, each settled
        clock.now = float(index)
        await store.claim("k1", f"create-{index}")
        await store.settle("k1", f"create-{index}", {"job_id": index})
    clock.now = 1000.0  # every one of them has expired
    await store.claim("k1", "next")
    assert len(store._existing("k1").claims) == 1  # type: ignore[union-attr]


async def test_an_expired_claim_written_before_a_longer_lived_one_is_not_returned() -> None:
    clock = ManualClock()
    store = MemoryStateStore(StateTTL(dedupe=60, pending=120), clock=clock)
    await store.claim("k1", "slow")  # pending: 120 s
    clock.now = 1.0
    await store.claim("k1", "done")
    await store.settle("k1", "done", {"job_id": 1})  # done: 60 s, written after "slow"
    clock.now = 100.0  # "done" has expired, "slow" has not and is older
    assert (await store.claim("k1", "done")).status is ClaimStatus.OWNED
    assert (await store.claim("k1", "slow")).status is ClaimStatus.PENDING

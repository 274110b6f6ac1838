"""Both stores keep a key's budget the same way: atomic reservations in a rolling window."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from kp_tools.spending.budget import Reservation
from kp_tools.state import MemoryStateStore, StateStore
from kp_tools.state.redis import RedisStateStore
from tests.redis_server import redis_server

WINDOW = 100.0


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    redis = RedisStateStore(redis_url, prefix=f"test-{uuid.uuid4().hex[:8]}")
    yield redis
    await redis.aclose()


def held(credits: int, at: float) -> Reservation:
    return Reservation(uuid.uuid4().hex, credits, at)


async def test_reservations_are_granted_up_to_the_ceiling_and_no_further(
    store: StateStore,
) -> None:
    first = await store.reserve_credits("k", held(30, 1000.0), ceiling=50, window=WINDOW)
    second = await store.reserve_credits("k", held(30, 1001.0), ceiling=50, window=WINDOW)
    exact = await store.reserve_credits("k", held(20, 1002.0), ceiling=50, window=WINDOW)

    assert first.granted and first.spent == 30
    assert not second.granted and second.spent == 30
    assert second.frees_at == 1000.0 + WINDOW  # when the first one leaves the window
    assert exact.granted and exact.spent == 50


async def test_a_reservation_larger_than_the_ceiling_never_frees_up(store: StateStore) -> None:
    ledger = await store.reserve_credits("k", held(60, 1000.0), ceiling=50, window=WINDOW)
    assert not ledger.granted and ledger.frees_at is None


async def test_the_window_rolls(store: StateStore) -> None:
    await store.reserve_credits("k", held(50, 1000.0), ceiling=50, window=WINDOW)
    inside = await store.reserve_credits("k", held(10, 1099.0), ceiling=50, window=WINDOW)
    after = await store.reserve_credits("k", held(10, 1100.0), ceiling=50, window=WINDOW)
    assert not inside.granted
    assert after.granted and after.spent == 10


async def test_a_released_reservation_no_longer_counts(store: StateStore) -> None:
    reservation = held(50, 1000.0)
    await store.reserve_credits("k", reservation, ceiling=50, window=WINDOW)
    await store.release_credits("k", reservation)
    assert (await store.credits_spent("k", window=WINDOW, now=1001.0)).spent == 0
    assert (await store.reserve_credits("k", held(50, 1001.0), ceiling=50, window=WINDOW)).granted


async def test_keys_have_separate_budgets(store: StateStore) -> None:
    await store.reserve_credits("a", held(50, 1000.0), ceiling=50, window=WINDOW)
    assert (await store.reserve_credits("b", held(50, 1000.0), ceiling=50, window=WINDOW)).granted


async def test_without_a_ceiling_everything_is_granted_and_counted(store: StateStore) -> None:
    await store.reserve_credits("k", held(500, 1000.0), ceiling=None, window=WINDOW)
    await store.reserve_credits("k", held(700, 1001.0), ceiling=None, window=WINDOW)
    spent = await store.credits_spent("k", window=WINDOW, now=1002.0)
    assert spent.spent == 1200 and spent.frees_at == 1000.0 + WINDOW


async def test_concurrent_reservations_never_pass_the_ceiling_together(store: StateStore) -> None:
    ledgers = await asyncio.gather(
        *(store.reserve_credits("k", held(7, 1000.0), ceiling=50, window=WINDOW) for _ in range(30))
    )
    assert sum(ledger.granted for ledger in ledgers) == 7  # 7 * 7 = 49 <= 50 < 56
    assert (await store.credits_spent("k", window=WINDOW, now=1000.5)).spent == 49


async def test_audit_events_are_kept_oldest_first(store: StateStore) -> None:
    for number in range(5):
        await store.record_event({"decision": "sent", "n": number})
    events = await store.recent_events(3)
    assert [event["n"] for event in events] == [2, 3, 4]


async def test_a_memory_ledger_survives_the_eviction_of_its_key_entry() -> None:
    store = MemoryStateStore(max_keys=2)
    await store.reserve_credits("k", held(50, 1000.0), ceiling=50, window=WINDOW)
    for other in range(5):  # pushes "k" out of the bounded map of verifications and claims
        await store.claim(f"other-{other}", "fp")
    assert not (
        await store.reserve_credits("k", held(1, 1001.0), ceiling=50, window=WINDOW)
    ).granted

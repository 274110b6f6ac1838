"""A Redis store, so several kp-mcp replicas share one view of every key's workflow state.

Every entry has a TTL, keys are the hashed fingerprints (never API keys), and the operations
where races matter are single Redis commands or scripts: claiming a spending request is
``SET NX`` (two replicas sending the same create at once start one job), so is using a
single-use token (``<prefix>:once:<token>``: an approval is accepted by one replica only), and
lowering the credits
seen is a script that keeps the entry's TTL, and reserving budget is a script that sums the window
and adds the reservation in one step, so two replicas cannot both pass the same ceiling. Audit
events go to one capped stream (``<prefix>:audit``). When Redis does not answer, calls fail with
:class:`StateUnavailableError`; there is no silent fallback to per-process state.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from kp_tools.errors import ErrorCode, StateUnavailableError
from kp_tools.spending.budget import Ledger, Reservation
from kp_tools.state.base import (
    Claim,
    ClaimStatus,
    Halt,
    KeyState,
    StateStore,
    StateTTL,
    Verification,
)

__all__ = ["RedisStateStore"]

_DEBIT = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local seen = cjson.decode(raw)
if type(seen['credits']) == 'number' then
  seen['credits'] = math.max(seen['credits'] - tonumber(ARGV[1]), 0)
  redis.call('SET', KEYS[1], cjson.encode(seen), 'KEEPTTL')
end
return 1
"""

# KEYS[1]: the key's ledger, a sorted set of "<reservation id>:<credits>" scored by time.
# ARGV: now, window seconds, ceiling (-1: none), credits, member. Returns
# {granted (0/1), credits spent in the window, when enough frees up ("" if never or granted)}.
_RESERVE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local ceiling = tonumber(ARGV[3])
local credits = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local spent = 0
for i = 1, #entries, 2 do
  spent = spent + tonumber(string.match(entries[i], ':(%d+)$'))
end
if ceiling >= 0 and spent + credits > ceiling then
  local frees = ''
  if credits <= ceiling then
    local need = spent + credits - ceiling
    local freed = 0
    for i = 1, #entries, 2 do
      freed = freed + tonumber(string.match(entries[i], ':(%d+)$'))
      if freed >= need then
        frees = tostring(tonumber(entries[i + 1]) + window)
        break
      end
    end
  end
  return {0, spent, frees}
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return {1, spent + credits, ''}
"""

AUDIT_STREAM_LENGTH: Final = 10_000
"""Events the audit stream keeps (approximately, as Redis trims in whole nodes)."""


class RedisStateStore(StateStore):
    """``RedisStateStore("redis://127.0.0.1:6379/0")``; ``prefix`` separates deployments."""

    def __init__(
        self,
        url: str,
        ttl: StateTTL | None = None,
        *,
        prefix: str = "kp-tools",
        timeout: float = 2.0,
    ) -> None:
        self.url = url
        self.ttl = ttl or StateTTL()
        self.prefix = prefix
        self.timeout = timeout
        # redis-py's asyncio pool belongs to one event loop; the sync facade runs another.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"RedisStateStore(prefix={self.prefix!r})"

    def _redis(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = Redis.from_url(
                self.url,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                decode_responses=True,
            )
            self._clients[loop] = client
        return client

    def _key(self, key_id: str, *parts: str) -> str:
        return ":".join((self.prefix, key_id, *parts))

    async def ping(self) -> None:
        """Fail fast at start-up when Redis is unreachable."""
        await self._do(self._redis().ping())

    async def _do(self, operation: Any) -> Any:
        try:
            return await operation
        except (RedisError, OSError) as error:
            raise StateUnavailableError(
                f"The shared state store did not answer ({type(error).__name__}); the call was "
                "refused rather than run without its workflow checks.",
                code=ErrorCode.STATE_UNAVAILABLE,
            ) from None

    async def load(self, key_id: str) -> KeyState:
        raw_verification, raw_halt = await self._do(
            self._redis().mget(self._key(key_id, "verification"), self._key(key_id, "halt"))
        )
        verification = Verification(**json.loads(raw_verification)) if raw_verification else None
        halt = None
        if raw_halt:
            fields = json.loads(raw_halt)
            halt = Halt(ErrorCode(fields["code"]), fields["message"], fields["halted_at"])
        return KeyState(verification, halt)

    async def set_verification(self, key_id: str, verification: Verification | None) -> None:
        verification_key = self._key(key_id, "verification")
        await self._do(_put(self._redis(), verification_key, verification, self.ttl.verification))

    async def set_halt(self, key_id: str, halt: Halt | None) -> None:
        await self._do(_put(self._redis(), self._key(key_id, "halt"), halt, self.ttl.halt))

    async def record_verification(
        self, key_id: str, verification: Verification, halt: Halt | None
    ) -> None:
        """Both in one MULTI/EXEC: one round trip, and no replica reads one without the other."""
        pipeline = self._redis().pipeline(transaction=True)
        _put(pipeline, self._key(key_id, "verification"), verification, self.ttl.verification)
        _put(pipeline, self._key(key_id, "halt"), halt, self.ttl.halt)
        await self._do(pipeline.execute())

    async def debit(self, key_id: str, credits: int) -> None:
        script = self._redis().register_script(_DEBIT)
        await self._do(script(keys=[self._key(key_id, "verification")], args=[credits]))

    async def get_catalog(self, key_id: str) -> dict[str, Any] | None:
        raw = await self._do(self._redis().get(self._key(key_id, "catalog")))
        return json.loads(raw) if raw else None

    async def put_catalog(self, key_id: str, catalog: dict[str, Any]) -> None:
        key = self._key(key_id, "catalog")
        await self._do(self._redis().set(key, json.dumps(catalog), px=int(self.ttl.catalog * 1000)))

    async def claim(self, key_id: str, fingerprint: str) -> Claim:
        key = self._key(key_id, "claim", fingerprint)
        pending = json.dumps({"status": ClaimStatus.PENDING.value})
        for _ in range(3):  # the existing claim may expire between SET NX and GET
            taken = await self._do(
                self._redis().set(key, pending, nx=True, px=int(self.ttl.pending * 1000))
            )
            if taken:
                return Claim(ClaimStatus.OWNED)
            raw = await self._do(self._redis().get(key))
            if raw:
                fields = json.loads(raw)
                return Claim(ClaimStatus(fields["status"]), fields.get("result"))
        return Claim(ClaimStatus.PENDING)

    async def settle(self, key_id: str, fingerprint: str, result: dict[str, Any] | None) -> None:
        status = ClaimStatus.DONE if result is not None else ClaimStatus.UNKNOWN
        value = json.dumps({"status": status.value, "result": result})
        key = self._key(key_id, "claim", fingerprint)
        await self._do(self._redis().set(key, value, px=int(self.ttl.dedupe * 1000)))

    async def release(self, key_id: str, fingerprint: str) -> None:
        await self._do(self._redis().delete(self._key(key_id, "claim", fingerprint)))

    async def reserve_credits(
        self, key_id: str, reservation: Reservation, *, ceiling: int | None, window: float
    ) -> Ledger:
        script = self._redis().register_script(_RESERVE)
        args: list[str | int] = [
            repr(reservation.at),
            repr(float(window)),
            -1 if ceiling is None else ceiling,
            reservation.credits,
            _member(reservation),
        ]
        granted, spent, frees = await self._do(
            script(keys=[self._key(key_id, "budget")], args=args)
        )
        return Ledger(bool(granted), int(spent), float(frees) if frees else None)

    async def release_credits(self, key_id: str, reservation: Reservation) -> None:
        await self._do(self._redis().zrem(self._key(key_id, "budget"), _member(reservation)))

    async def credits_spent(self, key_id: str, *, window: float, now: float) -> Ledger:
        entries = await self._do(
            self._redis().zrangebyscore(
                self._key(key_id, "budget"), f"({now - window!r}", "+inf", withscores=True
            )
        )
        spent = sum(int(member.rsplit(":", 1)[1]) for member, _ in entries)
        frees_at = float(entries[0][1]) + window if entries else None
        return Ledger(True, spent, frees_at)

    async def use_once(self, token: str, ttl: float) -> bool:
        key = f"{self.prefix}:once:{token}"
        taken = await self._do(self._redis().set(key, "1", nx=True, px=max(int(ttl * 1000), 1)))
        return bool(taken)

    async def record_event(self, record: Mapping[str, Any]) -> None:
        fields: dict[FieldT, EncodableT] = {"event": json.dumps(record, sort_keys=True)}
        await self._do(
            self._redis().xadd(
                f"{self.prefix}:audit", fields, maxlen=AUDIT_STREAM_LENGTH, approximate=True
            )
        )

    async def recent_events(self, limit: int = 100) -> list[dict[str, Any]]:
        if limit <= 0:
            return []
        entries = await self._do(self._redis().xrevrange(f"{self.prefix}:audit", count=limit))
        return [json.loads(fields["event"]) for _, fields in reversed(entries)]

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()


def _member(reservation: Reservation) -> str:
    return f"{reservation.id}:{reservation.credits}"


def _put(redis: Redis, key: str, value: Verification | Halt | None, ttl: float) -> Any:
    """``value`` written under ``key`` for ``ttl`` seconds (``None`` deletes it).

    On a pipeline the command is queued; on the client, the returned awaitable sends it.
    """
    if value is None:
        return redis.delete(key)
    return redis.set(key, json.dumps(asdict(value)), px=int(ttl * 1000))

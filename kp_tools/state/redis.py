"""A Redis store, so several kp-mcp replicas share one view of every key's workflow state.

Every entry has a TTL, keys are the hashed fingerprints (never API keys), and the operations
where races matter are single Redis commands or scripts: claiming a spending request is
``SET NX`` (two replicas sending the same create at once start one job), and lowering the credits
seen is a script that keeps the entry's TTL. When Redis does not answer, calls fail with
:class:`StateUnavailableError`; there is no silent fallback to per-process state.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from dataclasses import asdict
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from kp_tools.errors import ErrorCode, StateUnavailableError
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
        await self._put(self._key(key_id, "verification"), verification, self.ttl.verification)

    async def set_halt(self, key_id: str, halt: Halt | None) -> None:
        await self._put(self._key(key_id, "halt"), halt, self.ttl.halt)

    async def _put(self, key: str, value: Verification | Halt | None, ttl: float) -> None:
        if value is None:
            await self._do(self._redis().delete(key))
        else:
            await self._do(self._redis().set(key, json.dumps(asdict(value)), px=int(ttl * 1000)))

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

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()

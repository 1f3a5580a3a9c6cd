"""Rate limits of the public channels, per sender and per client address.

A limit keyed only on the sender id is free to bypass: a client picks a new REST sender for every
request, or asks the web chat for a new session. So each channel also limits, per client address
(see bot/clients.py for addresses behind a proxy):

- messages: `RATE_LIMIT_ADDRESS_PER_MINUTE` (default 120, burst `RATE_LIMIT_ADDRESS_BURST`, 60),
  enough for a reception centre's shared connection;
- new conversations (a web chat `session_request` without a valid session, a REST sender not seen
  in the last day): `RATE_LIMIT_NEW_SESSIONS_PER_HOUR` (default 60, burst
  `RATE_LIMIT_NEW_SESSIONS_BURST`, 30);

and per sender `RATE_LIMIT_PER_MINUTE` (default 20, burst `RATE_LIMIT_BURST`, 10). Telegram has
only the per-chat limit: its updates all come from Telegram's servers.

Every limit is a token bucket. Its state is kept in Redis when `RATE_LIMIT_REDIS_URL` is set
(e.g. `redis://127.0.0.1:6379/2`), so several Sanic workers and instances share it; in memory
(per process) otherwise. When Redis cannot be reached, the process falls back to its own memory and
logs `limits.redis.unavailable` (at most once a minute): a limit never takes the service down.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional

logger = logging.getLogger(__name__)

SEEN_SECONDS = 24 * 3600


class RateLimiter:
    """A token bucket per key: `burst` at once, refilled at `per_minute`, in this process's memory.

    Memory is bounded: the least recently seen keys are forgotten first.
    """

    def __init__(self, per_minute: float = 20.0, burst: int = 10, max_senders: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_senders = max_senders
        self._buckets: "OrderedDict[str, tuple[float, float]]" = OrderedDict()

    @classmethod
    def from_env(cls) -> "RateLimiter":
        return cls(
            per_minute=float(os.environ.get("RATE_LIMIT_PER_MINUTE", "20")),
            burst=int(os.environ.get("RATE_LIMIT_BURST", "10")),
        )

    def allow(self, sender: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[sender] = (tokens, now)
        if len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return allowed


# One token bucket per key in a Redis hash, updated atomically. Time is the caller's clock (seconds).
_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return allowed
"""


class RedisBuckets:
    """Token buckets and the set of recently seen senders in Redis (redis.asyncio, created lazily)."""

    def __init__(self, url: str, prefix: str = "ua-be:limits:") -> None:
        self.url = url
        self.prefix = prefix
        self._client: Any = None
        self._script: Any = None

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as redis

            self._client = redis.Redis.from_url(self.url, socket_timeout=1.0, socket_connect_timeout=1.0)
            self._script = self._client.register_script(_BUCKET_SCRIPT)
        return self._client

    async def allow(self, name: str, key: str, per_second: float, burst: int) -> bool:
        self._redis()
        allowed = await self._script(keys=[f"{self.prefix}{name}:{key}"], args=[per_second, burst, time.time()])
        return bool(int(allowed))

    async def known(self, key: str) -> bool:
        return bool(await self._redis().exists(f"{self.prefix}seen:{key}"))

    async def remember(self, key: str) -> None:
        await self._redis().set(f"{self.prefix}seen:{key}", 1, ex=SEEN_SECONDS)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


@dataclass(frozen=True)
class Bucket:
    """A limit: `burst` at once, then `per_second`."""

    name: str
    per_second: float
    burst: int


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


class ChannelLimits:
    """The limits of one channel: per sender, per client address, new conversations per address."""

    def __init__(
        self,
        sender: Bucket = Bucket("sender", 20 / 60, 10),
        address: Bucket = Bucket("address", 120 / 60, 60),
        new_sessions: Bucket = Bucket("new", 60 / 3600, 30),
        redis_url: Optional[str] = None,
    ) -> None:
        self.buckets = {b.name: b for b in (sender, address, new_sessions)}
        self._memory = {b.name: RateLimiter(b.per_second * 60, b.burst) for b in (sender, address, new_sessions)}
        self._seen: "OrderedDict[str, float]" = OrderedDict()
        self.redis = RedisBuckets(redis_url) if redis_url else None
        self._redis_warned = 0.0

    @classmethod
    def from_env(cls) -> "ChannelLimits":
        return cls(
            sender=Bucket("sender", _env_float("RATE_LIMIT_PER_MINUTE", 20) / 60, int(_env_float("RATE_LIMIT_BURST", 10))),
            address=Bucket(
                "address",
                _env_float("RATE_LIMIT_ADDRESS_PER_MINUTE", 120) / 60,
                int(_env_float("RATE_LIMIT_ADDRESS_BURST", 60)),
            ),
            new_sessions=Bucket(
                "new",
                _env_float("RATE_LIMIT_NEW_SESSIONS_PER_HOUR", 60) / 3600,
                int(_env_float("RATE_LIMIT_NEW_SESSIONS_BURST", 30)),
            ),
            redis_url=os.environ.get("RATE_LIMIT_REDIS_URL") or None,
        )

    def _redis_failed(self) -> None:
        now = time.monotonic()
        if now - self._redis_warned > 60:
            self._redis_warned = now
            logger.warning("limits.redis.unavailable: using this process's memory for rate limits", exc_info=True)

    async def _allow(self, name: str, key: str) -> bool:
        if self.redis is not None:
            bucket = self.buckets[name]
            try:
                return await self.redis.allow(name, key, bucket.per_second, bucket.burst)
            except Exception:  # noqa: BLE001 - Redis down: limits from memory, never an outage
                self._redis_failed()
        return self._memory[name].allow(key)

    async def address(self, address: str) -> bool:
        """Whether one more message from this client address may go on."""
        return await self._allow("address", address)

    async def sender(self, sender: str) -> bool:
        """Whether one more message of this conversation may go on."""
        return await self._allow("sender", sender)

    async def new_session(self, address: str) -> bool:
        """Whether `address` may start one more conversation."""
        return await self._allow("new", address)

    async def new_sender(self, sender: str, address: str) -> bool:
        """Whether a message of `sender` may go on as far as new conversations go: a sender seen in
        the last day may; a new one only within its address's cap (and is remembered then)."""
        if await self._known(sender):
            return True
        if not await self.new_session(address):
            return False
        await self._remember(sender)
        return True

    async def _known(self, sender: str) -> bool:
        if self.redis is not None:
            try:
                return await self.redis.known(sender)
            except Exception:  # noqa: BLE001 - Redis down: memory
                self._redis_failed()
        seen = self._seen.get(sender)
        return seen is not None and time.monotonic() - seen < SEEN_SECONDS

    async def _remember(self, sender: str) -> None:
        if self.redis is not None:
            try:
                await self.redis.remember(sender)
                return
            except Exception:  # noqa: BLE001 - Redis down: memory
                self._redis_failed()
        self._seen.pop(sender, None)
        self._seen[sender] = time.monotonic()
        if len(self._seen) > 100_000:
            self._seen.popitem(last=False)

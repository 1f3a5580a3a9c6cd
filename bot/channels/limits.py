"""Per-sender rate limits for the public channels (in memory, per process)."""

from __future__ import annotations

import os
import time
from collections import OrderedDict


class RateLimiter:
    """A token bucket per sender: `burst` messages at once, refilled at `per_minute`.

    Memory is bounded: the least recently seen senders are forgotten first.
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

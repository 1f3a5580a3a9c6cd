"""Telling the staff page that something changed in the inbox, without browsers polling.

Every change is numbered in the store (`handover_changes`). Processes that change something publish
a note on Redis (`REDIS_URL`, when configured); the staff page's `ChangeFeed` wakes on that note and
reads the latest number. Without Redis (one machine, SQLite) it checks the latest number itself, one
indexed query every half second, and only while a staff browser is listening. The browsers get the
changes over server-sent events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any, Optional

logger = logging.getLogger(__name__)

CHANNEL = "uabe:handover:changes"


def redis_url() -> Optional[str]:
    return os.environ.get("REDIS_URL") or None


class Publisher:
    """Publishes "something changed" on Redis; does nothing without Redis; never raises."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url
        self._client: Any = None
        self._lock = threading.Lock()

    def publish(self) -> None:
        if not self.url:
            return
        try:
            with self._lock:
                if self._client is None:
                    import redis

                    self._client = redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
            self._client.publish(CHANNEL, "1")
        except Exception:  # noqa: BLE001 - the staff page still sees the change at its next check
            logger.warning("handover.notify.failed", exc_info=True)


_publisher: Optional[Publisher] = None


def default_publisher() -> Publisher:
    global _publisher
    if _publisher is None:
        _publisher = Publisher(redis_url())
    return _publisher


class ChangeFeed:
    """The latest change number, kept current while someone waits for a change."""

    def __init__(self, store: Any, url: Optional[str] = None, interval: float = 0.5, redis_interval: float = 5.0) -> None:
        self.store = store
        self.url = url if url is not None else redis_url()
        self.interval = interval
        self.redis_interval = redis_interval
        self.version = 0
        self._condition: Optional[asyncio.Condition] = None
        self._task: Optional[asyncio.Task] = None
        self._stopping = False
        self._waiters = 0

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            version = await loop.run_in_executor(None, self.store.version)
        except Exception:  # noqa: BLE001 - the database may be restarting: try again later
            logger.warning("handover.feed.read_failed", exc_info=True)
            return
        if version != self.version:
            self.version = version
            assert self._condition is not None
            async with self._condition:
                self._condition.notify_all()

    async def _run(self) -> None:
        pubsub = None
        if self.url:
            try:
                from redis import asyncio as aioredis

                client = aioredis.from_url(self.url)
                pubsub = client.pubsub()
                await pubsub.subscribe(CHANNEL)
            except Exception:  # noqa: BLE001 - fall back to checking the number
                logger.warning("handover.feed.redis_unavailable: checking the database instead", exc_info=True)
                pubsub = None
        self._stopping = False
        try:
            while self._waiters > 0:
                await self._read()
                if pubsub is not None:
                    try:
                        await pubsub.get_message(ignore_subscribe_messages=True, timeout=self.redis_interval)
                    except Exception:  # noqa: BLE001
                        logger.warning("handover.feed.redis_failed", exc_info=True)
                        pubsub = None
                else:
                    await asyncio.sleep(self.interval)
            # Nobody listens any more; a listener arriving from here on starts a new task.
            self._stopping = True
        finally:
            if pubsub is not None:
                try:
                    await pubsub.close()
                except Exception:  # noqa: BLE001
                    pass

    async def current(self) -> int:
        if self._condition is None:
            self._condition = asyncio.Condition()
        await self._read()
        return self.version

    async def wait(self, after: int, timeout: float = 15.0) -> int:
        """The change number once it is past `after`, or the current one after `timeout` seconds."""
        if self._condition is None:
            self._condition = asyncio.Condition()
        self._waiters += 1
        try:
            if self._task is None or self._task.done() or self._stopping:
                self._stopping = False
                self._task = asyncio.get_running_loop().create_task(self._run())
            async with self._condition:
                try:
                    await asyncio.wait_for(self._condition.wait_for(lambda: self.version > after), timeout)
                except asyncio.TimeoutError:
                    pass
            return self.version
        finally:
            self._waiters -= 1

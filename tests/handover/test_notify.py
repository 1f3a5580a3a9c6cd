"""The staff page's change feed wakes its listeners when the store changes (no Redis: it checks the
latest change number while someone listens)."""

from __future__ import annotations

import asyncio

from bot.handover.notify import ChangeFeed


async def test_a_listener_is_woken_by_a_change_and_a_later_one_too(store) -> None:
    feed = ChangeFeed(store, url="", interval=0.05)
    start = await feed.current()
    waiting = asyncio.ensure_future(feed.wait(start, timeout=20))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(store.request, "web-n1", "socketio", "en", None, True)
    assert await waiting == start + 1
    # The listener left; the next one starts the check again.
    await asyncio.sleep(0.2)
    again = asyncio.ensure_future(feed.wait(start + 1, timeout=20))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(store.request, "web-n2", "socketio", "en", None, True)
    assert await again == start + 2


async def test_without_a_change_the_wait_ends_at_its_timeout(store) -> None:
    feed = ChangeFeed(store, url="", interval=0.05)
    start = await feed.current()
    assert await feed.wait(start, timeout=0.3) == start

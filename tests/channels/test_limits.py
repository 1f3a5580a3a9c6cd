"""Rate limits shared through Redis (a throwaway redis-server on a free port) and in memory, and the
web chat's cap on new sessions per client address."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time

import pytest
import socketio

from bot.channels.limits import Bucket, ChannelLimits
from bot.channels.socketio import SocketIOInput
from tests.channels.harness import quiet_sanic, serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of this test's own (never the machine's), stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed (REQUIRE_SERVICES=1)")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def limits(redis_url: str | None) -> ChannelLimits:
    return ChannelLimits(Bucket("sender", 1 / 60, 3), Bucket("address", 10 / 60, 5), Bucket("new", 1 / 3600, 4), redis_url=redis_url)


async def test_two_workers_share_their_limits_through_redis(redis_url) -> None:
    first, second = limits(redis_url), limits(redis_url)
    # Per address: a burst of 5 in all, whichever worker the messages reach.
    answers = [await (first if i % 2 else second).address("203.0.113.1") for i in range(8)]
    assert answers == [True] * 5 + [False] * 3
    # New conversations: 4 per address in all; a sender seen by one worker is known to the other.
    assert [await first.new_sender(f"rest-{i}", "203.0.113.2") for i in range(3)] == [True] * 3
    assert await second.new_sender("rest-0", "203.0.113.2")  # known: no new conversation
    assert [await second.new_sender(f"rest-{i}", "203.0.113.2") for i in range(3, 6)] == [True, False, False]
    assert await first.new_sender("rest-9", "198.51.100.1")  # another address is not affected
    # Per sender.
    assert [await (first, second)[i % 2].sender("rest-x") for i in range(4)] == [True, True, True, False]


async def test_memory_limits_are_per_process() -> None:
    first, second = limits(None), limits(None)
    assert [await first.address("a") for _ in range(6)] == [True] * 5 + [False]
    assert await second.address("a")


async def test_redis_down_falls_back_to_memory(caplog) -> None:
    down = limits(f"redis://127.0.0.1:{_free_port()}/0")
    assert [await down.address("a") for _ in range(6)] == [True] * 5 + [False]
    assert any("limits.redis.unavailable" in r.getMessage() for r in caplog.records)


async def test_new_web_chat_sessions_are_capped_per_address(monkeypatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_NEW_SESSIONS_BURST", "3")
    monkeypatch.delenv("RATE_LIMIT_REDIS_URL", raising=False)
    quiet_sanic()
    channel = SocketIOInput(allowed_origins=["http://page.example"], secret=b"test")
    async with serve([channel]) as url:
        tokens, refusals = [], []
        client = socketio.AsyncClient(reconnection=False)
        client.on("session_confirm", tokens.append)
        client.on("error_message", refusals.append)
        await client.connect(url, headers={"Origin": "http://page.example"}, transports=["websocket"], wait_timeout=10)
        for _ in range(5):
            await client.emit("session_request", {})
            await asyncio.sleep(0.2)
        # A session the client already holds is resumed, whatever the cap.
        await client.emit("session_request", {"session_id": tokens[0]})
        await asyncio.sleep(0.3)
        await client.disconnect()
    assert len(tokens) == 4 and tokens[3] == tokens[0], tokens
    assert len(refusals) == 2 and "too many new conversations" in refusals[0]["error"]

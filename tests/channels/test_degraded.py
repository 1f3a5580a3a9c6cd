"""Reason codes of degraded replies, one row per kind of failure."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from rasa.core.lock_store import LockError
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.channels.degraded import classify, is_degraded, marker


def raised_from(error: BaseException, wrapper: BaseException) -> BaseException:
    try:
        try:
            raise error
        except BaseException as inner:  # noqa: BLE001
            raise wrapper from inner
    except BaseException as outer:  # noqa: BLE001
        return outer


@pytest.mark.parametrize(
    "error,reason",
    [
        (asyncio.TimeoutError(), "action_timeout"),
        (raised_from(asyncio.TimeoutError(), RuntimeError("Failed to execute custom action")), "action_timeout"),
        (raised_from(aiohttp.ServerDisconnectedError(), RuntimeError("Failed to execute custom action")), "action_server_unreachable"),
        (ConnectionRefusedError(111, "refused"), "action_server_unreachable"),
        (raised_from(aiohttp.ClientResponseError(None, (), status=500), RuntimeError("Failed")), "action_server_error"),
        (RedisConnectionError("Connection refused"), "store_unavailable"),
        (LockError("Could not acquire lock"), "store_unavailable"),
        (KeyError("x"), "internal_error"),
    ],
    ids=["timeout", "timeout wrapped", "disconnected", "refused", "HTTP 500", "redis", "lock", "other"],
)
def test_reason_codes(error: BaseException, reason: str) -> None:
    assert classify(error) == reason


def test_the_rest_marker_is_recognised() -> None:
    reply = [{"recipient_id": "a", "text": "Sorry"}, {"recipient_id": "a", **marker("action_timeout")}]
    assert is_degraded(reply) == "action_timeout"
    assert is_degraded([{"text": "An answer"}]) is None and is_degraded("not a list") is None

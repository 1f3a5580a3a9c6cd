"""The REST channel over real HTTP (a Sanic server in the test, a stand-in for Rasa's agent): who may
use it, which conversations it reaches, what it accepts, and how failures show."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import aiohttp
import pytest

from bot.channels.auth import RestAccess, rest_sender_id
from bot.channels.limits import ChannelLimits
from bot.channels.rest import RestInput
from bot.clients import ClientResolver, parse_networks
from tests.channels.harness import FakeAgent, post, quiet_sanic, serve

WEBHOOK = "/webhooks/rest/webhook"
LIMIT_VARIABLES = ("RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST", "RATE_LIMIT_ADDRESS_PER_MINUTE", "RATE_LIMIT_ADDRESS_BURST",
                   "RATE_LIMIT_NEW_SESSIONS_PER_HOUR", "RATE_LIMIT_NEW_SESSIONS_BURST", "RATE_LIMIT_REDIS_URL",
                   "REST_API_TOKEN", "TRUSTED_PROXIES")


@pytest.fixture(autouse=True)
def defaults(monkeypatch) -> None:
    """The documented defaults, whatever the environment of the test run says."""
    for name in LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SENDER_ID_SECRET", "test-sender-secret")
    quiet_sanic()


def rest(**kwargs) -> RestInput:
    return RestInput(**kwargs)


async def test_a_token_is_needed_when_one_is_configured() -> None:
    async with serve([rest(access=RestAccess(token="s3cret-token"))]) as url:
        body = {"sender": "a", "message": "hi"}
        assert (await post(url + WEBHOOK, body))[0] == 401
        assert (await post(url + WEBHOOK, body, headers={"Authorization": "Bearer wrong"}))[0] == 401
        assert (await post(url + WEBHOOK, body, headers={"Authorization": "Basic s3cret-token"}))[0] == 401
        status, reply = await post(url + WEBHOOK, body, headers={"Authorization": "Bearer s3cret-token"})
        assert status == 200 and reply[0]["text"] == "echo: hi"


async def test_without_a_token_only_this_machine_is_answered() -> None:
    async with serve([rest()]) as url:
        assert (await post(url + WEBHOOK, {"sender": "a", "message": "hi"}))[0] == 200
        # Through a proxy nobody declared (TRUSTED_PROXIES): the loopback peer says nothing.
        status, reply = await post(url + WEBHOOK, {"sender": "a", "message": "hi"}, headers={"X-Forwarded-For": "203.0.113.9"})
        assert status == 403 and "REST_API_TOKEN" in reply["error"]


def _outside_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


async def test_a_client_from_another_machine_is_refused_without_a_token() -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("no non-loopback interface to connect through")
    async with serve([rest()], host=address) as url:
        status, reply = await post(url + WEBHOOK, {"sender": "a", "message": "hi"})
        assert status == 403, reply


async def test_only_json_bodies_are_accepted() -> None:
    async with serve([rest()]) as url:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
            status, reply = await post(url + WEBHOOK, raw=b'{"sender": "a", "message": "hi"}', content_type=content_type)
            assert status == 415, (content_type, reply)
        assert (await post(url + WEBHOOK, raw=b'{"sender": "a", "message": "hi"}', content_type="application/json; charset=utf-8"))[0] == 200


async def test_rest_never_reaches_another_channels_conversation() -> None:
    agent = FakeAgent()
    async with serve([rest()], agent) as url:
        for sender in ("telegram-123456789", "web-0123456789abcdef0123456789abcdef", "+32470123456", "olena.k@example.com"):
            status, reply = await post(url + WEBHOOK, {"sender": sender, "message": "hi"})
            assert status == 200 and reply[0]["recipient_id"] == sender
    stored = [m.sender_id for m in agent.received]
    assert stored == [rest_sender_id(s) for s in ("telegram-123456789", "web-0123456789abcdef0123456789abcdef", "+32470123456", "olena.k@example.com")]
    assert all(s.startswith("rest-") and len(s) == 37 for s in stored)
    assert not any("123456789" in s or "470123456" in s or "olena" in s for s in stored)
    assert rest_sender_id("a", b"one secret") != rest_sender_id("a", b"another secret")


async def test_deeply_nested_json_is_a_400() -> None:
    async with serve([rest()]) as url:
        status, reply = await post(url + WEBHOOK, raw=b'{"sender": "a", "message": "hi", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
        assert status == 400 and reply["error"] == "body is nested too deeply"


async def test_a_reply_without_messages_is_marked_degraded(caplog) -> None:
    async def silent(message) -> None:
        return None

    async with serve([rest()], FakeAgent(silent)) as url:
        with caplog.at_level(logging.WARNING):
            status, reply = await post(url + WEBHOOK, {"sender": "caller-1", "message": "hello"})
    assert status == 200
    assert reply[0]["text"].startswith("Sorry, I cannot answer right now")
    assert reply[-1] == {"recipient_id": "caller-1", "custom": {"degraded": True, "reason": "no_reply"}}
    [line] = [r.getMessage() for r in caplog.records if "channel.degraded" in r.getMessage()]
    assert "reason=no_reply sender=rest-" in line and "caller-1" not in line


@pytest.mark.parametrize(
    "failure,reason",
    [
        (asyncio.TimeoutError(), "action_timeout"),
        (aiohttp.ClientConnectorError(connection_key=None, os_error=ConnectionRefusedError(111, "refused")), "action_server_unreachable"),
        (ValueError("broken"), "internal_error"),
    ],
    ids=["timeout", "unreachable", "other"],
)
async def test_the_reason_of_a_failure_logged_inside_rasa(failure, reason) -> None:
    """Rasa catches a failing action and logs it; the channel reads the reason from that record."""

    async def failing_action(message) -> None:
        try:
            try:
                raise failure
            except aiohttp.ClientConnectionError as error:  # as Rasa's RemoteAction wraps it
                raise RuntimeError("Failed to execute custom action") from error
        except Exception:  # noqa: BLE001
            logging.getLogger("rasa.core.processor").exception("Encountered an exception while running action")

    async with serve([rest()], FakeAgent(failing_action)) as url:
        status, reply = await post(url + WEBHOOK, {"sender": "caller-2", "message": "hello"})
    assert status == 200 and reply[-1]["custom"] == {"degraded": True, "reason": reason}


async def test_the_reason_survives_the_log_redaction() -> None:
    """The log redaction (bot/logs.py) replaces a record's exception by its redacted text in the first
    handler that sees it; the reason is read before that."""
    import io

    from bot.logs import RedactingFilter

    async def failing_action(message) -> None:
        try:
            raise asyncio.TimeoutError()
        except asyncio.TimeoutError:
            logging.getLogger("rasa.core.processor").exception("Encountered an exception while running action")

    root = logging.getLogger()
    redacting = logging.StreamHandler(io.StringIO())
    redacting.addFilter(RedactingFilter())
    root.handlers.insert(0, redacting)
    try:
        async with serve([rest()], FakeAgent(failing_action)) as url:
            status, reply = await post(url + WEBHOOK, {"sender": "caller-5", "message": "hello"})
    finally:
        root.removeHandler(redacting)
    assert status == 200 and reply[-1]["custom"]["reason"] == "action_timeout"


async def test_an_exception_out_of_rasa_is_degraded_too() -> None:
    async def raising(message) -> None:
        raise ConnectionRefusedError(111, "refused")

    async with serve([rest()], FakeAgent(raising)) as url:
        status, reply = await post(url + WEBHOOK, {"sender": "caller-3", "message": "hello"})
    assert status == 200 and reply[-1]["custom"]["reason"] == "action_server_unreachable"


async def test_cancellation_is_not_swallowed() -> None:
    """A cancelled turn ends there: no apology is composed and sent as if it were an answer."""
    looked_up: list[str] = []

    class Store:
        async def retrieve(self, sender_id):
            looked_up.append(sender_id)
            return None

    async def cancelled(message) -> None:
        raise asyncio.CancelledError()

    agent = FakeAgent(cancelled)
    agent.tracker_store = Store()
    async with serve([rest()], agent) as url:
        status, _ = await post(url + WEBHOOK, {"sender": "caller-4", "message": "hello"})
    assert status != 200 and looked_up == []


async def test_new_senders_are_capped_per_address_and_other_addresses_are_not() -> None:
    """300 new senders from one address: 429 after the cap; another address is unaffected."""
    async with serve([rest()]) as url:
        statuses = [(await post(url + WEBHOOK, {"sender": f"new-{i}", "message": "hi"}))[0] for i in range(40)]
        assert statuses[:30] == [200] * 30 and statuses[30:] == [429] * 10, statuses
        # A conversation already going on from that address goes on.
        assert (await post(url + WEBHOOK, {"sender": "new-0", "message": "hi"}))[0] == 200
        statuses = [(await post(url + WEBHOOK, {"sender": f"new-{i}", "message": "hi"}))[0] for i in range(40, 300)]
        assert statuses == [429] * 260
        assert (await post(url + WEBHOOK, {"sender": "other-1", "message": "hi"}, source="127.0.0.2"))[0] == 200


async def test_messages_are_limited_per_address_whatever_the_sender() -> None:
    limits = ChannelLimits.from_env()
    async with serve([rest(limits=limits)]) as url:
        statuses = [(await post(url + WEBHOOK, {"sender": f"s-{i % 20}", "message": "hi"}))[0] for i in range(80)]
        assert statuses[:20] == [200] * 20 and 429 in statuses[40:], statuses
        assert (await post(url + WEBHOOK, {"sender": "s-x", "message": "hi"}, source="127.0.0.3"))[0] == 200


async def test_forwarded_addresses_are_believed_only_from_trusted_proxies(monkeypatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_NEW_SESSIONS_BURST", "2")
    monkeypatch.setenv("REST_API_TOKEN", "tok")
    channel = rest(clients=ClientResolver(parse_networks("127.0.0.1")))
    auth = {"Authorization": "Bearer tok"}
    async with serve([channel]) as url:
        for i in range(2):
            assert (await post(url + WEBHOOK, {"sender": f"p-{i}", "message": "hi"}, headers={**auth, "X-Forwarded-For": "203.0.113.1"}))[0] == 200
        assert (await post(url + WEBHOOK, {"sender": "p-2", "message": "hi"}, headers={**auth, "X-Forwarded-For": "203.0.113.1"}))[0] == 429
        # Another client behind the same proxy has its own cap.
        assert (await post(url + WEBHOOK, {"sender": "p-3", "message": "hi"}, headers={**auth, "X-Forwarded-For": "198.51.100.7"}))[0] == 200
    untrusted = rest(clients=ClientResolver([]))
    async with serve([untrusted]) as url:
        # Not trusted: the header is ignored, the peer's address counts (and is capped).
        for i in range(2):
            await post(url + WEBHOOK, {"sender": f"q-{i}", "message": "hi"}, headers={**auth, "X-Forwarded-For": f"192.0.2.{i}"})
        assert (await post(url + WEBHOOK, {"sender": "q-9", "message": "hi"}, headers={**auth, "X-Forwarded-For": "192.0.2.99"}))[0] == 429


def test_client_addresses() -> None:
    trusted = ClientResolver(parse_networks("10.0.0.0/8, ::1"))
    assert trusted.resolve("10.1.2.3", {"x-forwarded-for": "203.0.113.5, 10.0.0.7"}).address == "203.0.113.5"
    assert trusted.resolve("10.1.2.3", {"x-forwarded-for": "1.2.3.4, 203.0.113.5"}).address == "203.0.113.5"  # left part is the client's word
    assert trusted.resolve("203.0.113.8", {"x-forwarded-for": "10.9.9.9"}).address == "203.0.113.8"
    assert not trusted.resolve("203.0.113.8", {"x-forwarded-for": "127.0.0.1"}).loopback
    plain = ClientResolver([])
    assert plain.resolve("127.0.0.1", {}).loopback
    assert plain.resolve("::ffff:127.0.0.1", {}).loopback
    assert not plain.resolve("127.0.0.1", {"x-real-ip": "8.8.8.8"}).loopback
    with pytest.raises(ValueError):
        parse_networks("not-an-address")


def test_rest_sender_ids_are_stable_and_secret(monkeypatch) -> None:
    assert rest_sender_id("caller-42", b"k") == rest_sender_id("caller-42", b"k")
    assert rest_sender_id("caller-42", b"k") != rest_sender_id("caller-43", b"k")
    assert json.dumps(rest_sender_id("+32 470 12 34 56", b"k")).isascii()

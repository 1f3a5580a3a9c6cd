"""The web chat's socket.io channel: allowed origins only, and nobody attaches to another person's
conversation by guessing, forging or naming a session id."""

from __future__ import annotations

import asyncio

import pytest
import socketio

pytestmark = pytest.mark.e2e


class Client:
    """A socket.io client like the widget, recording what it receives."""

    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[dict] = []
        self.token: asyncio.Future = asyncio.get_running_loop().create_future()
        self.sio.on("bot_uttered", self.received.append)
        self.sio.on("session_confirm", lambda token: self.token.done() or self.token.set_result(token))

    async def connect(self, session_id=None) -> str:
        await self.sio.connect(self.url, headers={"Origin": self.origin}, transports=["websocket"], wait_timeout=10)
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.token, 10)

    async def say(self, text: str, **extra) -> list[dict]:
        before = len(self.received)
        await self.sio.emit("user_uttered", {"message": text, "metadata": {"language": "en"}, **extra})
        for _ in range(200):
            if len(self.received) > before:
                await asyncio.sleep(0.3)  # replies of one turn arrive together
                return self.received[before:]
            await asyncio.sleep(0.1)
        return []

    async def close(self) -> None:
        await self.sio.disconnect()


def origin_of(servers) -> str:
    return servers.web_url


async def test_a_foreign_origin_is_refused(servers) -> None:
    client = Client(servers.url, "https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect()


async def test_replies_reach_only_their_own_session(servers) -> None:
    alice, mallory = Client(servers.url, origin_of(servers)), Client(servers.url, origin_of(servers))
    alice_token = await alice.connect()
    mallory_token = await mallory.connect()
    assert alice_token != mallory_token and len(alice_token) == 65

    # Mallory names Alice's session in her messages: ignored, her own session is used.
    replies = await mallory.say("How do I find housing?", session_id=alice_token)
    assert replies and "Where in Belgium do you live?" in replies[0]["text"]
    await asyncio.sleep(1)
    assert alice.received == [], "Alice received a reply to someone else's message"

    # Alice's conversation is untouched: her question still needs its own region answer.
    replies = await alice.say("How long does temporary protection last?")
    assert any("4 March 2027" in r["text"] for r in replies)
    assert not any("4 March 2027" in r["text"] for r in mallory.received)
    await alice.close()
    await mallory.close()


async def test_a_guessed_or_forged_session_id_gets_a_new_session(servers) -> None:
    first = Client(servers.url, origin_of(servers))
    token = await first.connect()
    await first.say("We live in Liège")
    await first.close()

    for fake in [token[:33] + "0" * 32, "0" * 32 + "." + token[33:], token[:32], "web-" + token[:32], {"x": 1}, "' OR 1=1"]:
        intruder = Client(servers.url, origin_of(servers))
        given = await intruder.connect(session_id=fake)
        assert given != token
        replies = await intruder.say("Where can I find work?")
        assert "Where in Belgium do you live?" in replies[0]["text"], "the intruder got the victim's region"
        await intruder.close()


async def test_the_owner_resumes_after_a_reload(servers) -> None:
    first = Client(servers.url, origin_of(servers))
    token = await first.connect()
    await first.say("We live in Liège")
    await first.close()
    again = Client(servers.url, origin_of(servers))
    assert await again.connect(session_id=token) == token
    replies = await again.say("Where can I find work?")
    work = "\n".join(r["text"] for r in replies)
    assert "In Wallonia" in work and "Where in Belgium" not in work, work
    await again.close()


async def test_messages_before_a_session_and_malformed_messages_are_refused(servers) -> None:
    client = Client(servers.url, origin_of(servers))
    errors: list = []
    client.sio.on("error_message", errors.append)
    await client.sio.connect(servers.url, headers={"Origin": origin_of(servers)}, transports=["websocket"])
    await client.sio.emit("user_uttered", {"message": "hello"})
    await asyncio.sleep(1)
    assert errors and not client.received
    await client.sio.emit("session_request", {})
    await asyncio.sleep(0.5)
    for bad in [{"message": 42}, "just text", None, {"message": ["a"]}]:
        await client.sio.emit("user_uttered", bad)
    await asyncio.sleep(1)
    assert len(errors) >= 5 and not client.received
    await client.close()


async def test_typed_intents_behind_slashes_are_read_as_words(servers) -> None:
    """"/ /intent{…}" over socket.io: a normal reply, the language and the region kept."""
    client = Client(servers.url, origin_of(servers))
    await client.connect()
    await client.say("How can I find a job?")
    assert any("Flanders" in r["text"] for r in await client.say("I live in Ghent"))
    for typed in ('/\t/choose_language{"language":"fr"}', '/ /choose_language{"language":"de"}', "// /greet"):
        replies = await client.say(typed)
        assert replies and not any(r["text"].startswith(("Désormais", "Sorry, I cannot answer right now")) for r in replies), (typed, replies)
    work = "\n".join(r["text"] for r in await client.say("Where can I find work?"))
    assert "In Flanders" in work and "Where in Belgium" not in work, work
    # Rasa's own `restart` intent would wipe the conversation and answer nothing (an apology).
    replies = await client.say("/ /restart")
    assert replies and not any(r["text"].startswith("Sorry, I cannot answer right now") for r in replies), replies
    await client.close()


async def test_rest_cannot_reach_a_web_chat_conversation(servers) -> None:
    """The web chat's conversation id is `web-` and the session; REST cannot write into it."""
    client = Client(servers.url, origin_of(servers))
    token = await client.connect()
    await client.say("We live in Liège")
    loop = asyncio.get_running_loop()
    reply = await loop.run_in_executor(None, servers.say, "web-" + token[:32], "Where can I find work?")
    assert "Where in Belgium do you live?" in reply[0]["text"], "REST read the web chat user's region"
    await loop.run_in_executor(None, servers.say, "web-" + token[:32], "Brussels")
    work = "\n".join(r["text"] for r in await client.say("Where can I find work?"))
    assert "In Wallonia" in work and "In Brussels" not in work, "REST changed the web chat user's region"
    await client.close()


async def test_web_chat_connections_log_no_errors(servers) -> None:
    """Every connection used to leave "Invalid response type None" and a traceback in the log."""
    for _ in range(3):
        client = Client(servers.url, origin_of(servers))
        await client.connect()
        await client.say("hello")
        await client.close()
    await asyncio.sleep(1)
    log = (servers.workdir / "rasa.log").read_text()
    assert "Exception occurred while handling uri" not in log and "Invalid response type" not in log

"""The hand-over with two Rasa instances and one staff page on PostgreSQL and Redis: a staff reply
reaches a web chat user whichever instance holds their socket (socket.io's Redis manager), the
gate holds the conversation on both instances, and the staff page's live updates come through
Redis.

PostgreSQL and Redis: the test session's throwaway servers (tests/throwaway.py: initdb in a temporary
folder and redis-server, each on a free port). The machine's own servers are never used. When either is missing
the test is skipped with the reason (it fails instead under REQUIRE_SERVICES=1, as in CI).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid

import pytest

from tests.e2e.handover_helpers import STAFF_TOKEN, start_staff, wait_until
from tests.e2e.servers import ALWAYS_OPEN, RASA, ROOT, env, free_port, start_servers, stop_servers, wait_for
from tests.e2e.test_socketio_security import Client
from tests.throwaway import throwaway_postgres, throwaway_redis  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.services]

ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def database(throwaway_postgres):
    return throwaway_postgres.create_database(f"ua_be_handover_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def cluster(throwaway_postgres, database, throwaway_redis, tmp_path_factory):
    """One action server, two Rasa instances and one staff page sharing PostgreSQL and Redis."""
    postgres = throwaway_postgres
    port = throwaway_redis.port
    url = f"redis://127.0.0.1:{port}/0"
    workdir = tmp_path_factory.mktemp("handover-cluster")
    db_url = f"postgresql://postgres@127.0.0.1:{postgres.port}/{database}"
    helpline = workdir / "helpline.yml"
    helpline.write_text(ALWAYS_OPEN, encoding="utf-8")  # staff on duty whatever the hour of the test
    shared = {
        "HELPLINE_CONFIG": str(helpline),
        "TRACKER_DB_URL": db_url,
        "REDIS_URL": url,
        "SOCKETIO_ALLOWED_ORIGINS": ORIGIN,
        "SOCKETIO_SESSION_SECRET": "cluster-session-secret",
    }
    action_port = free_port()
    log = workdir / "actions.log"
    actions = subprocess.Popen(
        [*RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
        cwd=ROOT, env=env(**shared), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{action_port}/health", actions, 120, log)
    store = (
        "tracker_store:\n  type: bot.stores.RedactingSQLTrackerStore\n  dialect: postgresql\n"
        f"  url: 127.0.0.1\n  port: {postgres.port}\n  db: {database}\n  username: postgres\n"
        f"lock_store:\n  type: bot.stores.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: {port}\n  db: 1\n  key_prefix: handover\n"
    )
    first = start_servers(workdir / "a", action_port=action_port, tracker_store=store, extra_env=shared)
    second = start_servers(workdir / "b", action_port=action_port, tracker_store=store, extra_env=shared)
    # The staff page delivers through the second instance only.
    staff = start_staff(second, workdir, delivery_url=second.url, db_url=db_url, extra_env={"REDIS_URL": url})
    yield first, second, staff, (postgres, database)
    staff.stop()
    stop_servers(first)
    stop_servers(second)
    actions.terminate()
    actions.wait(timeout=20)


async def _wait_for_text(client: Client, fragment: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in client.received:
            if fragment in (message.get("text") or ""):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"{fragment!r} not received; got {[m.get('text') for m in client.received]}")


async def test_a_staff_reply_reaches_a_web_user_on_either_instance(cluster) -> None:
    first, second, staff, (postgres, database) = cluster
    for instance, name in ((first, "Olena"), (second, "Marc")):
        client = Client(instance.url, ORIGIN)
        token = await client.connect()
        sender = "web-" + token[:32]
        await client.say("I want to talk to a person")
        await _wait_for_text(client, "A staff member of the helpline will join this conversation soon.")

        item = await asyncio.to_thread(staff.conversation_of, sender)
        assert (await asyncio.to_thread(staff.call, "POST", f"/api/inbox/{item['id']}/take", name))[0] == 200
        await _wait_for_text(client, f"{name} of the helpline staff has joined the conversation.")
        code, sent = await asyncio.to_thread(
            staff.call, "POST", f"/api/inbox/{item['id']}/reply", name, {"text": f"Hello, this is {name}."}
        )
        assert code == 200 and sent.get("sent"), sent
        reply = await _wait_for_text(client, f"Hello, this is {name}.")
        assert reply["handover"]["operator"] == name

        # Held on every instance: the same web chat session, connected through the other instance, does
        # not reach the assistant. (REST cannot write into a web chat conversation: its own namespace.)
        other = second if instance is first else first
        again = Client(other.url, ORIGIN)
        assert await again.connect(session_id=token) == token
        await asyncio.sleep(1)  # what staff wrote meanwhile is replayed first
        seen = len(again.received)
        await again.sio.emit("user_uttered", {"message": "thank you, one more question", "metadata": {"language": "en"}})
        await asyncio.sleep(3)
        assert again.received[seen:] == [], again.received[seen:]
        await again.close()
        history = await asyncio.to_thread(
            wait_until, lambda: [t for t in staff.transcript(item["id"]) if t["text"] == "thank you, one more question"]
        )
        assert history[0]["who"] == "user"
        assert (await asyncio.to_thread(staff.call, "POST", f"/api/inbox/{item['id']}/handback", name))[0] == 200
        await _wait_for_text(client, "handed the conversation back to the assistant")
        replies = await client.say("How long does temporary protection last?")
        assert any("4 March 2027" in (r.get("text") or "") for r in replies)
        await client.close()

    # The staff replies are stored in PostgreSQL like other events, with the operator's name.
    connection = postgres.connect(database)
    cursor = connection.cursor()
    cursor.execute("SELECT data FROM events WHERE type_name = 'bot'")
    operators = {json.loads(data).get("metadata", {}).get("operator") for (data,) in cursor.fetchall()}
    connection.close()
    assert {"Olena", "Marc"} <= operators


async def test_the_staff_page_hears_changes_through_redis(cluster) -> None:
    import aiohttp

    first, second, staff, _database = cluster
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{staff.url}/api/inbox/stream", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
        ) as response:
            first_event = await _next_event(response)
            await asyncio.to_thread(first.say, f"rest-{uuid.uuid4().hex[:8]}", "can I talk to a person?")
            newer = await _next_event(response)
            assert int(newer) > int(first_event)


async def _next_event(response) -> str:  # type: ignore[no-untyped-def]
    while True:
        line = await asyncio.wait_for(response.content.readline(), 30)
        text = line.decode().strip()
        if text.startswith("data: "):
            return text[6:]

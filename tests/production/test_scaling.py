"""Scaling out with Rasa's own mechanisms: two Rasa instances on loopback sharing a PostgreSQL
tracker store and a Redis lock store. A conversation whose messages alternate between the instances
keeps its language, region and order of events. PostgreSQL and Redis are then stopped and started:
users get replies meanwhile, and the service recovers by itself.

PostgreSQL and Redis are throwaway servers of this module (tests/throwaway.py: initdb in a temporary
folder, redis-server without persistence, each on a free port); the machine's own servers are never
touched. Without the PostgreSQL or Redis binaries the tests are skipped with the reason; with
REQUIRE_SERVICES=1 (as in CI) they fail instead.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.servers import RASA, ROOT, env, free_port, start_servers, stop_servers, stored_sender, wait_for
from tests.throwaway import ThrowawayPostgres, ThrowawayRedis

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture(scope="module")
def postgres():
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def redis_server():
    server = ThrowawayRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def database(postgres) -> str:
    return postgres.create_database(f"ua_be_test_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def cluster(postgres, redis_server, database, tmp_path_factory):
    """One action server and two Rasa instances sharing the throwaway PostgreSQL and Redis."""
    workdir = tmp_path_factory.mktemp("cluster")
    port = free_port()
    log = workdir / "actions.log"
    actions = subprocess.Popen(
        [*RASA, "run", "actions", "--actions", "actions", "--port", str(port)],
        cwd=ROOT, env=env(), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/health", actions, 120, log)
    prefix = f"uabetest{uuid.uuid4().hex[:6]}"
    store = (
        "tracker_store:\n  type: bot.stores.RedactingSQLTrackerStore\n  dialect: postgresql\n"
        f"  url: 127.0.0.1\n  port: {postgres.port}\n  db: {database}\n  username: postgres\n"
        f"lock_store:\n  type: bot.stores.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: {redis_server.port}\n"
        f"  db: 3\n  key_prefix: {prefix}\n"
    )
    first = second = None
    try:
        first = start_servers(workdir / "a", action_port=port, tracker_store=store)
        second = start_servers(workdir / "b", action_port=port, tracker_store=store)
        yield first, second, postgres, redis_server, database
    finally:
        for running in (first, second):
            if running is not None:
                stop_servers(running)
        actions.terminate()
        actions.wait(timeout=20)


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def stored_events(postgres, database: str, sender: str) -> list[tuple[str, dict]]:
    connection = postgres.connect(database)
    try:
        cursor = connection.cursor()
        # REST conversations are stored under their own id (`rest-` and an HMAC of the sender).
        cursor.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (stored_sender(sender),))
        return [(kind, json.loads(data)) for kind, data in cursor.fetchall()]
    finally:
        connection.close()


def user_texts(postgres, database: str, sender: str) -> list[str]:
    return [data["text"] for kind, data in stored_events(postgres, database, sender) if kind == "user"]


def test_a_conversation_alternating_between_instances_keeps_its_state(cluster) -> None:
    first, second, postgres, _redis, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    assert text_of(first.say(sender, "Привіт!")).startswith("Вітаю!")
    assert "Де в Бельгії ви живете?" in text_of(second.say(sender, "Де знайти житло?"))
    housing = text_of(first.say(sender, "у Генті"))  # the pending question, answered by A
    assert "Гент (Фландрія)" in housing and "житло" in housing.casefold(), housing
    work = text_of(second.say(sender, "а де шукати роботу?"))  # language and region remembered, on B
    assert "Фландрі" in work and "робот" in work.casefold() and not work.startswith("Вибачте"), work
    assert user_texts(postgres, database, sender) == ["Привіт!", "Де знайти житло?", "у Генті", "а де шукати роботу?"]


def test_concurrent_messages_of_one_conversation_are_handled_in_turn(cluster) -> None:
    first, second, postgres, _redis, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    messages = [f"дякую {i}" for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda item: (first if item[0] % 2 else second).say(sender, item[1]), enumerate(messages)))
    assert all(replies)
    stored = user_texts(postgres, database, sender)
    assert sorted(stored) == sorted(messages), "a message was lost or stored twice"
    kinds = [(kind, data.get("name")) for kind, data in stored_events(postgres, database, sender)]
    # Each user message is followed by its own action and a return to listening before the next one.
    turns = [i for i, (kind, _) in enumerate(kinds) if kind == "user"]
    for here, nxt in zip(turns, turns[1:] + [len(kinds)]):
        between = [name for kind, name in kinds[here + 1 : nxt] if kind == "action"]
        assert len(between) >= 2 and between[-1] == "action_listen" and between[0] != "action_listen", between


def test_postgresql_and_redis_stopped_and_started(cluster) -> None:
    """Stops and starts only this module's throwaway servers."""
    first, second, postgres, redis_server, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    assert "4 maart 2027" in text_of(first.say(sender, "Tot wanneer loopt de tijdelijke bescherming?"))

    postgres.stop()
    try:
        # An answer or a short apology (marked degraded), never silence.
        reply = text_of(second.say(sender, "Hoe vind ik werk?", degraded_ok=True))
        assert reply, "no reply while PostgreSQL is down"
    finally:
        postgres.start()
    # Back: conversations are stored again (Rasa reconnects by itself).
    for _ in range(3):
        later = f"scale-{uuid.uuid4().hex[:8]}"
        if "4 March 2027" in text_of(first.say(later, "How long does temporary protection last?")) and user_texts(
            postgres, database, later
        ):
            break
        time.sleep(2)
    else:
        pytest.fail("the service did not recover after PostgreSQL came back")

    redis_server.stop()
    try:
        # Without the lock store, turns of one conversation cannot be ordered: the short apology.
        reply = text_of(first.say(sender, "Waar kan ik Nederlands leren?", degraded_ok=True))
        assert reply.startswith(("Sorry, ik kan nu niet antwoorden", "•")), reply
    finally:
        redis_server.start()
    assert "4 March 2027" in text_of(second.say(f"scale-{uuid.uuid4().hex[:8]}", "How long does temporary protection last?"))

"""Scaling out with Rasa's own mechanisms: two Rasa instances on loopback sharing the PostgreSQL
tracker store and the Redis lock store of this machine. A conversation whose messages alternate
between the instances keeps its language, region and order of events. PostgreSQL and Redis are
then stopped and started: users get replies meanwhile, and the service recovers by itself.

Needs PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379). When they are missing the
tests are skipped with the reason; with REQUIRE_SERVICES=1 (as in CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.servers import BIN, ROOT, env, free_port, start_servers, stop_servers, stored_sender, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.services]

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_VERSION = next(iter(sorted(os.listdir("/etc/postgresql"))), "15") if os.path.isdir("/etc/postgresql") else "15"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def _pg_connect(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg2

    return psycopg2.connect(dbname=dbname, connect_timeout=3, **PG)


def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, socket_timeout=3)


def _wait(check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - still starting
            pass
        time.sleep(0.5)
    raise RuntimeError("service did not come back")


@pytest.fixture(scope="module")
def database():
    try:
        connection = _pg_connect()
    except Exception as exc:  # noqa: BLE001
        _missing(f"PostgreSQL is not reachable at 127.0.0.1:5432: {exc}")
    try:
        _redis().ping()
    except Exception as exc:  # noqa: BLE001
        _missing(f"Redis is not reachable at 127.0.0.1:6379: {exc}")
    name = f"ua_be_test_{uuid.uuid4().hex[:8]}"
    connection.autocommit = True
    connection.cursor().execute(f'CREATE DATABASE "{name}"')
    connection.close()
    yield name
    try:
        connection = _pg_connect()
        connection.autocommit = True
        connection.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
    except Exception:  # noqa: BLE001 - PostgreSQL may be the thing a test stopped
        pass


@pytest.fixture(scope="module")
def cluster(database, tmp_path_factory):
    """One action server and two Rasa instances sharing PostgreSQL and Redis."""
    workdir = tmp_path_factory.mktemp("cluster")
    port = free_port()
    log = workdir / "actions.log"
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
        cwd=ROOT, env=env(), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/health", actions, 120, log)
    prefix = f"uabetest{uuid.uuid4().hex[:6]}"
    store = (
        "tracker_store:\n  type: bot.stores.RedactingSQLTrackerStore\n  dialect: postgresql\n"
        f"  url: 127.0.0.1\n  port: 5432\n  db: {database}\n  username: postgres\n"
        f"lock_store:\n  type: bot.stores.AtomicRedisLockStore\n  url: 127.0.0.1\n  port: 6379\n  db: 3\n  key_prefix: {prefix}\n"
    )
    first = start_servers(workdir / "a", action_port=port, tracker_store=store)
    second = start_servers(workdir / "b", action_port=port, tracker_store=store)
    yield first, second, database
    stop_servers(first)
    stop_servers(second)
    actions.terminate()
    actions.wait(timeout=20)


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def user_texts(database: str, sender: str) -> list[str]:
    connection = _pg_connect(database)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (stored_sender(sender),))
        return [json.loads(data)["text"] for kind, data in cursor.fetchall() if kind == "user"]
    finally:
        connection.close()


def test_a_conversation_alternating_between_instances_keeps_its_state(cluster) -> None:
    first, second, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    assert text_of(first.say(sender, "Привіт!")).startswith("Вітаю!")
    assert "Де в Бельгії ви живете?" in text_of(second.say(sender, "Де знайти житло?"))
    assert "Житло у Фландрії:" in text_of(first.say(sender, "у Генті"))  # the pending question, from A
    assert "Робота у Фландрії:" in text_of(second.say(sender, "а де шукати роботу?"))  # language and region, on B
    assert user_texts(database, sender) == ["Привіт!", "Де знайти житло?", "у Генті", "а де шукати роботу?"]


def test_concurrent_messages_of_one_conversation_are_handled_in_turn(cluster) -> None:
    first, second, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    messages = [f"дякую {i}" for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda item: (first if item[0] % 2 else second).say(sender, item[1]), enumerate(messages)))
    assert all(replies)
    stored = user_texts(database, sender)
    assert sorted(stored) == sorted(messages), "a message was lost or stored twice"
    connection = _pg_connect(database)
    cursor = connection.cursor()
    cursor.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (stored_sender(sender),))
    kinds = [(kind, json.loads(data).get("name")) for kind, data in cursor.fetchall()]
    connection.close()
    # Each user message is followed by its own action and a return to listening before the next one.
    turns = [i for i, (kind, _) in enumerate(kinds) if kind == "user"]
    for here, nxt in zip(turns, turns[1:] + [len(kinds)]):
        between = [name for kind, name in kinds[here + 1 : nxt] if kind == "action"]
        assert len(between) >= 2 and between[-1] == "action_listen" and between[0] != "action_listen", between


def test_postgresql_and_redis_stopped_and_started(cluster) -> None:
    first, second, database = cluster
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    assert "4 maart 2027" in text_of(first.say(sender, "Tot wanneer loopt de tijdelijke bescherming?"))

    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "stop"], check=True, timeout=60)
    try:
        reply = text_of(second.say(sender, "Hoe vind ik werk?"))
        assert reply, "no reply while PostgreSQL is down"
    finally:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "start"], check=True, timeout=60)
        _wait(lambda: _pg_connect(database).close() is None)
    # Back: conversations are stored again (Rasa reconnects by itself).
    for _ in range(3):
        later = f"scale-{uuid.uuid4().hex[:8]}"
        if "4 March 2027" in text_of(first.say(later, "How long does temporary protection last?")) and user_texts(database, later):
            break
        time.sleep(2)
    else:
        pytest.fail("the service did not recover after PostgreSQL came back")

    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], timeout=30)
    try:
        reply = text_of(first.say(sender, "Waar kan ik Nederlands leren?"))
        assert reply, "no reply while Redis is down"
    finally:
        subprocess.run(REDIS_START, check=True, timeout=30)
        _wait(lambda: _redis().ping())
    assert "4 March 2027" in text_of(second.say(f"scale-{uuid.uuid4().hex[:8]}", "How long does temporary protection last?"))

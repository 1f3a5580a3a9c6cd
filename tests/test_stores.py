"""The tracker store (redaction, each event stored once without counting, one SQLite connection safe
across threads) and the atomic Redis lock store against a real (throwaway) Redis."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rasa.core.lock_store import RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores import AtomicRedisLockStore, RedactingSQLTrackerStore
from tests.throwaway import throwaway_redis  # noqa: F401 - fixture

DOMAIN = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}})


def _store(path: Path) -> RedactingSQLTrackerStore:
    return RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))


def _rows(path: Path, sender: str) -> list[tuple[str, dict]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_greet_user"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


async def _start(store: RedactingSQLTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return tracker


async def test_user_messages_are_stored_redacted(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    tracker = await _start(store, "s1")
    _turn(tracker, "bel me op +32 470 12 34 56 of olena.k@example.com")
    await store.save(tracker)
    stored = [data for kind, data in _rows(tmp_path / "rasa.db", "s1") if kind == "user"]
    assert stored[0]["text"] == "bel me op [phone] of [email]"
    assert stored[0]["parse_data"]["text"] == "bel me op [phone] of [email]"
    assert "470" not in json.dumps(_rows(tmp_path / "rasa.db", "s1"))


async def test_each_event_is_stored_once_turn_after_turn_without_counting(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    for i in range(5):
        tracker = await store.retrieve("s1")  # as Rasa does for every message
        _turn(tracker, f"message {i}")
        tracker.update(SlotSet("language", "uk"))
        await store.save(tracker)
    stored = _rows(tmp_path / "rasa.db", "s1")
    expected = [e.as_dict() for e in (await store.retrieve_full_tracker("s1")).events]
    assert [data for _kind, data in stored] == expected
    assert [d["text"] for k, d in stored if k == "user"] == [f"message {i}" for i in range(5)]
    # Counted once (the new conversation); every retrieved tracker saved without a count query.
    assert {k: store.stats[k] for k in ("known", "counted")} == {"known": 6, "counted": 1}
    # Read from the database for the new conversation and the turn after its session started; the
    # four turns after that from memory.
    assert {k: store.stats[k] for k in ("read", "cached")} == {"read": 2, "cached": 4}
    assert not hasattr(tracker, "_stored_events")  # nothing set on Rasa's tracker


async def test_a_tracker_the_store_did_not_hand_out_is_counted(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    retrieved = await store.retrieve("s1")
    # The same events in another object (as another process would rebuild them): not the one counted.
    copy = DialogueStateTracker.from_dict("s1", [e.as_dict() for e in retrieved.events], DOMAIN.slots)
    _turn(copy, "from elsewhere")
    stored_before = len(_rows(tmp_path / "rasa.db", "s1"))
    counted = store.stats["counted"]
    await store.save(copy)
    assert store.stats["counted"] == counted + 1
    assert [d["text"] for k, d in _rows(tmp_path / "rasa.db", "s1") if k == "user"] == ["from elsewhere"]
    assert len(_rows(tmp_path / "rasa.db", "s1")) == stored_before + 4


async def test_two_instances_alternating_on_one_conversation_store_everything_once(tmp_path: Path) -> None:
    """Two Rasa instances (two stores on one database) take turns in one conversation."""
    first, second = _store(tmp_path / "rasa.db"), _store(tmp_path / "rasa.db")
    await _start(first, "s1")
    for i in range(6):
        store = first if i % 2 else second
        tracker = await store.retrieve("s1")
        _turn(tracker, f"turn {i}")
        await store.save(tracker)
    rows = _rows(tmp_path / "rasa.db", "s1")
    assert [d["text"] for k, d in rows if k == "user"] == [f"turn {i}" for i in range(6)]
    assert len(rows) == 4 + 6 * 4  # the new conversation (listen, session start, listen) and 6 turns


async def test_a_forgotten_conversation_is_counted_again(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    store._stored.limit = 2
    for sender in ("a", "b", "c"):
        await _start(store, sender)
    trackers = {sender: await store.retrieve(sender) for sender in ("a", "b", "c")}
    for sender, tracker in trackers.items():  # "a" was forgotten when "c" came: counted as Rasa does
        _turn(tracker, f"hello from {sender}")
        await store.save(tracker)
    for sender in trackers:
        assert len(_rows(tmp_path / "rasa.db", sender)) == 8


def _rich_turn(tracker: DialogueStateTracker, text: str, i: int) -> None:
    """A turn as Rasa records it: the parse data, an action's replies with buttons, slots."""
    from rasa.shared.core.events import ActiveLoop, FollowupAction

    tracker.update(UserUttered(text, {"name": "ask", "confidence": 0.9},
                               [{"entity": "region", "value": "Gent", "start": 0, "end": 4}],
                               parse_data={"text": text, "intent": {"name": "ask", "confidence": 0.9},
                                           "intent_ranking": [{"name": "ask", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
                                           "entities": [{"entity": "region", "value": "Gent", "start": 0, "end": 4}],
                                           "metadata": {"language": "uk"}, "message_id": f"m{i}"},
                               input_channel="rest", message_id=f"m{i}", metadata={"language": "uk"}))
    tracker.update(ActionExecuted("action_answer", policy="RulePolicy", confidence=1.0))
    tracker.update(BotUttered(f"answer {i}", {"buttons": [{"title": "Yes", "payload": "/yes"}], "custom": None},
                              metadata={"utter_action": "x"}))
    tracker.update(SlotSet("language", "uk" if i % 2 else "nl"))
    if i % 3 == 0:
        tracker.update(FollowupAction("action_listen"))
        tracker.update(ActiveLoop(None))
    tracker.update(ActionExecuted("action_listen"))


async def test_a_tracker_kept_in_memory_is_the_one_the_database_gives_back(tmp_path: Path) -> None:
    """Turn after turn from memory: the tracker handed out is, state and events, what reading the
    database gives (the comparison is with a second store on the same file, which keeps nothing)."""
    from rasa.shared.core.trackers import EventVerbosity

    store = _store(tmp_path / "rasa.db")
    fresh = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"), tracker_cache_size=0)
    await _start(store, "s1")
    for i in range(12):
        tracker = await store.retrieve("s1")
        expected = await fresh.retrieve("s1")
        assert tracker.current_state(EventVerbosity.ALL) == expected.current_state(EventVerbosity.ALL), i
        assert [e.as_dict() for e in tracker.events] == [e.as_dict() for e in expected.events]
        assert tracker.past_states(store.domain) == expected.past_states(store.domain)
        assert tracker.get_slot("language") == expected.get_slot("language")
        _rich_turn(tracker, f"turn {i}", i)
        await store.save(tracker)
    assert store.stats["cached"] == 11 and fresh.stats["cached"] == 0
    assert len(_rows(tmp_path / "rasa.db", "s1")) == 4 + sum(7 if i % 3 == 0 else 5 for i in range(12))


async def test_a_tracker_is_handed_out_once(tmp_path: Path) -> None:
    """A second reader while a turn runs (or a turn that fails before saving) reads the database."""
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    tracker = await store.retrieve("s1")
    _turn(tracker, "saved")
    await store.save(tracker)
    running = await store.retrieve("s1")
    assert running is tracker  # from memory
    other = await store.retrieve("s1")
    assert other is not running and [e.as_dict() for e in other.events] == [e.as_dict() for e in running.events]
    _turn(running, "never saved")  # the turn fails before saving
    again = await store.retrieve("s1")
    assert again is not running
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["saved"]


async def test_a_tracker_changed_after_saving_is_read_again(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    tracker = await store.retrieve("s1")
    _turn(tracker, "saved")
    await store.save(tracker)
    _turn(tracker, "added after the save, never saved")
    again = await store.retrieve("s1")
    assert again is not tracker and [e.text for e in again.events if isinstance(e, UserUttered)] == ["saved"]


async def test_another_instance_writing_makes_the_tracker_read_again(tmp_path: Path) -> None:
    first, second = _store(tmp_path / "rasa.db"), _store(tmp_path / "rasa.db")
    await _start(first, "s1")
    for store in (first, first, second, first, first):
        tracker = await store.retrieve("s1")
        _turn(tracker, f"turn from {'first' if store is first else 'second'}")
        await store.save(tracker)
    tracker = await first.retrieve("s1")
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert texts == ["turn from first", "turn from first", "turn from second", "turn from first", "turn from first"]
    # first: the new conversation, the turn after its session started and the turn after second
    # wrote (the count differs) read the database; its other turns and this last retrieve, memory.
    assert first.stats["read"] == 3 and first.stats["cached"] == 3


async def test_deleted_rows_make_the_tracker_read_again(tmp_path: Path) -> None:
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    for i in range(2):
        tracker = await store.retrieve("s1")
        _turn(tracker, f"turn {i}")
        await store.save(tracker)
    with sqlite3.connect(tmp_path / "rasa.db") as db:  # e.g. a retention job or a deletion request
        db.execute("DELETE FROM events WHERE sender_id = 's1'")
    assert await store.retrieve("s1") is None


async def test_redacted_turns_are_not_kept_in_memory(tmp_path: Path) -> None:
    """Memory would hold the phone number the database does not: read back (redacted) instead."""
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    tracker = await store.retrieve("s1")
    _turn(tracker, "bel me op +32 470 12 34 56")
    await store.save(tracker)
    again = await store.retrieve("s1")
    assert again is not tracker
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["bel me op [phone]"]


async def test_the_cache_is_bounded_and_forgets_on_a_new_domain(tmp_path: Path) -> None:
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"), tracker_cache_size=3)
    for n in range(6):
        await _start(store, f"c{n}")
        tracker = await store.retrieve(f"c{n}")
        _turn(tracker, "hello")
        await store.save(tracker)
    assert len(store._cache) == 3
    store._cache.events = 12  # and by events: 6 in the others, 10 in this one after its second turn
    tracker = await store.retrieve("c5")
    _turn(tracker, "again")
    await store.save(tracker)
    assert len(store._cache) == 1 and store._cache._events == len(tracker.events)
    store.domain = DOMAIN  # a new model
    assert len(store._cache) == 0


async def test_the_cache_can_be_switched_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BOT_TRACKER_CACHE", "0")
    store = _store(tmp_path / "rasa.db")
    await _start(store, "s1")
    for i in range(3):
        tracker = await store.retrieve("s1")
        _turn(tracker, f"turn {i}")
        await store.save(tracker)
    assert store.stats["cached"] == 0 and len(store._cache) == 0


def test_one_sqlite_connection_is_safe_from_many_threads(tmp_path: Path) -> None:
    """Rasa uses the store from its event loop, but nothing stops another thread (a thread executor):
    the shared connection is used under a lock, so concurrent saves neither fail nor lose events."""
    store = _store(tmp_path / "rasa.db")
    assert store.engine.pool.__class__.__name__ == "StaticPool"

    def conversation(n: int) -> None:
        async def run() -> None:
            sender = f"thread-{n}"
            await _start(store, sender)
            for i in range(5):
                tracker = await store.retrieve(sender)
                _turn(tracker, f"{n}/{i}")
                await store.save(tracker)

        asyncio.run(run())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(conversation, range(16)))
    for n in range(16):
        rows = _rows(tmp_path / "rasa.db", f"thread-{n}")
        assert [d["text"] for k, d in rows if k == "user"] == [f"{n}/{i}" for i in range(5)]
    with sqlite3.connect(tmp_path / "rasa.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ------------------------------------------------------------------------------ Redis lock store


def _lock_store(redis, cls=AtomicRedisLockStore, prefix: str = ""):  # type: ignore[no-untyped-def]
    return cls(host=redis.host, port=redis.port, db=0, key_prefix=prefix or f"t{uuid.uuid4().hex[:8]}")


def test_the_lock_store_reads_rasas_endpoint_configuration(throwaway_redis) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", port=throwaway_redis.port, db=2, key_prefix="cfg",
                            type="bot.stores.AtomicRedisLockStore")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["port"] == throwaway_redis.port
    assert store.issue_ticket("c1") == 0


def test_tickets_issued_from_many_instances_at_once_are_all_distinct(throwaway_redis) -> None:
    """Eight "instances" issue tickets for one conversation at the same moment: every ticket is
    different and every one is in the stored lock (none overwritten by another instance)."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    stores = [_lock_store(throwaway_redis, prefix=prefix) for _ in range(8)]
    start = threading.Barrier(8)

    def issue(store: AtomicRedisLockStore) -> list[int]:
        start.wait()
        return [store.issue_ticket("conversation") for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = [t for batch in pool.map(issue, stores) for t in batch]
    assert len(tickets) == len(set(tickets)) == 200
    lock = stores[0].get_lock("conversation")
    assert lock is not None and {t.number for t in lock.tickets} == set(tickets)


async def test_instances_serve_one_conversation_strictly_in_turn(throwaway_redis) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    stores = [_lock_store(throwaway_redis, prefix=prefix) for _ in range(3)]
    inside: list[str] = []
    order: list[str] = []

    async def handle(store: AtomicRedisLockStore, name: str) -> None:
        async with store.lock("conversation", wait_time_in_seconds=0.01):
            inside.append(name)
            assert len(inside) == 1, f"{inside} hold the lock together"
            order.append(f"{name}:in")
            await asyncio.sleep(0)  # let the others try while this one holds the lock
            await asyncio.sleep(0.01)
            order.append(f"{name}:out")
            inside.remove(name)

    await asyncio.gather(*(handle(stores[i % 3], f"m{i}") for i in range(9)))
    assert len(order) == 18
    assert all(order[i].split(":")[0] == order[i + 1].split(":")[0] for i in range(0, 18, 2))
    assert stores[0].get_lock("conversation") is None  # cleaned up when nobody waits


def test_cleanup_keeps_a_lock_someone_waits_on(throwaway_redis) -> None:
    store = _lock_store(throwaway_redis)
    first = store.issue_ticket("c")
    second = store.issue_ticket("c")
    store.cleanup("c", first)
    lock = store.get_lock("c")
    assert lock is not None and [t.number for t in lock.tickets] == [second]
    store.finish_serving("c", second)
    assert store.get_lock("c") is None


def test_expired_tickets_are_removed(throwaway_redis) -> None:
    store = _lock_store(throwaway_redis)
    store.issue_ticket("c", lock_lifetime=-1)  # already expired
    store.issue_ticket("c")
    store.update_lock("c")
    assert len(store.get_lock("c").tickets) == 1
    store.update_lock("nobody")  # no lock: nothing happens
    assert store.get_lock("nobody") is None


def test_rasas_own_redis_lock_store_is_what_is_extended(throwaway_redis) -> None:
    """Contract: AtomicRedisLockStore replaces exactly Rasa's lock-changing methods."""
    import inspect

    for name in ("issue_ticket", "update_lock", "finish_serving", "cleanup", "get_lock", "save_lock", "delete_lock"):
        assert callable(getattr(RedisLockStore, name)), name
    assert list(inspect.signature(RedisLockStore.issue_ticket).parameters) == ["self", "conversation_id", "lock_lifetime"]
    assert list(inspect.signature(RedisLockStore.cleanup).parameters) == ["self", "conversation_id", "ticket_number"]
    prefix = f"t{uuid.uuid4().hex[:8]}"
    rasa_store = _lock_store(throwaway_redis, cls=RedisLockStore, prefix=prefix)
    ours = _lock_store(throwaway_redis, prefix=prefix)
    ticket = rasa_store.issue_ticket("shared")
    assert ours.get_lock("shared") is not None and ours.issue_ticket("shared") == ticket + 1  # same stored form

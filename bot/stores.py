"""Where conversations are kept: Rasa's SQL tracker store (SQLite by default, PostgreSQL in
production) with personal data removed from every user message before it is written, and Rasa's
Redis lock store with atomic updates for several instances.

Configured in endpoints.yml as `type: bot.stores.RedactingSQLTrackerStore` with the usual SQL
tracker store settings (dialect, url, port, db, username, password; optionally `tracker_cache_size`,
the number of conversations kept in memory between turns, 0 to keep none, and `tracker_cache_events`,
the number of their events), and
`type: bot.stores.AtomicRedisLockStore` with the usual Redis settings.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import threading
import weakref
from collections import OrderedDict
from functools import cached_property
from typing import Any, Callable, Iterator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.privacy import redact_event

logger = logging.getLogger(__name__)


class _StoredEvents:
    """How many events of a tracker object this store has read or written, per conversation.

    Kept in the store, keyed by sender id, with a weak reference to the tracker object it counted:
    a tracker saved is trusted only if it is that very object (Rasa saves the tracker it retrieved)
    and has at least that many events; anything else is counted in the database as Rasa does.
    Bounded: the least recently used conversations are forgotten first (and counted again).
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._known: "OrderedDict[str, tuple[weakref.ref, int, Optional[int]]]" = OrderedDict()

    def remember(self, tracker: DialogueStateTracker, total: Optional[int] = None) -> None:
        """`total`: how many rows the conversation has in the database (all sessions), if known."""
        self._known[tracker.sender_id] = (weakref.ref(tracker), len(tracker.events), total)
        self._known.move_to_end(tracker.sender_id)
        while len(self._known) > self.limit:
            self._known.popitem(last=False)

    def new_events(self, tracker: DialogueStateTracker) -> Optional[list]:
        """The tracker's events not yet stored, or None when this store cannot tell."""
        known = self._known.get(tracker.sender_id)
        if known is None:
            return None
        ref, count, _total = known
        if ref() is not tracker or len(tracker.events) < count:
            return None
        return list(itertools.islice(tracker.events, count, None))

    def stored_total(self, tracker: DialogueStateTracker) -> Optional[int]:
        """The conversation's rows in the database when this very tracker was read or saved."""
        known = self._known.get(tracker.sender_id)
        if known is None or known[0]() is not tracker:
            return None
        return known[2]

    def forget(self, sender_id: str) -> None:
        self._known.pop(sender_id, None)


class _TrackerCache:
    """Trackers kept in memory between turns, so a turn does not read and rebuild the conversation.

    An entry is (tracker, its number of events, the conversation's number of rows in the database)
    as of the last save. `take` hands a tracker out at most once (the entry leaves the cache): a
    second reader while a turn is running, or a turn that failed before saving, reads the database
    as Rasa does. Bounded by conversations and by events (least recently used forgotten first).
    """

    def __init__(self, conversations: int = 1000, events: int = 50_000) -> None:
        self.conversations = conversations
        self.events = events
        self._entries: "OrderedDict[str, tuple[DialogueStateTracker, int, int]]" = OrderedDict()
        self._events = 0
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, tracker: DialogueStateTracker, stored_rows: int) -> None:
        if self.conversations <= 0:
            return
        with self._guard:
            self._drop(tracker.sender_id)
            self._entries[tracker.sender_id] = (tracker, len(tracker.events), stored_rows)
            self._events += len(tracker.events)
            while self._entries and (len(self._entries) > self.conversations or self._events > self.events):
                self._drop(next(iter(self._entries)))

    def take(self, sender_id: str) -> Optional[tuple[DialogueStateTracker, int, int]]:
        with self._guard:
            entry = self._entries.get(sender_id)
            self._drop(sender_id)
            return entry

    def forget(self, sender_id: str) -> None:
        with self._guard:
            self._drop(sender_id)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
            self._events = 0

    def _drop(self, sender_id: str) -> None:
        entry = self._entries.pop(sender_id, None)
        if entry is not None:
            self._events -= entry[1]


def _cache_limits(kwargs: dict) -> tuple[int, int]:
    """(conversations, events) kept in memory: endpoints.yml's `tracker_cache_size` (default 1000)
    and `tracker_cache_events` (default 50,000: about 1 KB each, so some 50-100 MB at most);
    BOT_TRACKER_CACHE=0 keeps none (for before/after figures)."""
    size = kwargs.pop("tracker_cache_size", None)
    events = kwargs.pop("tracker_cache_events", None)
    if os.environ.get("BOT_TRACKER_CACHE") == "0":
        size = 0
    return 1000 if size is None else int(size), 50_000 if events is None else int(events)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores user messages with phone numbers, e-mail addresses, national
    register numbers, IBANs and document numbers replaced by labels.

    The store remembers, per conversation, how many events of the tracker it returned are already
    stored (`_StoredEvents`), so saving that tracker writes the new events without first counting the
    stored ones (a query per message otherwise); any other tracker is counted as Rasa does.

    Trackers are kept in memory between turns (`_TrackerCache`, at most 1000 conversations and 50,000
    events by default): a
    turn then costs one count query instead of reading and replaying the whole session, whatever its
    length. The conversation's number of rows in the database is the coherence check: when it is not
    the number this store last wrote (another instance wrote, or rows were deleted), or the tracker
    changed since it was saved, the tracker is read from the database as Rasa does. A tracker is not
    kept when its last turn started a session (the database's view of a session starts at its
    SessionStarted) or when redaction changed one of its new events (the memory would then hold what
    the database does not), so a kept tracker is the one the database would give back.
    With SQLite, one connection is kept open (SQLAlchemy 1.4 opens one per session otherwise), shared
    by every thread under a lock, and the database uses write-ahead logging with `synchronous=NORMAL`:
    a commit no longer waits for the disk twice; a crash of the process loses nothing, a power cut at
    most the last moments.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cache = _TrackerCache(*_cache_limits(kwargs))
        super().__init__(*args, **kwargs)
        self._stored = _StoredEvents()
        #: How many saves used the remembered count ("known") or counted in the database ("counted"),
        #: and how many retrieves were answered from memory ("cached") or read the database ("read").
        self.stats = {"known": 0, "counted": 0, "cached": 0, "read": 0}
        self._lock: Optional[threading.RLock] = None
        if self.engine.dialect.name == "sqlite":
            import sqlalchemy as sa
            from sqlalchemy.pool import StaticPool

            # One connection for the process (StaticPool), usable from any thread; session_scope
            # holds a lock, so only one session uses it at a time.
            engine = sa.create_engine(self.engine.url, poolclass=StaticPool, connect_args={"check_same_thread": False})

            @sa.event.listens_for(engine, "connect")
            def _sqlite_pragmas(connection: Any, _record: Any) -> None:
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

            self.engine.dispose()
            self.engine = engine
            self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)
            self._lock = threading.RLock()

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Any]:
        lock = getattr(self, "_lock", None)  # None while Rasa's __init__ runs, and for PostgreSQL
        if lock is None:
            with super().session_scope() as session:
                yield session
            return
        with lock, super().session_scope() as session:
            yield session

    @property  # type: ignore[override]
    def domain(self) -> Any:
        return self._domain

    @domain.setter
    def domain(self, domain: Any) -> None:
        # A new model's domain has other slots: trackers built with the old ones are not kept.
        from rasa.shared.core.domain import Domain

        self._domain = domain or Domain.empty()
        cache = getattr(self, "_cache", None)
        if cache is not None:
            cache.clear()

    def _caching(self) -> bool:
        return self._cache.conversations > 0 and self.max_event_history is None

    @cached_property
    def _count_statement(self) -> Any:
        """A conversation's stored rows, as one statement built once (the ORM's query().count()
        wraps a subquery and builds its cache key again on every turn)."""
        import sqlalchemy as sa

        table = self.SQLEvent.__table__
        return sa.select(sa.func.count()).select_from(table).where(table.c.sender_id == sa.bindparam("sender"))

    def _stored_rows(self, session: Any, sender_id: str) -> int:
        return int(session.execute(self._count_statement, {"sender": sender_id}).scalar_one())

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        total: Optional[int] = None
        if self._caching():
            entry = self._cache.take(sender_id)
            # Counted before reading: rows another instance adds meanwhile make the next check fail.
            with self.session_scope() as session:
                total = self._stored_rows(session, sender_id)
            if entry is not None:
                cached, length, stored_rows = entry
                if stored_rows == total and len(cached.events) == length:
                    self.stats["cached"] += 1
                    self._stored.remember(cached, total)
                    return cached
        self.stats["read"] += 1
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._stored.remember(tracker, total)
        else:
            self._stored.forget(sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Looked up before streaming: an event broker's stream reads the conversation back.
        known_events = self._stored.new_events(tracker)
        total = self._stored.stored_total(tracker) if known_events is not None else None
        self._cache.forget(tracker.sender_id)
        await self.stream_events(tracker)
        keep = self._caching()
        with self.session_scope() as session:
            events = known_events
            if events is None:
                self.stats["counted"] += 1
                events = list(self._additional_events(session, tracker))
            else:
                self.stats["known"] += 1
            rows = []
            for event in events:
                original = event.as_dict()
                data = redact_event(original)
                if keep and (data is not original and data != original or isinstance(event, SessionStarted)):
                    keep = False  # memory would differ from the database: read it back next turn
                intent = (data.get("parse_data") or {}).get("intent", {}) or {}
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": intent.get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                # One INSERT for the turn's events, without the ORM's per-object bookkeeping.
                session.execute(self.SQLEvent.__table__.insert(), rows)
            if keep:
                # Under the conversation's lock nobody else writes it: the rows are ours plus these.
                total = total + len(rows) if total is not None else self._stored_rows(session, tracker.sender_id)
            session.commit()
        self._stored.remember(tracker, total if keep else None)
        if keep and total is not None:
            self._cache.put(tracker, total)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with every change of a lock made atomically.

    Rasa 3.6 reads a conversation's lock, changes it and writes it back in separate Redis calls. With
    several Rasa instances, two instances handling messages of the same conversation at the same
    moment can overwrite each other's tickets (and delete a lock another instance waits on), so both
    go ahead and one turn's events are lost. Here each change is a Redis transaction (WATCH/MULTI,
    retried on conflict), so tickets are issued and served strictly in turn across instances.

    Configured in endpoints.yml as `lock_store: {type: bot.stores.AtomicRedisLockStore, url: ...}`.
    """

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        # Rasa passes a custom lock store its endpoint configuration.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Callable[[Optional[TicketLock]], tuple[str, Optional[TicketLock], Any]]) -> Any:
        """Apply `change` to the stored lock in one transaction; it returns (action, lock, value)
        where action is "set", "delete" or "keep"."""
        key = self.key_prefix + conversation_id
        result: dict[str, Any] = {}

        def apply(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            action, new_lock, value = change(lock)
            pipe.multi()
            if action == "set" and new_lock is not None:
                pipe.set(key, new_lock.dumps())
            elif action == "delete":
                pipe.delete(key)
            result["value"] = value

        self.red.transaction(apply, key)
        return result.get("value")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> tuple[str, Optional[TicketLock], Any]:
            lock = lock or self.create_lock(conversation_id)
            ticket = lock.issue_ticket(lock_lifetime)
            return "set", lock, ticket

        try:
            return int(self._change(conversation_id, change))
        except Exception as exc:  # noqa: BLE001 - Rasa expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: Optional[TicketLock]) -> tuple[str, Optional[TicketLock], Any]:
            if lock is None:
                return "keep", None, None
            lock.remove_expired_tickets()
            return "set", lock, None

        self._change(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket; delete the lock only if nobody else is waiting, in one step."""

        def change(lock: Optional[TicketLock]) -> tuple[str, Optional[TicketLock], Any]:
            if lock is None:
                return "keep", None, None
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                return "set", lock, None
            return "delete", None, None

        self._change(conversation_id, change)

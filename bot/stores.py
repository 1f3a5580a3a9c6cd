"""Where conversations are kept: Rasa's SQL tracker store (SQLite by default, PostgreSQL in
production) with personal data removed from every user message before it is written, and Rasa's
Redis lock store with atomic updates for several instances.

Configured in endpoints.yml as `type: bot.stores.RedactingSQLTrackerStore` with the usual SQL
tracker store settings (dialect, url, port, db, username, password), and
`type: bot.stores.AtomicRedisLockStore` with the usual Redis settings.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Iterator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
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
        self._known: "OrderedDict[str, tuple[weakref.ref, int]]" = OrderedDict()

    def remember(self, tracker: DialogueStateTracker) -> None:
        self._known[tracker.sender_id] = (weakref.ref(tracker), len(tracker.events))
        self._known.move_to_end(tracker.sender_id)
        while len(self._known) > self.limit:
            self._known.popitem(last=False)

    def new_events(self, tracker: DialogueStateTracker) -> Optional[list]:
        """The tracker's events not yet stored, or None when this store cannot tell."""
        known = self._known.get(tracker.sender_id)
        if known is None:
            return None
        ref, count = known
        if ref() is not tracker or len(tracker.events) < count:
            return None
        return list(itertools.islice(tracker.events, count, None))

    def forget(self, sender_id: str) -> None:
        self._known.pop(sender_id, None)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores user messages with phone numbers, e-mail addresses, national
    register numbers, IBANs and document numbers replaced by labels.

    The store remembers, per conversation, how many events of the tracker it returned are already
    stored (`_StoredEvents`), so saving that tracker writes the new events without first counting the
    stored ones (a query per message otherwise); any other tracker is counted as Rasa does.
    With SQLite, one connection is kept open (SQLAlchemy 1.4 opens one per session otherwise), shared
    by every thread under a lock, and the database uses write-ahead logging with `synchronous=NORMAL`:
    a commit no longer waits for the disk twice; a crash of the process loses nothing, a power cut at
    most the last moments.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored = _StoredEvents()
        #: How many saves used the remembered count ("known") or counted in the database ("counted").
        self.stats = {"known": 0, "counted": 0}
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

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._stored.remember(tracker)
        else:
            self._stored.forget(sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            events = self._stored.new_events(tracker)
            if events is None:
                self.stats["counted"] += 1
                events = list(self._additional_events(session, tracker))
            else:
                self.stats["known"] += 1
            rows = []
            for event in events:
                data = redact_event(event.as_dict())
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
            session.commit()
        self._stored.remember(tracker)


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

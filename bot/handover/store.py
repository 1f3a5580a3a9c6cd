"""Where hand-overs and feedback are kept: SQLAlchemy Core tables in the tracker store's database.

SQLite (`var/rasa.db`) by default, PostgreSQL in production: `TRACKER_DB_URL`, the same URL the staff
page reads, for every process (Rasa server, action server, staff page). The tables are created when
first used.

A hand-over goes through these states:

    collecting -- (outside office hours: the next message is the question left for staff) --> waiting
    waiting    -- a staff member takes it (one UPDATE ... WHERE status='waiting': nobody else can) --> active
    waiting/active -- handed back, closed, cancelled by the user or silent too long --> returned / closed

While `held`, the assistant says nothing: the user's messages go to the staff. A question left
outside office hours waits without holding the conversation (the assistant keeps answering) until a
staff member takes it. Every change is numbered in `handover_changes`, so the staff page learns about
it (Redis pub/sub when configured, else a cheap check of the last number).

Texts are stored with personal data removed. A staff reply keeps its original text only until it is
delivered (`pending_text`), so a web chat user who is away gets it exactly when they come back.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from bot.privacy import redact

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

OPEN_STATES = ("collecting", "waiting", "active")

metadata = sa.MetaData()

conversations = sa.Table(
    "handover_conversations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False, default="rest"),
    sa.Column("language", sa.String(8), nullable=False, default="uk"),
    sa.Column("region", sa.String(16)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("held", sa.Boolean, nullable=False, default=False),
    sa.Column("left_question", sa.Boolean, nullable=False, default=False),
    sa.Column("requested_at", sa.Float, nullable=False),
    sa.Column("taken_at", sa.Float),
    sa.Column("operator", sa.String(128)),
    sa.Column("last_activity", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float),
    sa.Column("ended_by", sa.String(128)),
    sa.Index("ix_handover_sender_status", "sender_id", "status"),
    sa.Index("ix_handover_status", "status", "requested_at"),
)

messages = sa.Table(
    "handover_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    #: "staff" (a reply) or "system" (the conversation went back to the assistant...).
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("operator", sa.String(128)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("pending_text", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float),
    #: When it was added to the conversation's tracker (once, whichever process delivers it).
    sa.Column("recorded_at", sa.Float),
    sa.Index("ix_handover_messages_pending", "sender_id", "delivered_at"),
)

changes = sa.Table(
    "handover_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Integer),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("operator", sa.String(128)),
    sa.Column("at", sa.Float, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("rating", sa.String(8), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("question", sa.Text, nullable=False, default=""),
    sa.Column("fact_ids", sa.Text, nullable=False, default="[]"),
    sa.Column("topic", sa.String(64)),
    sa.Column("language", sa.String(8)),
    sa.Column("region", sa.String(16)),
    sa.Column("channel", sa.String(32)),
    sa.Index("ix_feedback_created", "created_at"),
    sa.Index("ix_feedback_sender", "sender_id", "created_at"),
)


def default_db_url() -> str:
    """TRACKER_DB_URL, else the default SQLite tracker store (var/rasa.db)."""
    return os.environ.get("TRACKER_DB_URL") or f"sqlite:///{ROOT / 'var' / 'rasa.db'}"


def channel_of(sender_id: str, fallback: Optional[str] = None) -> str:
    """The channel a conversation lives on, from its sender id's prefix."""
    if sender_id.startswith("web-"):
        return "socketio"
    if sender_id.startswith("telegram-"):
        return "telegram"
    return fallback or "rest"


@dataclass(frozen=True)
class Handover:
    """One request for a person."""

    id: int
    sender_id: str
    channel: str
    language: str
    region: Optional[str]
    status: str
    held: bool
    left_question: bool
    requested_at: float
    taken_at: Optional[float]
    operator: Optional[str]
    last_activity: float
    ended_at: Optional[float] = None
    ended_by: Optional[str] = None

    @classmethod
    def from_row(cls, row: Any) -> "Handover":
        data = dict(row._mapping)
        data["held"] = bool(data["held"])
        data["left_question"] = bool(data["left_question"])
        return cls(**data)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "channel": self.channel,
            "language": self.language,
            "region": self.region,
            "status": self.status,
            "held": self.held,
            "left_question": self.left_question,
            "requested_at": self.requested_at,
            "taken_at": self.taken_at,
            "operator": self.operator,
            "last_activity": self.last_activity,
        }


@dataclass(frozen=True)
class StaffMessage:
    id: int
    conversation_id: int
    sender_id: str
    kind: str
    operator: Optional[str]
    text: str
    pending_text: Optional[str]
    created_at: float
    delivered_at: Optional[float]
    recorded_at: Optional[float] = None

    @classmethod
    def from_row(cls, row: Any) -> "StaffMessage":
        return cls(**dict(row._mapping))

    @property
    def deliverable_text(self) -> str:
        """The original text while it is waiting to be delivered, else the stored (redacted) one."""
        return self.pending_text if self.pending_text is not None else self.text


def _engine(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        # SQLAlchemy 1.4 opens a new connection for every use of a SQLite file (NullPool) and the
        # pragmas below ran on each: the hand-over check on every message cost 0.75 ms of CPU
        # (0.23 ms with kept connections; bench/RESULTS.md). Connections are kept instead.
        pooling = {} if in_memory else {"poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **pooling)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class HandoverStore:
    """Hand-overs, staff replies, change numbers and feedback in one SQL database."""

    def __init__(self, url: Optional[str] = None, publisher: Any = None) -> None:
        self.url = url or default_db_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(self.url)
        self._publisher = publisher
        self._ready = False
        self._ready_lock = threading.Lock()

    # -- set-up ------------------------------------------------------------------------------------

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            for attempt in (1, 2, 3):
                try:
                    metadata.create_all(self.engine, checkfirst=True)
                    break
                except sa.exc.SQLAlchemyError:
                    # Another process created the same tables at the same moment.
                    if attempt == 3:
                        raise
                    time.sleep(0.2 * attempt)
            self._ready = True

    def connect(self) -> Any:
        self._ensure()
        return self.engine.begin()

    def dispose(self) -> None:
        self.engine.dispose()

    def _change(self, connection: Any, conversation_id: Optional[int], kind: str, operator: Optional[str] = None) -> None:
        connection.execute(
            changes.insert().values(conversation_id=conversation_id, kind=kind, operator=operator, at=time.time())
        )

    def _published(self) -> None:
        if self._publisher is None:
            from bot.handover.notify import default_publisher

            self._publisher = default_publisher()
        self._publisher.publish()

    # -- reading ---------------------------------------------------------------------------------

    def open_for(self, sender_id: str) -> Optional[Handover]:
        """The sender's open hand-over (collecting, waiting or active), if any: one indexed query."""
        self._ensure()
        with self.engine.connect() as connection:
            row = connection.execute(
                conversations.select()
                .where(conversations.c.sender_id == sender_id, conversations.c.status.in_(OPEN_STATES))
                .order_by(conversations.c.id.desc())
                .limit(1)
            ).first()
        return Handover.from_row(row) if row is not None else None

    def get(self, handover_id: int) -> Optional[Handover]:
        self._ensure()
        with self.engine.connect() as connection:
            row = connection.execute(conversations.select().where(conversations.c.id == handover_id)).first()
        return Handover.from_row(row) if row is not None else None

    def waiting_count(self) -> int:
        """How many conversations wait for a staff member now (left questions included)."""
        self._ensure()
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(conversations).where(conversations.c.status == "waiting")
                ).scalar()
                or 0
            )

    def inbox(self, operator: Optional[str] = None) -> list[Handover]:
        """Waiting conversations (oldest first), then the active ones (oldest first)."""
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                conversations.select()
                .where(conversations.c.status.in_(("waiting", "active")))
                .order_by(conversations.c.requested_at, conversations.c.id)
            ).fetchall()
        found = [Handover.from_row(r) for r in rows]
        return [h for h in found if h.status == "waiting"] + [h for h in found if h.status == "active"]

    def version(self) -> int:
        """The number of the latest change (0 when nothing happened yet)."""
        self._ensure()
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.max(changes.c.id))).scalar() or 0)

    def messages_for(self, handover_id: int) -> list[StaffMessage]:
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                messages.select().where(messages.c.conversation_id == handover_id).order_by(messages.c.id)
            ).fetchall()
        return [StaffMessage.from_row(r) for r in rows]

    def message(self, message_id: int) -> Optional[StaffMessage]:
        self._ensure()
        with self.engine.connect() as connection:
            row = connection.execute(messages.select().where(messages.c.id == message_id)).first()
        return StaffMessage.from_row(row) if row is not None else None

    def pending_for(self, sender_id: str) -> list[StaffMessage]:
        """Messages for a user that have not reached them yet, oldest first."""
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                messages.select()
                .where(messages.c.sender_id == sender_id, messages.c.delivered_at.is_(None))
                .order_by(messages.c.id)
            ).fetchall()
        return [StaffMessage.from_row(r) for r in rows]

    def undelivered(self, channel_prefix: str, older_than: float) -> list[StaffMessage]:
        """Messages to channels that are pushed to (Telegram) that could not be delivered yet."""
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                messages.select()
                .where(
                    messages.c.delivered_at.is_(None),
                    messages.c.sender_id.like(channel_prefix + "%"),
                    messages.c.created_at < older_than,
                )
                .order_by(messages.c.id)
                .limit(100)
            ).fetchall()
        return [StaffMessage.from_row(r) for r in rows]

    # -- the user's side ---------------------------------------------------------------------------

    def request(
        self,
        sender_id: str,
        channel: str,
        language: str,
        region: Optional[str],
        open_now: bool,
        now: Optional[float] = None,
    ) -> tuple[Handover, bool]:
        """Ask for a person. Returns the hand-over and whether it is new (False: already asked)."""
        now = now or time.time()
        existing = self.open_for(sender_id)
        if existing is not None:
            if existing.status == "waiting" and open_now and not existing.held:
                # A question left outside office hours, asked again now that staff are here: hold.
                with self.connect() as connection:
                    connection.execute(
                        conversations.update()
                        .where(conversations.c.id == existing.id, conversations.c.status == "waiting")
                        .values(held=True, last_activity=now, language=language, region=region)
                    )
                    self._change(connection, existing.id, "requested")
                self._published()
                return self.get(existing.id) or existing, False
            return existing, False
        values = dict(
            sender_id=sender_id,
            channel=channel,
            language=language,
            region=region,
            status="waiting" if open_now else "collecting",
            held=bool(open_now),
            left_question=False,
            requested_at=now,
            last_activity=now,
        )
        with self.connect() as connection:
            result = connection.execute(conversations.insert().values(**values))
            handover_id = int(result.inserted_primary_key[0])
            self._change(connection, handover_id, "requested")
        self._published()
        return Handover(id=handover_id, taken_at=None, operator=None, **values), True  # type: ignore[arg-type]

    def leave_question(self, handover_id: int, now: Optional[float] = None) -> bool:
        """Outside office hours: the user's question is in; it waits for staff (the bot answers again)."""
        now = now or time.time()
        with self.connect() as connection:
            done = connection.execute(
                conversations.update()
                .where(conversations.c.id == handover_id, conversations.c.status == "collecting")
                .values(status="waiting", left_question=True, held=False, last_activity=now)
            ).rowcount
            if done:
                self._change(connection, handover_id, "question_left")
        if done:
            self._published()
        return bool(done)

    def user_message(self, handover_id: int, now: Optional[float] = None) -> None:
        """The user wrote in a held conversation: staff are told, the silence clock starts again."""
        now = now or time.time()
        with self.connect() as connection:
            connection.execute(
                conversations.update().where(conversations.c.id == handover_id).values(last_activity=now)
            )
            self._change(connection, handover_id, "user_message")
        self._published()

    # -- the staff's side --------------------------------------------------------------------------

    def take(self, handover_id: int, operator: str, now: Optional[float] = None) -> bool:
        """Take a waiting conversation. Atomic: of two staff members taking it, exactly one succeeds."""
        now = now or time.time()
        with self.connect() as connection:
            done = connection.execute(
                conversations.update()
                .where(conversations.c.id == handover_id, conversations.c.status == "waiting")
                .values(status="active", held=True, operator=operator, taken_at=now, last_activity=now)
            ).rowcount
            if done:
                self._change(connection, handover_id, "taken", operator)
        if done:
            self._published()
        return bool(done)

    def add_message(
        self, handover: Handover, kind: str, text: str, operator: Optional[str] = None, now: Optional[float] = None
    ) -> StaffMessage:
        """Store a message for the user (redacted), keeping its original until it is delivered."""
        now = now or time.time()
        values = dict(
            conversation_id=handover.id,
            sender_id=handover.sender_id,
            kind=kind,
            operator=operator,
            text=redact(text),
            pending_text=text,
            created_at=now,
            delivered_at=None,
        )
        with self.connect() as connection:
            result = connection.execute(messages.insert().values(**values))
            message_id = int(result.inserted_primary_key[0])
            if kind == "staff":
                connection.execute(
                    conversations.update().where(conversations.c.id == handover.id).values(last_activity=now)
                )
            self._change(connection, handover.id, f"{kind}_message", operator)
        self._published()
        return StaffMessage(id=message_id, **values)  # type: ignore[arg-type]

    def claim_recording(self, message_id: int) -> bool:
        """True for the one caller that adds this message to the tracker (others see False)."""
        with self.connect() as connection:
            return bool(
                connection.execute(
                    messages.update()
                    .where(messages.c.id == message_id, messages.c.recorded_at.is_(None))
                    .values(recorded_at=time.time())
                ).rowcount
            )

    def delivered(self, message_id: int, sender_id: Optional[str] = None, now: Optional[float] = None) -> bool:
        """The message reached the user: forget its original text."""
        condition = [messages.c.id == message_id, messages.c.delivered_at.is_(None)]
        if sender_id is not None:
            condition.append(messages.c.sender_id == sender_id)
        with self.connect() as connection:
            done = connection.execute(
                messages.update().where(*condition).values(delivered_at=now or time.time(), pending_text=None)
            ).rowcount
        return bool(done)

    def end(
        self,
        handover_id: int,
        status: str,
        by: str,
        only_from: Iterable[str] = OPEN_STATES,
        silent_since: Optional[float] = None,
        now: Optional[float] = None,
    ) -> Optional[Handover]:
        """Hand back ("returned") or close ("closed"); returns the hand-over as it was, or None when it
        had already ended (or, with `silent_since`, when someone spoke since)."""
        assert status in ("returned", "closed")
        now = now or time.time()
        before = self.get(handover_id)
        condition = [conversations.c.id == handover_id, conversations.c.status.in_(tuple(only_from))]
        if silent_since is not None:
            condition.append(conversations.c.last_activity <= silent_since)
        with self.connect() as connection:
            done = connection.execute(
                conversations.update()
                .where(*condition)
                .values(status=status, held=False, ended_at=now, ended_by=by[:128])
            ).rowcount
            if done:
                self._change(connection, handover_id, status, by[:128])
        if not done:
            return None
        self._published()
        return before

    def unhold(self, handover_id: int, silent_since: float, now: Optional[float] = None) -> Optional[Handover]:
        """Nobody took a waiting conversation in time: the assistant answers again, and the request
        stays in the inbox as a question left for staff. None if someone spoke or took it since."""
        before = self.get(handover_id)
        with self.connect() as connection:
            done = connection.execute(
                conversations.update()
                .where(
                    conversations.c.id == handover_id,
                    conversations.c.status == "waiting",
                    conversations.c.held.is_(True),
                    conversations.c.last_activity <= silent_since,
                )
                .values(held=False, left_question=True, last_activity=now or time.time())
            ).rowcount
            if done:
                self._change(connection, handover_id, "unheld", "timeout")
        if not done:
            return None
        self._published()
        return before

    def silent(self, cutoff: float) -> list[Handover]:
        """Held conversations nobody wrote in since `cutoff`."""
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                conversations.select().where(
                    conversations.c.status.in_(("waiting", "active", "collecting")),
                    conversations.c.last_activity <= cutoff,
                    sa.or_(conversations.c.held.is_(True), conversations.c.status == "collecting"),
                )
            ).fetchall()
        return [Handover.from_row(r) for r in rows]

    # -- feedback ----------------------------------------------------------------------------------

    def add_feedback(
        self,
        sender_id: str,
        rating: str,
        question: str,
        fact_ids: Iterable[str],
        topic: Optional[str],
        language: Optional[str],
        region: Optional[str],
        channel: Optional[str],
        now: Optional[float] = None,
    ) -> int:
        assert rating in ("up", "down")
        with self.connect() as connection:
            result = connection.execute(
                feedback.insert().values(
                    sender_id=sender_id,
                    created_at=now or time.time(),
                    rating=rating,
                    comment=None,
                    question=redact(question or "")[:1000],
                    fact_ids=json.dumps(list(fact_ids)),
                    topic=topic,
                    language=language,
                    region=region,
                    channel=channel,
                )
            )
            return int(result.inserted_primary_key[0])

    def add_comment(self, sender_id: str, comment: str, within: float = 24 * 3600, now: Optional[float] = None) -> bool:
        """Attach a comment to the sender's latest 👎 of the last day; False when there is none."""
        now = now or time.time()
        self._ensure()
        with self.connect() as connection:
            row = connection.execute(
                sa.select(feedback.c.id)
                .where(feedback.c.sender_id == sender_id, feedback.c.rating == "down", feedback.c.created_at >= now - within)
                .order_by(feedback.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return False
            connection.execute(
                feedback.update().where(feedback.c.id == row[0]).values(comment=redact(comment)[:2000])
            )
        return True

    def feedback_rows(self, since: float) -> list[dict]:
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(
                feedback.select().where(feedback.c.created_at >= since).order_by(feedback.c.id)
            ).fetchall()
        out = []
        for row in rows:
            data = dict(row._mapping)
            try:
                data["fact_ids"] = [str(f) for f in json.loads(data["fact_ids"] or "[]")]
            except (TypeError, ValueError):
                data["fact_ids"] = []
            out.append(data)
        return out


def forget(connection: Any, senders: list[str], cutoff: float) -> None:
    """Retention (bot/tools/retention.py): delete the hand-overs and staff replies of conversations
    being deleted, and feedback older than the cut-off; in the caller's transaction."""
    inspector = sa.inspect(connection)
    for start in range(0, len(senders), 500):
        batch = senders[start : start + 500]
        if inspector.has_table("handover_messages"):
            connection.execute(messages.delete().where(messages.c.sender_id.in_(batch)))
        if inspector.has_table("handover_conversations"):
            connection.execute(
                conversations.delete().where(
                    conversations.c.sender_id.in_(batch), conversations.c.status.notin_(OPEN_STATES)
                )
            )
    if inspector.has_table("feedback"):
        connection.execute(feedback.delete().where(feedback.c.created_at < cutoff))


_stores: dict[str, HandoverStore] = {}
_stores_lock = threading.Lock()


def default_store() -> HandoverStore:
    """The process-wide store for the configured database (created lazily)."""
    url = default_db_url()
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = HandoverStore(url)
        return store

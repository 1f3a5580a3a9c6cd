"""What people asked that the assistant could not answer: messages that fell to the fallback,
grouped and counted, with personal data removed.

Reads the tracker store's `events` table (Rasa's SQL tracker store: SQLite by default, PostgreSQL in
production). Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

from bot.privacy import redact

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
_PUNCTUATION = re.compile(r"[^\w\[\]]+", re.UNICODE)


@dataclass
class MissedQuestion:
    """One group of similar messages."""

    text: str
    count: int
    conversations: int
    last_seen: Optional[dt.datetime]
    examples: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.casefold()).strip()


def group_missed(rows: Iterable[tuple[str, str, float]], limit: int = 50) -> list[MissedQuestion]:
    """Group (sender, text, timestamp) rows by their normalised, redacted text, most frequent first."""
    counts: Counter = Counter()
    senders: dict[str, set] = defaultdict(set)
    last: dict[str, float] = {}
    examples: dict[str, list[str]] = defaultdict(list)
    for sender, text, timestamp in rows:
        clean = redact(text or "").strip()
        key = _key(clean)
        if not key or key.startswith("/"):
            continue
        counts[key] += 1
        senders[key].add(sender)
        last[key] = max(last.get(key, 0.0), timestamp or 0.0)
        if clean not in examples[key] and len(examples[key]) < 3:
            examples[key].append(clean[:300])
    groups = [
        MissedQuestion(
            text=examples[key][0],
            count=count,
            conversations=len(senders[key]),
            last_seen=dt.datetime.fromtimestamp(last[key], dt.timezone.utc) if last.get(key) else None,
            examples=examples[key],
        )
        for key, count in counts.most_common(limit)
    ]
    return groups


def missed_questions(db_url: str, days: Optional[int] = None, limit: int = 50) -> list[MissedQuestion]:
    """The report from a tracker store given as an SQLAlchemy URL (e.g. sqlite:///var/rasa.db)."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    query = (
        "SELECT sender_id, data, timestamp FROM events "
        "WHERE type_name = 'user' AND intent_name IN ('nlu_fallback', 'out_of_scope')"
    )
    params: dict = {}
    if days is not None:
        query += " AND timestamp >= :since"
        params["since"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).timestamp()
    rows = []
    try:
        with engine.connect() as connection:
            for sender, data, timestamp in connection.execute(sa.text(query), params):
                try:
                    text = json.loads(data).get("text") or ""
                except (TypeError, ValueError):
                    continue
                rows.append((sender, text, timestamp))
    finally:
        engine.dispose()
    return group_missed(rows, limit)

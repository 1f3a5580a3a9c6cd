"""A conversation's transcript for the staff, read from the tracker store's `events` table (texts as
stored: personal data removed). Who said what: the user, the assistant, a staff member (by name) or
a notice of the hand-over."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def transcript(engine: sa.engine.Engine, sender_id: str, limit: int = 300) -> list[dict]:
    """The latest `limit` user and bot messages of a conversation, oldest first."""
    query = sa.text(
        "SELECT type_name, timestamp, data FROM events WHERE sender_id = :sender "
        "AND type_name IN ('user', 'bot') ORDER BY id DESC LIMIT :limit"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"sender": sender_id, "limit": limit}).fetchall()
    except sa.exc.SQLAlchemyError:
        return []  # no tracker store in this database (yet)
    out = []
    for type_name, timestamp, data in reversed(rows):
        try:
            event: dict[str, Any] = json.loads(data)
        except (TypeError, ValueError):
            continue
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        if type_name == "user":
            who, name = "user", None
        elif metadata.get("kind") == "staff":
            who, name = "staff", metadata.get("operator")
        elif metadata.get("handover"):
            who, name = "notice", None
        else:
            who, name = "assistant", None
        out.append({"who": who, "name": name, "text": text, "time": timestamp})
    return out


def last_user_text(engine: sa.engine.Engine, sender_id: str) -> str:
    for entry in reversed(transcript(engine, sender_id, limit=20)):
        if entry["who"] == "user" and not entry["text"].startswith("/"):
            return entry["text"]
    return ""

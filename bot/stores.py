"""The tracker store: Rasa's SQL store (SQLite by default, PostgreSQL in production) with personal
data removed from every user message before it is written.

Configured in endpoints.yml as `type: bot.stores.RedactingSQLTrackerStore` with the usual SQL
tracker store settings (dialect, url, port, db, username, password).
"""

from __future__ import annotations

import json
import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.privacy import redact_event

logger = logging.getLogger(__name__)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores user messages with phone numbers, e-mail addresses, national
    register numbers, IBANs and document numbers replaced by labels."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                intent = (data.get("parse_data") or {}).get("intent", {}) or {}
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent.get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

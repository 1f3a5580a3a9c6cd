"""The user asks for a person: the conversation enters the staff inbox (within office hours) or the
user may leave a question (outside them). Called by `actions/handover.py`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from bot.dialogue import Assistant, Outcome, Turn
from bot.handover import messages
from bot.handover.hours import OfficeHours, office_hours
from bot.handover.store import HandoverStore, channel_of, default_store

logger = logging.getLogger(__name__)


def request_human(
    assistant: Assistant,
    turn: Turn,
    sender_id: str,
    channel: Optional[str] = None,
    store: Optional[HandoverStore] = None,
    hours: Optional[OfficeHours] = None,
    now: Optional[dt.datetime] = None,
) -> Outcome:
    """Put the conversation in the staff inbox, or tell the user honestly when staff are back."""
    outcome = Outcome()
    lang, _place = assistant._context(turn, outcome)
    region, _province = assistant._region(turn, outcome)
    store = store or default_store()
    hours = hours or office_hours()
    now = now or dt.datetime.now(dt.timezone.utc)
    open_now = hours.is_open(now)
    handover, new = store.request(
        sender_id, channel_of(sender_id, channel), lang, region, open_now, now=now.timestamp()
    )
    if not new:
        if handover.status == "collecting":
            try:
                kb = assistant.knowledge.get()
            except Exception:  # noqa: BLE001 - the help lines are a bonus; the reply goes out anyway
                kb = None
            outcome.replies.append(messages.closed(lang, hours, now, kb, region))
        elif handover.held:
            outcome.replies.append(messages.already_waiting(lang))
        else:
            outcome.replies.append(messages.already_left(lang))
        return outcome
    if open_now:
        ahead = max(0, store.waiting_count() - 1)
        outcome.replies.append(messages.queued(lang, ahead))
        logger.info("handover.requested id=%s channel=%s", handover.id, handover.channel)
        return outcome
    try:
        kb = assistant.knowledge.get()
    except Exception:  # noqa: BLE001
        kb = None
    outcome.replies.append(messages.closed(lang, hours, now, kb, region))
    logger.info("handover.requested_closed id=%s channel=%s", handover.id, handover.channel)
    return outcome

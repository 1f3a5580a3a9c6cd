"""The hand-over in the Rasa server process: the gate the channels call before Rasa, and delivery of
staff replies to the user through the channel of their conversation.

- `intercept(app, message)`: called by each channel for every user message, before Rasa. One indexed
  query. When a person has the conversation (or it waits for one), the message is stored in the
  conversation's tracker for the staff and Rasa is not called: the assistant says nothing. Outside
  office hours, the message after the request is the question left for staff. The "continue with
  the assistant" button ends the wait. A conversation silent for too long goes back to the
  assistant first (and the user is told).
- `deliver(message_id)`: a staff reply (or a notice such as "handed back") to the user: the web chat
  over socket.io (through Redis to whichever instance holds the socket, when `REDIS_URL` is set) or
  Telegram's Bot API; the event is added to the tracker with the operator's name, its text redacted
  as everything stored. A web chat user who is away gets it when their signed session comes back
  (`replay`), and the widget acknowledges each one (`acknowledge`).
- `sweep()`: every few seconds, conversations silent for longer than the configured time go back to
  the assistant, and Telegram messages that could not be sent are tried again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import time
from typing import Any, Callable, Optional, TypeVar

from bot.handover import messages
from bot.handover.hours import office_hours
from bot.handover.store import Handover, HandoverStore, StaffMessage, default_store
from bot.payloads import HANDOVER_CANCEL
from bot.privacy import redact

logger = logging.getLogger(__name__)

T = TypeVar("T")

WEB_PREFIX = "web-"
TELEGRAM_PREFIX = "telegram-"


async def _blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a database call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


class HandoverGate:
    """The channels' side of the hand-over (one per Rasa server process)."""

    def __init__(self, store: Optional[HandoverStore] = None) -> None:
        self._store = store
        self.app: Any = None
        self.sio: Any = None
        self.bot_message_evt = "bot_uttered"
        self.telegram: Any = None
        self._sweeper: Optional[asyncio.Task] = None

    @property
    def store(self) -> HandoverStore:
        if self._store is None:
            self._store = default_store()
        return self._store

    # -- registration by the channels --------------------------------------------------------------

    def register_socketio(self, sio: Any, bot_message_evt: str = "bot_uttered") -> None:
        self.sio, self.bot_message_evt = sio, bot_message_evt

    def register_telegram(self, api: Any) -> None:
        self.telegram = api

    def register_app(self, app: Any) -> None:
        if app is not None:
            self.app = app

    # -- the gate ------------------------------------------------------------------------------------

    async def intercept(self, app: Any, message: Any) -> bool:
        """True when the message was handled here and must not reach Rasa."""
        self.register_app(app)
        sender = message.sender_id
        text = (message.text or "").strip()
        try:
            handover = await _blocking(self.store.open_for, sender)
        except Exception:  # noqa: BLE001 - the hand-over must never stop the assistant from answering
            logger.exception("handover.gate.unavailable")
            return False
        if text == HANDOVER_CANCEL:
            lang = handover.language if handover else await _language(app, message)
            if handover is not None:
                await _blocking(self.store.end, handover.id, "returned", "user")
            await _say(message, messages.cancelled(lang))
            await self._record(sender, user_text=text, bot_text=messages.cancelled(lang), message=message)
            return True
        if handover is None:
            return False
        hours = office_hours()
        if handover.status == "collecting":
            if text.startswith("/"):
                # A button or command instead of a question: the user chose something else.
                await _blocking(self.store.end, handover.id, "returned", "user", ("collecting",))
                return False
            await _blocking(self.store.leave_question, handover.id)
            reply = messages.question_saved(handover.language, hours, dt.datetime.now(dt.timezone.utc))
            await _say(message, reply)
            await self._record(sender, user_text=text, bot_text=reply, message=message)
            return True
        if not handover.held:
            return False
        if time.time() - handover.last_activity > hours.silence_timeout:
            # Silent for too long: back to the assistant (the user is told), which answers this message.
            await self.expire(handover, time.time() - hours.silence_timeout)
            return False
        await self._record(sender, user_text=text, message=message)
        await _blocking(self.store.user_message, handover.id)
        if sender.startswith(WEB_PREFIX) and self.sio is not None:
            # The web chat stops showing "the assistant is answering…": this went to the staff.
            await self.sio.emit("handover_held", {}, room=sender)
        return True

    async def _record(
        self, sender: str, user_text: Optional[str] = None, bot_text: Optional[str] = None, message: Any = None,
        bot_metadata: Optional[dict] = None,
    ) -> None:
        """Add the user's message (and a reply) to the conversation's tracker without running Rasa."""
        from rasa.shared.core.events import BotUttered, UserUttered

        events = []
        if user_text is not None:
            metadata = dict(getattr(message, "metadata", None) or {})
            metadata["handover"] = True
            events.append(
                UserUttered(
                    user_text,
                    intent={"name": None, "confidence": 0.0},
                    parse_data={"text": user_text, "intent": {"name": None, "confidence": 0.0}, "entities": []},
                    input_channel=getattr(message, "input_channel", None),
                    message_id=getattr(message, "message_id", None),
                    metadata=metadata,
                )
            )
        if bot_text is not None:
            events.append(BotUttered(redact(bot_text), metadata=bot_metadata or {"handover": True}))
        await self.append_events(sender, events)

    async def append_events(self, sender: str, events: list) -> None:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None or not events:
            return
        lock_store = getattr(agent, "lock_store", None)
        try:
            if lock_store is not None:
                async with lock_store.lock(sender, wait_time_in_seconds=0.05):
                    await self._append(store, sender, events)
            else:
                await self._append(store, sender, events)
        except Exception:  # noqa: BLE001 - logged; the message itself was handled
            logger.exception("handover.tracker.append_failed sender=%s", sender)

    @staticmethod
    async def _append(store: Any, sender: str, events: list) -> None:
        tracker = await store.get_or_create_tracker(sender)
        for event in events:
            tracker.update(event)
        await store.save(tracker)

    # -- delivery ------------------------------------------------------------------------------------

    async def deliver(self, message_id: int) -> dict:
        """Send a stored staff reply or notice to the user; add it to the tracker (once)."""
        found = await _blocking(self.store.message, message_id)
        if found is None:
            return {"delivered": False, "error": "no such message"}
        await self._record_message(found)
        if found.delivered_at is not None:
            return {"delivered": True}
        return await self._send(found)

    async def _record_message(self, found: StaffMessage) -> None:
        """The staff reply or notice as a bot event of the conversation, with the operator's name."""
        if found.recorded_at is not None or self.app is None:
            return
        if not await _blocking(self.store.claim_recording, found.id):
            return  # another process (or an earlier call) recorded it
        from rasa.shared.core.events import BotUttered

        metadata: dict = {"handover": found.conversation_id, "kind": found.kind}
        if found.operator:
            metadata["operator"] = found.operator
        await self.append_events(found.sender_id, [BotUttered(found.text, metadata=metadata)])

    async def _send(self, found: StaffMessage) -> dict:
        sender = found.sender_id
        if sender.startswith(WEB_PREFIX):
            if self.sio is None:
                return {"delivered": False, "error": "the web chat channel is not running here"}
            await self.sio.emit(self.bot_message_evt, web_payload(found), room=sender)
            # Acknowledged by the widget (`acknowledge`); a user who is away gets it on their return.
            return {"delivered": False, "sent": True}
        if sender.startswith(TELEGRAM_PREFIX):
            if self.telegram is None:
                return {"delivered": False, "error": "telegram is not configured"}
            text = found.deliverable_text
            if found.kind == "staff" and found.operator:
                handover = await _blocking(self.store.get, found.conversation_id)
                lang = handover.language if handover else "uk"
                text = messages.staff_heading(lang, found.operator) + "\n" + text
            try:
                await self.telegram.send_message(_telegram_chat(sender), text)
            except Exception as exc:  # noqa: BLE001 - kept; tried again by the sweeper
                logger.warning("handover.telegram.failed message=%s: %s", found.id, exc)
                return {"delivered": False, "error": "telegram refused or is unreachable; it will be tried again"}
            await _blocking(self.store.delivered, found.id)
            return {"delivered": True}
        return {"delivered": False, "error": "this channel cannot receive messages from staff"}

    async def replay(self, sid: str, sender: str) -> None:
        """A web chat session came back: send what staff wrote while the user was away."""
        if self.sio is None:
            return
        try:
            pending = await _blocking(self.store.pending_for, sender)
        except Exception:  # noqa: BLE001
            logger.exception("handover.replay.failed")
            return
        for found in pending:
            await self._record_message(found)
            await self.sio.emit(self.bot_message_evt, web_payload(found), room=sid)

    async def acknowledge(self, sender: str, message_id: Any) -> bool:
        """The widget showed a staff message: its original text is no longer kept."""
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            return False
        try:
            return await _blocking(self.store.delivered, message_id, sender)
        except Exception:  # noqa: BLE001
            logger.exception("handover.ack.failed")
            return False

    # -- silence -------------------------------------------------------------------------------------

    async def expire(self, handover: Handover, cutoff: float) -> bool:
        """Send a silent conversation back to the assistant and tell the user; False if someone
        spoke, took or ended it meanwhile (another instance, for example)."""
        if handover.status == "collecting":
            return bool(await _blocking(self.store.end, handover.id, "returned", "timeout", ("collecting",), cutoff))
        if handover.status == "waiting":
            done = await _blocking(self.store.unhold, handover.id, cutoff)
            taken = False
        else:
            done = await _blocking(self.store.end, handover.id, "returned", "timeout", ("active",), cutoff)
            taken = True
        if not done:
            return False
        notice = await _blocking(self.store.add_message, handover, "system", messages.timed_out(handover.language, taken))
        await self.deliver(notice.id)
        return True

    async def sweep(self) -> None:
        hours = office_hours()
        now = time.time()
        for handover in await _blocking(self.store.silent, now - hours.silence_timeout):
            try:
                await self.expire(handover, now - hours.silence_timeout)
            except Exception:  # noqa: BLE001
                logger.exception("handover.sweep.failed id=%s", handover.id)
        if self.telegram is not None:
            for found in await _blocking(self.store.undelivered, TELEGRAM_PREFIX, now - 30):
                await self.deliver(found.id)

    def start_sweeper(self, interval: Optional[float] = None) -> None:
        if self._sweeper is not None:
            return
        every = interval or float(os.environ.get("HANDOVER_SWEEP_SECONDS", "15"))

        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.sweep()
                except Exception:  # noqa: BLE001 - the database may be restarting
                    logger.warning("handover.sweep.unavailable", exc_info=True)

        self._sweeper = asyncio.get_running_loop().create_task(loop())


def web_payload(found: StaffMessage) -> dict:
    """A staff reply or notice as the widget receives it (bot_uttered)."""
    body: dict = {"text": found.deliverable_text, "handover": {"id": found.id, "kind": found.kind}}
    if found.operator and found.kind == "staff":
        body["handover"]["operator"] = found.operator
    return body


def _telegram_chat(sender: str) -> Any:
    chat = sender[len(TELEGRAM_PREFIX):]
    try:
        return int(chat)
    except ValueError:
        return chat


async def _language(app: Any, message: Any) -> str:
    """The conversation's language, else the channel's hint."""
    from bot.channels.apology import conversation_language
    from bot.languages import DEFAULT_LANGUAGE, normalize_language

    remembered = await conversation_language(app, message.sender_id)
    hint = normalize_language((getattr(message, "metadata", None) or {}).get("language"))
    return normalize_language(remembered) or hint or DEFAULT_LANGUAGE


async def _say(message: Any, text: str) -> None:
    output = getattr(message, "output_channel", None)
    if output is None:
        return
    try:
        await output.send_text_message(message.sender_id, text)
    except Exception:  # noqa: BLE001
        logger.warning("handover.reply.failed", exc_info=True)


_gate: Optional[HandoverGate] = None


def gate() -> HandoverGate:
    """The process-wide gate."""
    global _gate
    if _gate is None:
        _gate = HandoverGate()
    return _gate


async def intercept(app: Any, message: Any) -> bool:
    """The channels' hook: True when the message is for staff (or handled here), not for Rasa."""
    return await gate().intercept(app, message)


__all__ = ["HandoverGate", "gate", "intercept", "web_payload"]

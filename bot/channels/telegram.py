"""The Telegram channel: a webhook for the Bot API that works offline until it is used.

Rasa's stock Telegram channel calls Telegram when it starts (so it cannot run offline), checks no
secret token, calls getMe on every update and fails on updates without a message. This one:

- verifies `X-Telegram-Bot-Api-Secret-Token` (constant-time) and refuses other requests with 403;
- never calls Telegram at start; the webhook is set with a command (`python -m bot.channels.telegram
  set-webhook --url https://…/webhooks/telegram/webhook`), not at every start;
- takes messages, edited messages (a corrected question is answered again) and inline-button presses
  (each callback query is answered, so the client stops its spinner);
- passes `from.language_code` as the starting-language hint, maps `/start`, `/help`, `/language` and
  `/restart` to the assistant's own payloads;
- answers stickers, photos, voice, video, documents, locations and contacts politely in the user's
  language (it can only read text);
- in group chats holds no conversation: personal questions do not belong in a group. When addressed
  there (a command, an @mention or a reply to the bot) it says once that it answers in a private chat;
  other group messages are ignored;
- answers a command in a group at most once per chat per minute;
- answers Telegram with 200 for every update it cannot use (a 5xx would make Telegram retry it),
  including updates without an integer `update_id` and JSON nested too deeply, and ignores an update
  it has already handled (Telegram retries slow webhooks);
- never lets a failed sendMessage break the turn: a 429 is retried after Telegram's `retry_after`
  (bot/channels/telegram_api.py), a 403 (the user blocked the bot) is logged
  (`telegram.blocked chat=…`) and nothing more is sent to that chat until the user writes again;
  the turn (language, region, pending question) is saved in every case;
- apologises when the assistant cannot answer, and logs `channel.degraded reason=…`.

Configuration comes from the environment (never from committed files): TELEGRAM_TOKEN,
TELEGRAM_SECRET_TOKEN, TELEGRAM_API_BASE (default https://api.telegram.org). Without a token the
webhook answers 503 and the rest of the assistant runs as usual.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import sys
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import degraded
from bot.channels.apology import apology_for, conversation_language, too_fast_text
from bot.channels.auth import log_sender_id
from bot.channels.limits import ChannelLimits
from bot.channels.server import ChannelBlueprint
from bot.channels.telegram_api import DEFAULT_API_BASE, TelegramApi, TelegramApiError
from bot.handover.feedback import comment_saved, is_comment_prompt, store_comment
from bot.handover.gate import gate as handover_gate
from bot.handover.gate import intercept as handover_intercept
from bot.i18n import translator
from bot.languages import normalize_language
from bot.payloads import payload
from bot.text import clean_user_text

logger = logging.getLogger(__name__)

SENDER_PREFIX = "telegram-"
MEDIA_KEYS = ("sticker", "photo", "voice", "video", "video_note", "audio", "document", "animation", "contact", "poll", "dice")
_SEEN_UPDATES = 2048
#: A group is told at most this often that the assistant answers only in private chats.
GROUP_NOTICE_SECONDS = 60
_SEND_ERRORS = (TelegramApiError, OSError, asyncio.TimeoutError, aiohttp.ClientError)


class BlockedChats:
    """Chats whose user blocked the bot (Telegram answered 403): nothing more is sent to them until
    the user writes again. Bounded: the oldest are forgotten first."""

    def __init__(self, limit: int = 10_000) -> None:
        self._chats: "OrderedDict[Any, None]" = OrderedDict()
        self.limit = limit

    def add(self, chat_id: Any) -> None:
        self._chats[chat_id] = None
        if len(self._chats) > self.limit:
            self._chats.popitem(last=False)

    def discard(self, chat_id: Any) -> None:
        self._chats.pop(chat_id, None)

    def __contains__(self, chat_id: Any) -> bool:
        return chat_id in self._chats


async def send_safely(
    api: TelegramApi, chat_id: Any, text: str, buttons: Any = (), blocked: Optional[BlockedChats] = None,
    reply_markup: Optional[Dict[str, Any]] = None,
) -> bool:
    """Send a message; never raises. False when it was not delivered (and a 403 marks the chat)."""
    if blocked is not None and chat_id in blocked:
        return False
    try:
        await api.send_message(chat_id, text, buttons, reply_markup=reply_markup)
        return True
    except _SEND_ERRORS as error:
        code = getattr(error, "error_code", None)
        if code == 403 and blocked is not None:
            blocked.add(chat_id)
            logger.warning("telegram.blocked chat=%s: the user blocked the bot; nothing more is sent until they write", log_sender_id(f"{SENDER_PREFIX}{chat_id}"))
        else:
            logger.warning("telegram.send.failed chat=%s error=%s", log_sender_id(f"{SENDER_PREFIX}{chat_id}"), type(error).__name__)
        return False


class TelegramOutput(OutputChannel):
    """Sends the assistant's messages to one Telegram chat. It never raises: a failure inside Rasa's
    message handling would make Rasa drop the turn before saving it."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, api: TelegramApi, chat_id: Any, blocked: Optional[BlockedChats] = None) -> None:
        self.api = api
        self.chat_id = chat_id
        self.blocked = blocked if blocked is not None else BlockedChats()
        self.sent = 0
        self.failed = 0

    async def _send(self, text: Text, buttons: Any = (), reply_markup: Optional[Dict[str, Any]] = None) -> None:
        if await send_safely(self.api, self.chat_id, text, buttons, self.blocked, reply_markup):
            self.sent += 1
        else:
            self.failed += 1

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(text, buttons)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """The optional "what was missing?" after 👎: a message the user can reply to (ForceReply)."""
        comment = json_message.get("feedback_comment") if isinstance(json_message, dict) else None
        if isinstance(comment, dict) and comment.get("prompt"):
            markup = {"force_reply": True, "input_field_placeholder": str(comment.get("placeholder", ""))[:64]}
            await self._send(str(comment["prompt"]), reply_markup=markup)


def _user_language(user: Optional[Dict[str, Any]]) -> Optional[str]:
    return normalize_language((user or {}).get("language_code"))


class TelegramInput(InputChannel):
    """Webhook at /webhooks/telegram/webhook."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            token=credentials.get("access_token") or os.environ.get("TELEGRAM_TOKEN"),
            secret_token=credentials.get("secret_token") or os.environ.get("TELEGRAM_SECRET_TOKEN"),
            api_base=credentials.get("api_base") or os.environ.get("TELEGRAM_API_BASE") or DEFAULT_API_BASE,
            bot_username=credentials.get("bot_username") or os.environ.get("TELEGRAM_BOT_USERNAME"),
        )

    def __init__(
        self,
        token: Optional[str],
        secret_token: Optional[str],
        api_base: str = DEFAULT_API_BASE,
        bot_username: Optional[str] = None,
    ) -> None:
        self.token = token
        self.secret_token = secret_token
        self.bot_username = (bot_username or "").lstrip("@").lower() or None
        self.api = TelegramApi(token, api_base) if token else None
        if self.api is not None:
            handover_gate().register_telegram(self.api)
        self._seen: "OrderedDict[int, None]" = OrderedDict()
        self._app: Any = None
        self.limits = ChannelLimits.from_env()
        self._warned: "OrderedDict[Any, float]" = OrderedDict()
        self._group_notices: "OrderedDict[Any, float]" = OrderedDict()
        self.blocked = BlockedChats()
        if not token or not secret_token:
            logger.warning(
                "telegram.not_configured: set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN to enable the "
                "Telegram webhook; until then it answers 503"
            )

    # -- the webhook -------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = ChannelBlueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.api else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.api is None or not self.secret_token:
                return response.json({"error": "telegram is not configured"}, status=503)
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return response.json({"error": "bad secret token"}, status=403)
            try:
                update = json.loads((request.body or b"").decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return response.json({"ok": True, "ignored": "not JSON"})
            except RecursionError:
                return response.json({"ok": True, "ignored": "nested too deeply"})
            if not isinstance(update, dict):
                return response.json({"ok": True, "ignored": "not an update"})
            update_id = update.get("update_id")
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                # Without an id a retried update cannot be recognised: it would be answered again.
                return response.json({"ok": True, "ignored": "no integer update_id"})
            self._app = request.app
            try:
                handled = await self.handle_update(update, on_new_message)
            except Exception:  # noqa: BLE001 - Telegram would retry a 5xx forever
                logger.exception("telegram.update.failure update_id=%s", update.get("update_id"))
                handled = "failed"
            return response.json({"ok": True, "handled": handled})

        return webhook

    def _first_time(self, update_id: Any) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > _SEEN_UPDATES:
            self._seen.popitem(last=False)
        return True

    async def handle_update(self, update: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        """Handle one Update; returns what was done (for logs and tests)."""
        if not self._first_time(update.get("update_id")):
            return "duplicate"
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            return await self._handle_callback(callback, on_new_message)
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict):
            return "ignored"
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        user = message.get("from") if isinstance(message.get("from"), dict) else {}
        chat_id = chat.get("id")
        if chat_id is None:
            return "ignored"
        language = _user_language(user)
        text = message.get("text") if isinstance(message.get("text"), str) else None

        if chat.get("type") != "private":
            if self._addressed_in_group(message, text):
                if not self._group_notice_due(chat_id):
                    return "group: already told"
                _ = translator(language)
                await send_safely(
                    self.api,  # type: ignore[arg-type]
                    chat_id,
                    _("I answer only in a private chat. Please write to me directly."),
                )
                return "group: private chat only"
            return "group: ignored"

        if text is None:
            kind = "location" if "location" in message or "venue" in message else "media"
            if kind == "media" and not any(key in message for key in MEDIA_KEYS):
                return "ignored"
            text = payload("share_location" if kind == "location" else "share_media")
        elif text.startswith("/start"):
            text = "/start"
        elif await self._feedback_comment(chat_id, message, text, language):
            return "feedback comment"
        await self._process(chat_id, text, language, on_new_message)
        return "message"

    async def _handle_callback(self, callback: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        callback_id = callback.get("id")
        if callback_id:
            try:
                await self.api.answer_callback_query(str(callback_id))  # type: ignore[union-attr]
            except (TelegramApiError, OSError, asyncio.TimeoutError):
                logger.warning("telegram.callback.answer_failed", exc_info=True)
        message = callback.get("message") if isinstance(callback.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        user = callback.get("from") if isinstance(callback.get("from"), dict) else {}
        data = callback.get("data")
        chat_id = chat.get("id") or user.get("id")
        if chat_id is None or not isinstance(data, str) or chat.get("type", "private") != "private":
            return "callback: ignored"
        await self._process(chat_id, data, _user_language(user), on_new_message)
        return "callback"

    def _group_notice_due(self, chat_id: Any) -> bool:
        """At most one "private chat only" notice per group per minute."""
        now = time.monotonic()
        if now - self._group_notices.get(chat_id, -GROUP_NOTICE_SECONDS) < GROUP_NOTICE_SECONDS:
            return False
        self._group_notices.pop(chat_id, None)
        self._group_notices[chat_id] = now
        if len(self._group_notices) > 10_000:
            self._group_notices.popitem(last=False)
        return True

    def _addressed_in_group(self, message: Dict[str, Any], text: Optional[str]) -> bool:
        if text and text.startswith("/"):
            command = text.split()[0]
            return "@" not in command or (self.bot_username is not None and command.lower().endswith("@" + self.bot_username))
        if text and self.bot_username and f"@{self.bot_username}" in text.lower():
            return True
        reply = message.get("reply_to_message")
        replied_user = reply.get("from") if isinstance(reply, dict) and isinstance(reply.get("from"), dict) else {}
        return bool(replied_user.get("is_bot")) and (
            self.bot_username is None or str(replied_user.get("username", "")).lower() == self.bot_username
        )

    async def _feedback_comment(self, chat_id: Any, message: Dict[str, Any], text: str, language: Optional[str]) -> bool:
        """A reply to the "what was missing?" message after 👎: stored as the comment, not a question."""
        replied = message.get("reply_to_message")
        author = replied.get("from") if isinstance(replied, dict) and isinstance(replied.get("from"), dict) else {}
        if not author.get("is_bot") or not is_comment_prompt(replied.get("text")) or text.startswith("/"):
            return False
        if not await self.limits.sender(f"{SENDER_PREFIX}{chat_id}"):
            return True
        lang = await conversation_language(self._app, f"{SENDER_PREFIX}{chat_id}") or language
        if await store_comment(f"{SENDER_PREFIX}{chat_id}", clean_user_text(text)):
            await send_safely(self.api, chat_id, comment_saved(lang or "uk"), blocked=self.blocked)  # type: ignore[arg-type]
            return True
        return False

    async def _process(
        self, chat_id: Any, text: str, language: Optional[str], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        self.blocked.discard(chat_id)  # the user writes: they can be answered again
        output = TelegramOutput(self.api, chat_id, self.blocked)  # type: ignore[arg-type]
        metadata = {"language": language} if language else {}
        cleaned = clean_user_text(text)
        sender = f"{SENDER_PREFIX}{chat_id}"
        if not await self.limits.sender(sender):
            await self._say_too_fast(chat_id, cleaned, metadata)
            return
        message = UserMessage(cleaned, output, sender, input_channel=self.name(), metadata=metadata)
        if await handover_intercept(self._app, message):
            return  # for the helpline staff (or handled by the hand-over): not for the assistant
        with degraded.watch() as turn:
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the user still gets an answer, the fault is logged
                turn.record(error)
                logger.exception("telegram.message.failure chat=%s", log_sender_id(sender))
        if output.sent == 0 and output.failed == 0:
            degraded.log_degraded(self.name(), turn.reason(self._app), sender)
            apology = await apology_for(self._app, sender, cleaned, metadata)
            if not await send_safely(self.api, chat_id, apology, blocked=self.blocked):  # type: ignore[arg-type]
                logger.warning("telegram.apology.failed chat=%s", log_sender_id(sender))

    async def _say_too_fast(self, chat_id: Any, text: str, metadata: Dict[str, Any]) -> None:
        """Tell a sender who is over the limit once a minute; drop the rest silently."""
        now = time.monotonic()
        if now - self._warned.get(chat_id, 0.0) < 60:
            return
        self._warned[chat_id] = now
        if len(self._warned) > 10_000:
            self._warned.popitem(last=False)
        await send_safely(self.api, chat_id, too_fast_text(text, metadata), blocked=self.blocked)  # type: ignore[arg-type]

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None


# -- the webhook command -----------------------------------------------------------------------------


async def _webhook_command(args: argparse.Namespace) -> int:
    token = os.environ.get("TELEGRAM_TOKEN")
    secret = os.environ.get("TELEGRAM_SECRET_TOKEN")
    base = os.environ.get("TELEGRAM_API_BASE") or DEFAULT_API_BASE
    if not token:
        print("TELEGRAM_TOKEN is not set (the token BotFather gave you)", file=sys.stderr)
        return 2
    api = TelegramApi(token, base)
    try:
        if args.command == "set-webhook":
            if not secret:
                print("TELEGRAM_SECRET_TOKEN is not set (1-256 characters A-Z a-z 0-9 _ -)", file=sys.stderr)
                return 2
            if not args.url.startswith("https://"):
                print("Telegram needs a public HTTPS URL", file=sys.stderr)
                return 2
            await api.set_webhook(args.url, secret, drop_pending_updates=args.drop_pending_updates)
            print(f"webhook set: {args.url}")
        elif args.command == "delete-webhook":
            await api.delete_webhook()
            print("webhook deleted")
        else:
            print(json.dumps(await api.get_webhook_info(), indent=1, ensure_ascii=False))
    except (TelegramApiError, OSError, asyncio.TimeoutError) as exc:
        print(f"Telegram refused: {exc}", file=sys.stderr)
        return 1
    finally:
        await api.close()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram", description="Manage the Telegram webhook.")
    sub = parser.add_subparsers(dest="command", required=True)
    set_hook = sub.add_parser("set-webhook", help="point Telegram at this assistant's webhook")
    set_hook.add_argument("--url", required=True, help="https://your.host/webhooks/telegram/webhook")
    set_hook.add_argument("--drop-pending-updates", action="store_true")
    sub.add_parser("delete-webhook", help="stop Telegram from calling the webhook")
    sub.add_parser("webhook-info", help="what Telegram knows about the webhook")
    return asyncio.run(_webhook_command(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

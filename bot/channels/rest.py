"""The REST channel for helpline tools and tests, strict about what it accepts.

Rasa's stock REST channel answers a body that is not a JSON object with a 500 and lets a missing
sender share the conversation "default". This one answers every bad request with a 4xx and a
reason, limits sizes, keeps only the metadata the assistant uses, and never leaves the user without a
reply: when the assistant fails inside (e.g. the action server is down) it sends a short apology in
the user's language with the official website.

    POST /webhooks/rest/webhook
    {"sender": "a-conversation-id", "message": "Where can I learn Dutch?", "metadata": {"language": "en"}}
    -> [{"recipient_id": "...", "text": "...", "buttons": [...]}]
"""

from __future__ import annotations

import json
import logging
import re
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.apology import apology_messages
from bot.channels.limits import RateLimiter
from bot.handover.gate import intercept as handover_intercept
from bot.text import clean_user_text

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # room for 10,000+ characters of \uXXXX-escaped Cyrillic
MAX_SENDER_CHARS = 128
_SENDER = re.compile(r"^[\w.:@+-]{1,128}$", re.UNICODE)


def safe_metadata(raw: Any) -> Dict[Text, Any]:
    """Only what the assistant uses: a short `language` code."""
    if not isinstance(raw, dict):
        return {}
    language = raw.get("language")
    if isinstance(language, str) and 0 < len(language) <= 16:
        return {"language": language}
    return {}


def parse_rest_body(body: bytes) -> tuple[Optional[Dict[Text, Any]], Optional[str]]:
    """The validated request (sender, message, metadata) or the reason it is refused."""
    if len(body) > MAX_BODY_BYTES:
        return None, "body too large"
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    except ValueError:
        return None, "body is not JSON"
    if not isinstance(data, dict):
        return None, "body must be a JSON object"
    sender = data.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not _SENDER.match(sender):
        return None, "sender must be a string of 1-128 letters, digits or ._:@+-"
    message = data.get("message", "")
    if not isinstance(message, str):
        return None, "message must be a string"
    return {"sender": sender, "message": clean_user_text(message), "metadata": safe_metadata(data.get("metadata"))}, None


class RestInput(InputChannel):
    """REST webhook at /webhooks/rest/webhook, answering with the bot's messages as JSON."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, limiter: Optional[RateLimiter] = None) -> None:
        self.limiter = limiter or RateLimiter.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            data, error = parse_rest_body(request.body or b"")
            if error is not None:
                status = 413 if error == "body too large" else 400
                return response.json({"error": error}, status=status)
            assert data is not None
            if not self.limiter.allow(data["sender"]):
                return response.json({"error": "too many messages from this sender; wait a moment"}, status=429)
            collector = CollectingOutputChannel()
            message = UserMessage(
                data["message"],
                collector,
                data["sender"],
                input_channel=self.name(),
                metadata=data["metadata"],
            )
            if await handover_intercept(request.app, message):
                # For the helpline staff (or handled by the hand-over): not for the assistant.
                return response.json(collector.messages)
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("rest.message.timeout sender=%s", data["sender"])
            except Exception:  # noqa: BLE001 - the user still gets an answer, the fault is logged
                logger.exception("rest.message.failure sender=%s", data["sender"])
            if not collector.messages:
                return response.json(await apology_messages(request.app, data["sender"], data["message"], data["metadata"]))
            return response.json(collector.messages)

        return webhook

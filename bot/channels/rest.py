"""The REST channel for helpline tools and tests, strict about who may use it and what it accepts.

Rasa's stock REST channel answers a body that is not a JSON object with a 500, lets a missing sender
share the conversation "default", and lets anyone who can reach the port write into any
conversation of any channel. This one:

- answers only trusted callers: with `REST_API_TOKEN` set, requests with
  `Authorization: Bearer <token>`; without it, only clients on this machine (bot/channels/auth.py);
- keeps REST conversations in their own namespace (`rest-` and an HMAC of the sender), so a REST
  caller never reaches a Telegram or web chat conversation, and a sender that is a phone number or
  an e-mail address is not stored in clear;
- accepts only `Content-Type: application/json` (415 otherwise: a web page cannot post to it
  blindly), answers every bad request with a 4xx and a reason, limits sizes, and keeps only the
  metadata the assistant uses;
- limits messages per sender and per client address, and new senders per address (429);
- never leaves the user without a reply: when the assistant fails inside (e.g. the action server is
  down) it sends a short apology in the user's language with the official website, marked
  `{"custom": {"degraded": true, "reason": "<code>"}}` (bot/channels/degraded.py).

    POST /webhooks/rest/webhook
    {"sender": "a-conversation-id", "message": "Where can I learn Dutch?", "metadata": {"language": "en"}}
    -> [{"recipient_id": "a-conversation-id", "text": "...", "buttons": [...]}]
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

from bot.channels import degraded
from bot.channels.apology import apology_messages
from bot.channels.auth import RestAccess, log_sender_id, rest_sender_id
from bot.channels.limits import ChannelLimits
from bot.channels.server import ChannelBlueprint
from bot.clients import ClientResolver
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
    except RecursionError:
        return None, "body is nested too deeply"
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


def is_json(content_type: Optional[str]) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


class RestInput(InputChannel):
    """REST webhook at /webhooks/rest/webhook, answering with the bot's messages as JSON."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(
        self,
        limits: Optional[ChannelLimits] = None,
        access: Optional[RestAccess] = None,
        clients: Optional[ClientResolver] = None,
    ) -> None:
        self.limits = limits or ChannelLimits.from_env()
        self.access = access or RestAccess()
        self.clients = clients or ClientResolver()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = ChannelBlueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            client = self.clients.resolve(request.ip, request.headers)
            refusal = self.access.refusal(client, request.headers.get("authorization"))
            if refusal is not None:
                headers = {"WWW-Authenticate": "Bearer"} if refusal[0] == 401 else None
                return response.json({"error": refusal[1]}, status=refusal[0], headers=headers)
            if not is_json(request.headers.get("content-type")):
                return response.json({"error": "Content-Type must be application/json"}, status=415)
            if not await self.limits.address(client.address):
                return response.json({"error": "too many messages from this address; wait a moment"}, status=429)
            data, error = parse_rest_body(request.body or b"")
            if error is not None:
                status = 413 if error == "body too large" else 400
                return response.json({"error": error}, status=status)
            assert data is not None
            sender = data["sender"]
            conversation = rest_sender_id(sender)
            if not await self.limits.new_sender(conversation, client.address):
                return response.json({"error": "too many new conversations from this address; wait a few minutes"}, status=429)
            if not await self.limits.sender(conversation):
                return response.json({"error": "too many messages from this sender; wait a moment"}, status=429)
            collector = CollectingOutputChannel()
            message = UserMessage(
                data["message"],
                collector,
                conversation,
                input_channel=self.name(),
                metadata=data["metadata"],
            )
            if await handover_intercept(request.app, message):
                # For the helpline staff (or handled by the hand-over): not for the assistant.
                return response.json(_for_caller(collector.messages, sender))
            with degraded.watch() as turn:
                try:
                    await on_new_message(message)
                except CancelledError:
                    logger.warning("rest.message.cancelled sender=%s", log_sender_id(conversation))
                    raise
                except Exception as error:  # noqa: BLE001 - the user still gets an answer, the fault is logged
                    turn.record(error)
                    logger.exception("rest.message.failure sender=%s", log_sender_id(conversation))
            if not collector.messages:
                reason = turn.reason(request.app)
                degraded.log_degraded(self.name(), reason, conversation)
                apology = await apology_messages(request.app, conversation, data["message"], data["metadata"])
                return response.json(_for_caller(apology + [degraded.marker(reason)], sender))
            return response.json(_for_caller(collector.messages, sender))

        return webhook


def _for_caller(messages: list, sender: str) -> list:
    """The reply addressed to the sender the caller named (not the stored conversation id)."""
    return [{**m, "recipient_id": sender} for m in messages]

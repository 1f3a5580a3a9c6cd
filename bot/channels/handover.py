"""The Rasa server's internal hand-over endpoint, for the staff page (not for users).

    POST /webhooks/handover/deliver   {"message_id": 42}   Authorization: Bearer <HANDOVER_SECRET>

delivers a stored staff reply or notice to its user through the channel of their conversation (the
web chat's socket.io, Telegram) and adds it to the conversation's tracker with the operator's name.
Any instance can deliver: with `REDIS_URL`, socket.io reaches the user whichever instance holds
their socket. The same channel starts the check that sends silent hand-overs back to the assistant.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handover.client import authorised, load_secret
from bot.handover.gate import gate

logger = logging.getLogger(__name__)


class HandoverInput(InputChannel):
    """The staff page's way into the Rasa server: /webhooks/handover/deliver."""

    @classmethod
    def name(cls) -> Text:
        return "handover"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> InputChannel:
        return cls()

    def __init__(self, secret: Optional[str] = None) -> None:
        self.secret = secret or load_secret()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            gate().register_app(app)
            gate().start_sweeper()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/deliver", methods=["POST"])
        async def deliver(request: Request) -> HTTPResponse:
            if not authorised(request.headers.get("Authorization"), self.secret):
                return response.json({"error": "not authorised"}, status=403)
            try:
                body = json.loads((request.body or b"").decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return response.json({"error": "body is not JSON"}, status=400)
            message_id = body.get("message_id") if isinstance(body, dict) else None
            if not isinstance(message_id, int) or isinstance(message_id, bool):
                return response.json({"error": "message_id must be an integer"}, status=400)
            gate().register_app(request.app)
            try:
                result = await gate().deliver(message_id)
            except Exception:  # noqa: BLE001 - the staff page shows that it was not delivered
                logger.exception("handover.deliver.failure message=%s", message_id)
                return response.json({"delivered": False, "error": "delivery failed; the message is kept"}, status=200)
            return response.json(result)

        return webhook

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None

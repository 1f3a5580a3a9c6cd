"""The socket.io channel for the web chat, safe to put on the internet.

Rasa 3.6's socket.io channel accepts any origin and lets a client name the session it joins and the
session each message belongs to, so anyone who guesses or copies an id reads and writes another
person's conversation. This one:

- accepts connections only from the configured origins (`SOCKETIO_ALLOWED_ORIGINS`, comma-separated;
  by default the project's own web page on localhost);
- issues session ids itself: a random id and an HMAC signature with a server secret. A client may
  resume its own session after a reload by presenting the signed id; an id it made up, or one whose
  signature does not match, gets a fresh session instead. Guessing a valid id is as hard as guessing
  the 128-bit random part and the signature;
- binds each socket to its session on the server and ignores any session id sent with a message;
- checks each message (a string, cleaned and cut to the length the assistant reads) and keeps only
  the `language` of its metadata;
- limits messages per session and per client address, and new sessions per client address
  (bot/channels/limits.py);
- answers a polling POST larger than the socket.io buffer with a prompt 413;
- joins rooms compatibly with python-socketio releases where `enter_room` became a coroutine;
- sends a short apology in the user's language when the assistant cannot answer (and logs
  `channel.degraded reason=…`).

The secret comes from `SOCKETIO_SESSION_SECRET`; without it one is generated once and kept in
`var/socketio_secret` (readable by the owner only), so sessions survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import auth, degraded
from bot.channels.apology import apology_for, too_fast_text
from bot.channels.limits import ChannelLimits
from bot.channels.rest import safe_metadata
from bot.channels.server import prepare_app
from bot.clients import ClientResolver
from bot.handover.feedback import store_comment
from bot.handover.gate import gate as handover_gate
from bot.handover.gate import intercept as handover_intercept
from bot.text import clean_user_text

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SECRET_FILE = ROOT / "var" / "socketio_secret"
DEFAULT_ORIGINS = ("http://127.0.0.1:8080", "http://localhost:8080")
SENDER_PREFIX = "web-"
#: The largest socket.io message over HTTP long-polling (a message is at most 2,000 characters).
MAX_HTTP_BUFFER = 64 * 1024


def load_secret(path: Path = SECRET_FILE) -> bytes:
    """The signing secret: from the environment, or generated once and kept on disk."""
    return auth.load_secret("SOCKETIO_SESSION_SECRET", path)


class SessionSigner:
    """Signed session ids: `<32 hex random>.<32 hex HMAC>`."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, session: str) -> str:
        return hmac.new(self._secret, session.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        session = secrets.token_hex(16)
        return f"{session}.{self._mac(session)}"

    def verify(self, token: Any) -> Optional[str]:
        """The session part of a valid token, or None."""
        if not isinstance(token, str) or len(token) != 65 or token[32] != ".":
            return None
        session, mac = token[:32], token[33:]
        if not all(c in "0123456789abcdef" for c in session):
            return None
        return session if hmac.compare_digest(mac, self._mac(session)) else None


class GuardedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, answering a polling POST without a session id with a 400
    (python-engineio 4.7.1 answers it with a 500: it concatenates None into its log message), and
    one over the buffer size with a 413 (engine.io would close the session and hang the request until
    Sanic's response timeout, then answer 503)."""

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        prepare_app(app)
        path = self.ctx.socketio_path.rstrip("/")

        async def refuse_sessionless_posts(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.rstrip("/") == path:
                if not request.args.get("sid"):
                    return response.json({"error": "no session id"}, status=400)
                if len(request.body or b"") > MAX_HTTP_BUFFER:
                    return response.json({"error": "message too large"}, status=413)
            return None

        app.register_middleware(refuse_sessionless_posts, "request")
        sio = self.ctx.sio

        async def engineio(request: Request) -> Optional[HTTPResponse]:
            return await sio.handle_request(request)

        # A websocket session ends without an HTTP response; marked as a websocket handler, Sanic
        # does not log "Invalid response type None" with a traceback for every web chat connection
        # (python-engineio registers its bound method, which cannot carry the mark).
        engineio.is_websocket = True  # type: ignore[attr-defined]
        app.add_route(engineio, f"{path}/", methods=["GET", "POST", "OPTIONS"], name="socketio_engineio")
        app.enable_websocket()
        # Rasa's SocketBlueprint.register attaches engine.io's own route, then registers the blueprint.
        Blueprint.register(self, app, options)


class CountingSocketOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sends (to know when to apologise)."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Custom JSON as the message (Rasa 3.6 spreads its keys into `emit`'s arguments instead)."""
        await self._send_message(recipient_id, dict(json_message))


def socketio_manager() -> Dict[str, Any]:
    """With `REDIS_URL`, socket.io's Redis manager: a message emitted by any instance or worker (a
    staff reply, a reply under SANIC_WORKERS=2) reaches the socket wherever it is connected."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return {}
    from socketio import AsyncRedisManager

    return {"client_manager": AsyncRedisManager(url, channel="uabe-socketio")}


def _origins(configured: Optional[Iterable[str]]) -> List[str]:
    if configured is None:
        env = os.environ.get("SOCKETIO_ALLOWED_ORIGINS")
        configured = env.split(",") if env else DEFAULT_ORIGINS
    return [o.strip().rstrip("/") for o in configured if o and o.strip()]


class SocketIOInput(InputChannel):
    """socket.io at /socket.io with signed sessions and an origin allow-list."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        origins = credentials.get("allowed_origins")
        if isinstance(origins, str):
            origins = origins.split(",")
        return cls(
            allowed_origins=origins,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        allowed_origins: Optional[Iterable[str]] = None,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        socketio_path: Text = "/socket.io",
        secret: Optional[bytes] = None,
    ) -> None:
        self.allowed_origins = _origins(allowed_origins)
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.signer = SessionSigner(secret or load_secret())
        self.sio: Optional[AsyncServer] = None
        self._sessions: Dict[str, str] = {}
        self._addresses: Dict[str, str] = {}
        self.limits = ChannelLimits.from_env()
        self.clients = ClientResolver()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.allowed_origins,
            max_http_buffer_size=MAX_HTTP_BUFFER,
            **socketio_manager(),
        )
        self.sio = sio
        handover_gate().register_socketio(sio, self.bot_message_evt)
        blueprint = GuardedSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        app_holder: Dict[str, Any] = {}

        @blueprint.listener("after_server_start")
        async def remember_app(app: Any, _loop: Any) -> None:
            app_holder["app"] = app

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
            if origin and origin not in self.allowed_origins:
                logger.info("socketio.origin.refused origin=%s", origin)
                return False
            request = environ.get("sanic.request")
            client = self.clients.resolve(getattr(request, "ip", None), getattr(request, "headers", {}) or {})
            self._addresses[sid] = client.address
            return True

        @sio.on("disconnect")
        async def disconnect(sid: Text) -> None:
            self._sessions.pop(sid, None)
            self._addresses.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any = None) -> None:
            offered = data.get("session_id") if isinstance(data, dict) else None
            if self.signer.verify(offered):
                token = offered
            elif await self.limits.new_session(self._addresses.get(sid, "?")):
                token = self.signer.new()
            else:
                metadata = safe_metadata(data if isinstance(data, dict) else None)
                await sio.emit("error_message", {"error": "too many new conversations from this address"}, room=sid)
                await sio.emit(self.bot_message_evt, {"text": too_fast_text("", metadata)}, room=sid)
                return
            sender = f"{SENDER_PREFIX}{token[:32]}"
            self._sessions[sid] = sender
            joined = sio.enter_room(sid, sender)
            if inspect.isawaitable(joined):
                await joined
            await sio.emit("session_confirm", token, room=sid)
            if token == offered:
                # The user came back: what staff wrote while they were away.
                await handover_gate().replay(sid, sender)

        @sio.on("handover_seen")
        async def handover_seen(sid: Text, data: Any = None) -> bool:
            sender = self._sessions.get(sid)
            message_id = data.get("id") if isinstance(data, dict) else None
            return bool(sender) and await handover_gate().acknowledge(sender, message_id)

        @sio.on("feedback_comment")
        async def feedback_comment(sid: Text, data: Any = None) -> bool:
            sender = self._sessions.get(sid)
            text = data.get("text") if isinstance(data, dict) else None
            if not sender or not isinstance(text, str) or not clean_user_text(text).strip():
                return False
            if not await self.limits.sender(sender):
                return False
            return await store_comment(sender, clean_user_text(text))

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any = None) -> None:
            sender = self._sessions.get(sid)
            if sender is None:
                await sio.emit("error_message", {"error": "no session: send session_request first"}, room=sid)
                return
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await sio.emit("error_message", {"error": "message must be a string"}, room=sid)
                return
            text = clean_user_text(data.get("message", ""))
            metadata = safe_metadata(data.get("metadata") or data.get("customData"))
            if not await self.limits.address(self._addresses.get(sid, "?")) or not await self.limits.sender(sender):
                await sio.emit(self.bot_message_evt, {"text": too_fast_text(text, metadata)}, room=sid)
                return
            output = CountingSocketOutput(sio, self.bot_message_evt)
            # Replies go to the session's room (the sender id): every tab of this session, nobody else.
            message = UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata)
            if await handover_intercept(app_holder.get("app"), message):
                return  # for the helpline staff (or handled by the hand-over): not for the assistant
            with degraded.watch() as turn:
                try:
                    await on_new_message(message)
                except Exception as error:  # noqa: BLE001 - the user still gets an answer, the fault is logged
                    turn.record(error)
                    logger.exception("socketio.message.failure")
            if output.sent == 0:
                degraded.log_degraded(self.name(), turn.reason(app_holder.get("app")), sender)
                apology = await apology_for(app_holder.get("app"), sender, text, metadata)
                await sio.emit(self.bot_message_evt, {"text": apology}, room=sender)

        return blueprint

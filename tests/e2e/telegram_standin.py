"""A stand-in for the Telegram Bot API on loopback, for tests.

It records the calls the assistant makes (sendMessage, answerCallbackQuery, setWebhook, ...) and
answers them as the Bot API does, and it delivers Update JSON to the assistant's webhook as Telegram
does (with the secret token header). `fail_next(chat_id, 429, retry_after=1)` or
`fail_next(chat_id, 403)` makes the next sendMessage calls to a chat fail as Telegram's do.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.e2e.background_app import BackgroundApp

TOKEN = "123456789:TEST-token_for-the-stand-in"
SECRET = "test-secret-Token_1"


class TelegramStandIn:
    """An aiohttp Bot API server in a background thread."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: List[Dict[str, Any]] = []
        self._message_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._server: Optional[BackgroundApp] = None
        self.port = 0
        self._updates = itertools.count(1)
        self._failures: Dict[Any, List[Dict[str, Any]]] = {}

    def fail_next(self, chat_id: Any, error_code: int, retry_after: Optional[int] = None, times: int = 1) -> None:
        """The next `times` sendMessage calls to `chat_id` fail with `error_code` (429 or 403)."""
        description = {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden: bot was blocked by the user"}
        failure: Dict[str, Any] = {"ok": False, "error_code": error_code, "description": description.get(error_code, "Bad Request")}
        if retry_after is not None:
            failure["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures.setdefault(chat_id, []).extend([failure] * times)

    # -- the Bot API side --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params = await request.json()
        except ValueError:
            params = dict(await request.post())
        with self._lock:
            self.calls.append({"method": method, "params": params})
            failures = self._failures.get(params.get("chat_id")) if method == "sendMessage" else None
            failure = failures.pop(0) if failures else None
        if failure is not None:
            self.calls[-1]["failed"] = failure["error_code"]
            return web.json_response(failure, status=failure["error_code"])
        if method == "sendMessage":
            if not str(params.get("text", "")).strip() or len(params.get("text", "")) > 4096:
                return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message text is empty or too long"}, status=400)
            result: Any = {"message_id": next(self._message_ids), "chat": {"id": params.get("chat_id")}, "date": int(time.time()), "text": params["text"]}
        elif method == "getWebhookInfo":
            result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    def start(self) -> "TelegramStandIn":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._server = BackgroundApp(app).start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, chat_id: Any = None, method: str = "sendMessage", failed: bool = False) -> List[Dict[str, Any]]:
        """The calls of `method` (to `chat_id`) that succeeded, or with `failed` those refused."""
        with self._lock:
            return [c["params"] for c in self.calls if c["method"] == method and bool(c.get("failed")) == failed
                    and (chat_id is None or c["params"].get("chat_id") == chat_id)]

    # -- the Telegram side: deliver updates to the webhook -------------------------------------------

    def next_update_id(self) -> int:
        return next(self._updates)

    @staticmethod
    def deliver(webhook_url: str, update: Any, secret: Optional[str] = SECRET, raw: Optional[bytes] = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = raw if raw is not None else json.dumps(update).encode()
        request = urllib.request.Request(webhook_url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def user(user_id: int, language_code: Optional[str] = "uk", first_name: str = "Olena") -> Dict[str, Any]:
    found: Dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        found["language_code"] = language_code
    return found


def private_message(update_id: int, user_id: int, language_code: Optional[str] = "uk", **content: Any) -> Dict[str, Any]:
    """An Update with a private-chat message, as the Bot API sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id * 10,
            "from": user(user_id, language_code),
            "chat": {"id": user_id, "first_name": "Olena", "type": "private"},
            "date": int(time.time()),
            **content,
        },
    }

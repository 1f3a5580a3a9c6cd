"""A small client for the Telegram Bot API on aiohttp, with a configurable base URL.

Only what the assistant uses: sendMessage (with inline buttons), answerCallbackQuery, and the webhook
methods. The session is created lazily on first use and reused (one connection pool per process).
A call Telegram answers with 429 and `retry_after` is sent again after that delay, at most twice and
only when the delay is at most 30 seconds; every other refusal raises `TelegramApiError` with the
Bot API's `error_code` (403: the user blocked the bot).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"
#: Telegram refuses longer messages.
MAX_MESSAGE_CHARS = 4096
#: Telegram refuses longer callback data.
MAX_CALLBACK_BYTES = 64
#: A call refused with 429 ("Too Many Requests") is retried this often, if Telegram's delay is short.
MAX_RETRIES = 2
MAX_RETRY_SECONDS = 30.0


class TelegramApiError(RuntimeError):
    """The Bot API answered with ok=false or an HTTP error."""

    def __init__(self, message: str, error_code: Optional[int] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.retry_after = retry_after


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> List[str]:
    """Split a long text at line breaks (or spaces) into parts Telegram accepts."""
    parts: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def inline_keyboard(buttons: Sequence[Dict[str, Any]], per_row: int = 2) -> Optional[Dict[str, Any]]:
    """Buttons as an inline keyboard; buttons whose payload is too long for Telegram are left out."""
    usable = [
        {"text": str(b.get("title", ""))[:64], "callback_data": str(b["payload"])}
        for b in buttons
        if b.get("payload") and len(str(b["payload"]).encode()) <= MAX_CALLBACK_BYTES
    ]
    if not usable:
        return None
    rows = [usable[i : i + per_row] for i in range(0, len(usable), per_row)]
    return {"inline_keyboard": rows}


class TelegramApi:
    """Calls the Bot API of one bot."""

    def __init__(self, token: str, api_base: str = DEFAULT_API_BASE, timeout: float = 15.0) -> None:
        self._token = token
        self.api_base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None
        self._lock = asyncio.Lock()

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            async with self._lock:
                if self._session is None or self._session.closed:
                    self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, method: str, **params: Any) -> Any:
        """Call a Bot API method with JSON parameters; returns its `result`."""
        body = {k: v for k, v in params.items() if v is not None}
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await self._call_once(method, body)
            except TelegramApiError as error:
                wait = error.retry_after
                if error.error_code != 429 or wait is None or wait > MAX_RETRY_SECONDS or attempt == MAX_RETRIES:
                    raise
                logger.warning("telegram.api.retry method=%s retry_after=%s", method, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call_once(self, method: str, body: Dict[str, Any]) -> Any:
        session = await self._client()
        url = f"{self.api_base}/bot{self._token}/{method}"
        async with session.post(url, json=body) as response:
            try:
                data = await response.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                raise TelegramApiError(f"{method}: HTTP {response.status}, not JSON", response.status) from None
        if not isinstance(data, dict) or not data.get("ok"):
            data = data if isinstance(data, dict) else {}
            code = data.get("error_code") if isinstance(data.get("error_code"), int) else response.status
            parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
            retry_after = parameters.get("retry_after")
            retry_after = float(retry_after) if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool) else None
            raise TelegramApiError(f"{method}: HTTP {response.status}: {data.get('description')}", code, retry_after)
        return data.get("result")

    async def send_message(
        self, chat_id: Any, text: str, buttons: Sequence[Dict[str, Any]] = (), reply_markup: Optional[Dict[str, Any]] = None
    ) -> None:
        """Send a text (split when too long); buttons (or another reply markup) go with the last part."""
        parts = split_text(text) or [""]
        keyboard = inline_keyboard(buttons) if buttons else reply_markup
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self.call(
                "sendMessage",
                chat_id=chat_id,
                text=part,
                reply_markup=keyboard if last else None,
                disable_web_page_preview=True,
            )

    async def answer_callback_query(self, callback_query_id: str, text: Optional[str] = None) -> None:
        await self.call("answerCallbackQuery", callback_query_id=callback_query_id, text=text)

    async def set_webhook(self, url: str, secret_token: str, drop_pending_updates: bool = False) -> Any:
        return await self.call(
            "setWebhook",
            url=url,
            secret_token=secret_token,
            allowed_updates=["message", "edited_message", "callback_query"],
            drop_pending_updates=drop_pending_updates,
        )

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

"""Personal data removed from log lines, in every process that handles user text: the Rasa server and
the action server (through `bot.rasa_runtime`), the web chat page and the staff page.

- `RedactingFilter` redacts each record's message, its exception text and traceback (`exc_info`,
  `exc_text`) and its `stack_info`; JSON escapes (`\\u0418`) are read first, so Cyrillic names in a
  serialised tracker are found too, and a tracker that rasa-sdk sends back with an error
  (`"request_body": {...}`, the whole conversation) is cut from the line.
- `AccessLogger`: the pages' access log keeps the method, the path without its query string (a staff
  search is a query string), the status and the time; not the address or the query.
- `private_files`: files the process creates are readable by the owner only (umask 077), and `var/`
  (logs, conversations, tokens) is 0700 with its files 0600.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from pathlib import Path
from typing import Any, Optional

from bot.privacy import redact

VAR = Path(__file__).resolve().parents[1] / "var"

_JSON_ESCAPE = re.compile(r"\\{1,2}u([0-9a-fA-F]{4})")
_REQUEST_BODY = re.compile(r"""(\\?["']request_body\\?["']\s*:\s*).*""")


def _unescape(text: str) -> str:
    def char(match: re.Match) -> str:
        code = int(match.group(1), 16)
        return chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _JSON_ESCAPE.sub(char, text)


def redact_log_text(text: Any) -> Any:
    """A log text with personal data removed (see the module's description)."""
    if not isinstance(text, str) or not text:
        return text
    if "request_body" in text:
        text = _REQUEST_BODY.sub(r"\1[removed]", text)
    if "\\u" in text:
        text = _unescape(text)
    return redact(text)


class RedactingFilter(logging.Filter):
    """Redacts the formatted message of every record (dropping its arguments), its exception text
    and traceback and its stack information."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the service
            message = str(record.msg)
        redacted = redact_log_text(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            try:
                text = record.exc_text or self._formatter.formatException(record.exc_info)
            except Exception:  # noqa: BLE001
                text = "".join(traceback.format_exception_only(*record.exc_info[:2]))
            # The text replaces the exception object: no handler can format it again unredacted.
            record.exc_text, record.exc_info = redact_log_text(text), None
        elif record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        return True


_installed = False
_filter = RedactingFilter()


def install() -> None:
    """Attach the filter to the root logger's handlers and to every handler added later, anywhere
    (`logging.basicConfig` included)."""
    global _installed
    if _installed:
        return
    _installed = True
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(_filter)
    root.addFilter(_filter)
    original = logging.Logger.addHandler

    def add_handler(self: logging.Logger, handler: logging.Handler) -> None:
        handler.addFilter(_filter)
        original(self, handler)

    logging.Logger.addHandler = add_handler  # type: ignore[method-assign]
    # The handler used when none is configured bypasses addHandler.
    if logging.lastResort is not None:
        logging.lastResort.addFilter(_filter)


def private_files(var: Optional[Path] = None) -> Path:
    """Files this process creates are readable by its owner only; `var/` is created 0700 and what is
    in it made 0600 (folders 0700)."""
    os.umask(0o077)
    var = var or VAR
    var.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in [var, *var.rglob("*")]:
        try:
            if path.is_symlink() or path.stat().st_uid != os.geteuid():
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError:
            continue
    return var


try:
    from aiohttp.abc import AbstractAccessLogger
except ImportError:  # pragma: no cover - aiohttp is a dependency
    AbstractAccessLogger = object  # type: ignore[assignment,misc]


class AccessLogger(AbstractAccessLogger):  # type: ignore[misc,valid-type]
    """aiohttp access log without query strings or client addresses: `GET /api/search 200 0.004s`."""

    def log(self, request: Any, response: Any, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)

"""Personal data removed from log lines, in every process that handles user text."""

from __future__ import annotations

import logging

from bot.privacy import redact


class RedactingFilter(logging.Filter):
    """Redacts the formatted message of every record (and drops its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the service
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_installed = False


def install() -> None:
    """Attach the filter to the root logger's handlers (and to handlers added later by root)."""
    global _installed
    if _installed:
        return
    _installed = True
    root = logging.getLogger()
    redacting = RedactingFilter()
    for handler in root.handlers:
        handler.addFilter(redacting)
    root.addFilter(redacting)
    original = logging.Logger.addHandler

    def add_handler(self: logging.Logger, handler: logging.Handler) -> None:
        handler.addFilter(redacting)
        original(self, handler)

    logging.Logger.addHandler = add_handler  # type: ignore[method-assign]

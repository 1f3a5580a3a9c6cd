"""Degraded replies: when a channel answers with an apology because something failed inside, the
failure shows, with a reason code, instead of passing for an answer.

Rasa catches a failing custom action itself (it logs the exception and goes on without the
action's events), so the channel only sees that nothing was said. While a channel hands a message
to Rasa it watches the turn (`watch()`): a log record with an exception, logged anywhere in the
process during that turn (in the same asyncio context; seen when the record is created, before the
log redaction replaces the exception by its text), is classified into a reason code:

- `action_timeout`: the action server did not answer in time (endpoints.yml `timeout`);
- `action_server_unreachable`: no connection to the action server;
- `action_server_error`: the action server answered with an HTTP error;
- `store_unavailable`: the tracker or lock store (PostgreSQL, Redis, SQLite) failed;
- `model_missing`: the Rasa server has no model loaded;
- `internal_error`: any other exception;
- `no_reply`: nothing failed that could be seen, yet nothing was said.

Each degraded reply logs one line `channel.degraded reason=<code> sender=<id for logs>`; the REST
channel also adds `{"custom": {"degraded": true, "reason": "<code>"}}` to its reply, so tests, the
benchmark and helpline tools can tell an apology from an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextvars import ContextVar
from typing import Any, Callable, Dict, Iterator, Optional

from bot.channels.auth import log_sender_id

logger = logging.getLogger(__name__)

REASONS = (
    "action_timeout",
    "action_server_unreachable",
    "action_server_error",
    "store_unavailable",
    "model_missing",
    "internal_error",
    "no_reply",
)
_STORE_MODULES = ("redis", "sqlalchemy", "psycopg2", "sqlite3", "rasa.core.lock_store")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def classify(error: BaseException) -> str:
    """The reason code of an exception (and the exceptions it was raised from)."""
    import aiohttp

    chain = list(_chain(error))
    if any(isinstance(e, (asyncio.TimeoutError, TimeoutError)) for e in chain):
        return "action_timeout"
    for e in chain:
        if isinstance(e, aiohttp.ClientResponseError) or type(e).__name__ == "ClientResponseError":
            return "action_server_error"
        if isinstance(e, (aiohttp.ClientConnectionError, ConnectionError)):
            return "action_server_unreachable"
        module = type(e).__module__ or ""
        if module.startswith(_STORE_MODULES) or type(e).__name__ == "LockError":
            return "store_unavailable"
    return "internal_error"


class Turn:
    """What went wrong while one message was handled (the first failure counts)."""

    def __init__(self) -> None:
        self.failure: Optional[str] = None

    def record(self, error: BaseException) -> None:
        if self.failure is None:
            self.failure = classify(error)

    def reason(self, app: Any = None) -> str:
        """The reason code of a turn that produced no reply."""
        if self.failure is not None:
            return self.failure
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        if app is not None and (agent is None or not _agent_ready(agent)):
            return "model_missing"
        return "no_reply"


def _agent_ready(agent: Any) -> bool:
    try:
        return bool(agent.is_ready())
    except Exception:  # noqa: BLE001 - an agent that cannot say is not ready
        return False


_current: ContextVar[Optional[Turn]] = ContextVar("channel_turn", default=None)


def _record_factory(original: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Wraps logging's record factory: an error record with an exception, created during a watched
    turn, is recorded into that turn. (At creation, before any handler's filter runs: the log
    redaction replaces a record's exception by its redacted text.)"""

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        turn = _current.get()
        if turn is not None and record.levelno >= logging.ERROR and record.exc_info and record.exc_info[1] is not None:
            turn.record(record.exc_info[1])
        return record

    factory.watching_turns = True  # type: ignore[attr-defined]
    return factory


def _install() -> None:
    current = logging.getLogRecordFactory()
    if not getattr(current, "watching_turns", False):
        logging.setLogRecordFactory(_record_factory(current))


@contextlib.contextmanager
def watch() -> Iterator[Turn]:
    """Watch one message's handling: `with watch() as turn: await on_new_message(...)`."""
    _install()
    turn = Turn()
    token = _current.set(turn)
    try:
        yield turn
    finally:
        _current.reset(token)


def log_degraded(channel: str, reason: str, sender_id: str) -> None:
    """The one log line of a degraded reply."""
    logger.warning("channel.degraded reason=%s sender=%s channel=%s", reason, log_sender_id(sender_id), channel)


def marker(reason: str) -> Dict[str, Any]:
    """The REST reply element that marks a degraded reply."""
    return {"custom": {"degraded": True, "reason": reason}}


def is_degraded(messages: Any) -> Optional[str]:
    """The reason code if a REST reply is marked degraded, else None (for tests and the benchmark)."""
    if not isinstance(messages, list):
        return None
    for message in messages:
        custom = message.get("custom") if isinstance(message, dict) else None
        if isinstance(custom, dict) and custom.get("degraded"):
            return str(custom.get("reason") or "unknown")
    return None

"""Who may use the REST channel, and the conversation ids it may reach.

REST is a tool for trusted callers (helpline tools, tests), not a public door:

- with `REST_API_TOKEN` set, every request needs `Authorization: Bearer <token>` (compared in
  constant time); without it, only clients on this machine (loopback, not through a proxy) are
  answered;
- REST conversations live in their own namespace: the conversation id is `rest-` and an HMAC of the
  given sender with a server secret, so a REST caller can never address a Telegram (`telegram-…`)
  or web chat (`web-…`) conversation, and a phone number or e-mail address used as a sender is never
  stored in clear.

The secret comes from `SENDER_ID_SECRET`; without it one is generated once into
`var/sender_id_secret` (readable by the owner only). Several instances behind a load balancer need
the same secret (set the variable), or each sees its own conversations.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot.clients import Client

ROOT = Path(__file__).resolve().parents[2]
SENDER_SECRET_FILE = ROOT / "var" / "sender_id_secret"
REST_PREFIX = "rest-"


def load_secret(variable: str, path: Path) -> bytes:
    """A server secret: from the environment, or generated once and kept on disk (mode 600)."""
    configured = os.environ.get(variable)
    if configured:
        return configured.encode()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
        return secret


@lru_cache(maxsize=1)
def _default_secret() -> bytes:
    return load_secret("SENDER_ID_SECRET", SENDER_SECRET_FILE)


def _mac(secret: bytes, text: str, length: int) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def rest_sender_id(sender: str, secret: Optional[bytes] = None) -> str:
    """The conversation id (as stored in the tracker store) of a REST `sender`."""
    return REST_PREFIX + _mac(secret or _default_secret(), "rest:" + sender, 32)


def log_sender_id(sender_id: str, secret: Optional[bytes] = None) -> str:
    """A conversation id for log lines: its channel prefix and a short HMAC, never the id itself
    (a Telegram id is the user's account id)."""
    prefix = sender_id.split("-", 1)[0] + "-" if "-" in sender_id else ""
    return prefix + _mac(secret or _default_secret(), "log:" + sender_id, 12)


class RestAccess:
    """The token check of the REST channel."""

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token if token is not None else (os.environ.get("REST_API_TOKEN") or None)

    def refusal(self, client: Client, authorization: Optional[str]) -> Optional[tuple[int, str]]:
        """None when the request may go on, else the HTTP status and the reason."""
        if self.token:
            scheme, _, given = (authorization or "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return None
            return 401, "a valid 'Authorization: Bearer <REST_API_TOKEN>' header is needed"
        if client.loopback:
            return None
        return 403, "REST answers only this machine unless REST_API_TOKEN is set"

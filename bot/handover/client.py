"""The shared secret between the staff page and the Rasa server's hand-over endpoint, and the staff
page's client of that endpoint (`POST /webhooks/handover/deliver`).

The secret comes from `HANDOVER_SECRET`; without it one is generated once into `var/handover_secret`
(readable by the owner only), which both processes read on one machine. With several machines, set
the same `HANDOVER_SECRET` everywhere.
"""

from __future__ import annotations

import hmac
import logging
import os
from pathlib import Path
from typing import Optional

import aiohttp

from bot.channels import auth

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SECRET_FILE = ROOT / "var" / "handover_secret"


def load_secret(path: Path = SECRET_FILE) -> str:
    """The secret the action server and the Rasa server share: from the environment, or generated
    once and kept on disk (mode 600)."""
    return auth.load_secret("HANDOVER_SECRET", path).decode()


def authorised(header: Optional[str], secret: str) -> bool:
    given = (header or "")[7:].strip() if (header or "").startswith("Bearer ") else ""
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


class DeliveryClient:
    """Asks a Rasa server (any instance) to deliver a stored message to its user."""

    def __init__(self, base_url: Optional[str] = None, secret: Optional[str] = None, timeout: float = 15.0) -> None:
        self.base_url = (base_url or os.environ.get("HANDOVER_DELIVERY_URL") or "http://127.0.0.1:5005").rstrip("/")
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def secret(self) -> str:
        if self._secret is None:
            self._secret = load_secret()
        return self._secret

    async def deliver(self, message_id: int) -> dict:
        url = f"{self.base_url}/webhooks/handover/deliver"
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.post(
                    url, json={"message_id": message_id}, headers={"Authorization": f"Bearer {self.secret}"}
                ) as response:
                    if response.status != 200:
                        return {"delivered": False, "error": f"the assistant answered HTTP {response.status}"}
                    data = await response.json(content_type=None)
                    return data if isinstance(data, dict) else {"delivered": False, "error": "bad answer"}
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            logger.warning("handover.delivery.unreachable %s: %s", url, exc)
            return {"delivered": False, "error": "the assistant's server is unreachable; the message is kept"}

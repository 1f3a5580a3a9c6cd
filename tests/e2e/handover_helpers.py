"""Helpers for the hand-over tests: the staff page beside the running assistant, its API as a
signed-in staff member, and the office hours of the running servers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

from tests.e2e.servers import ALWAYS_OPEN, HANDOVER_SECRET, ROOT, env, free_port, wait_for

STAFF_TOKEN = "staff-handover-token-0123456789"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class StaffPage:
    """A staff page process and its API, as a staff member with a name."""

    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url, self.process = url, process

    def call(self, method: str, path: str, operator: str = "Olena", body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {STAFF_TOKEN}", "X-Operator": operator, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw.decode("utf-8", "replace")

    def text(self, path: str) -> str:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()

    def conversation_of(self, sender_prefix: str, status: str = "waiting", timeout: float = 30) -> dict:
        """The inbox entry whose conversation belongs to a sender (found through its transcript)."""
        found = wait_until(lambda: self._find(sender_prefix, status), timeout)
        return found

    def _find(self, sender_prefix: str, status: str) -> Optional[dict]:
        code, inbox = self.call("GET", "/api/inbox")
        assert code == 200, inbox
        for item in inbox["waiting"] + inbox["active"]:
            if item["status"] == status and item.get("channel") and self.sender_of(item["id"]).startswith(sender_prefix):
                return item
        return None

    def sender_of(self, handover_id: int) -> str:
        return _stores[self.url].get(handover_id).sender_id

    def pending(self, sender_id: str) -> list:
        return _stores[self.url].pending_for(sender_id)

    def transcript(self, handover_id: int) -> list[dict]:
        code, data = self.call("GET", f"/api/inbox/{handover_id}")
        assert code == 200, data
        return data["transcript"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


_stores: dict[str, Any] = {}


def start_staff(servers: Any, workdir: Path, delivery_url: Optional[str] = None, db_url: Optional[str] = None,
                extra_env: Optional[dict] = None) -> StaffPage:
    from bot.handover.store import HandoverStore

    port = free_port()
    log = workdir / f"staff-{port}.log"
    db_url = db_url or f"sqlite:///{servers.workdir / 'rasa.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web.staff", "--port", str(port)],
        cwd=ROOT,
        env=env(
            STAFF_TOKEN=STAFF_TOKEN, TRACKER_DB_URL=db_url, HANDOVER_DELIVERY_URL=delivery_url or servers.url,
            HANDOVER_SECRET=HANDOVER_SECRET, **(extra_env or {}),
        ),
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", process, 60, log)
    _stores[url] = HandoverStore(db_url)
    return StaffPage(url, process)


def wait_until(check: Callable[[], Any], timeout: float = 30, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {check}")
        time.sleep(interval)


def set_hours(servers: Any, text: str = ALWAYS_OPEN) -> None:
    """Change the running servers' office hours (read again on change)."""
    path = servers.workdir / "helpline.yml"
    path.write_text(text, encoding="utf-8")
    time.sleep(0.05)


def closed_today() -> str:
    """Office hours that open only on the day after tomorrow (Brussels time), 09:00-17:00."""
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Europe/Brussels")).date()
    day = DAYS[(today + dt.timedelta(days=2)).weekday()]
    return f'time_zone: Europe/Brussels\npublic_holidays: none\nsilence_timeout_minutes: 20\nhours:\n  {day}: "09:00-17:00"\n'

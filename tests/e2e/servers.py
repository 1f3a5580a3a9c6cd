"""A running assistant for end-to-end tests (the `servers` fixture is shared via tests/conftest.py): the action server and the Rasa server with its channels, on free loopback ports, with a tracker store in a temporary folder.

Every test client runs on loopback, so the per-address limits are raised for the test servers (the
limits themselves are tested in tests/channels/). REST conversations are stored under
`stored_sender(sender)` (the `rest-` namespace), with the fixed test secret below.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
BIN = Path(sys.executable).parent
#: Rasa through the project's entry point (log redaction, the Rasa patches): `RASA + ["run", ...]`.
RASA = [sys.executable, "-m", "bot.rasa_runtime"]
#: The secret the test servers hash REST senders with (bot/channels/auth.py).
SENDER_ID_SECRET = "test-sender-id-secret"


def stored_sender(sender: str) -> str:
    """The conversation id a REST `sender` is stored under in the tracker store."""
    from bot.channels.auth import rest_sender_id

    return rest_sender_id(sender, SENDER_ID_SECRET.encode())


class DegradedReply(AssertionError):
    """The assistant answered with an apology because something failed inside."""


def assert_not_degraded(messages: Any, context: str = "") -> None:
    """Fail when a REST reply is marked degraded (an apology, not an answer)."""
    from bot.channels.degraded import is_degraded

    reason = is_degraded(messages)
    if reason is not None:
        raise DegradedReply(f"degraded reply (reason={reason}){': ' + context if context else ''}: {messages!r:.300}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SANIC_HOST": "127.0.0.1",
        "SENDER_ID_SECRET": SENDER_ID_SECRET,
        # All test clients share the loopback address.
        "RATE_LIMIT_ADDRESS_PER_MINUTE": "1000000",
        "RATE_LIMIT_ADDRESS_BURST": "100000",
        "RATE_LIMIT_NEW_SESSIONS_PER_HOUR": "1000000",
        "RATE_LIMIT_NEW_SESSIONS_BURST": "100000",
        **extra,
    }


def wait_for(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not start within {timeout} s:\n{log.read_text()[-4000:]}")


@dataclass
class Servers:
    url: str
    action_url: str
    workdir: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen
    web_url: str = ""
    web: Optional[subprocess.Popen] = None
    telegram: Any = None

    def post(self, body: Any, raw: Optional[bytes] = None, content_type: str = "application/json") -> tuple[int, Any]:
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", data=data, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload)
            except ValueError:
                return error.code, payload.decode("utf-8", "replace")

    def say(self, sender: str, text: str, degraded_ok: bool = False, **metadata: str) -> list[dict]:
        """The assistant's reply to `text`; fails on a degraded reply (an apology because something
        failed inside) unless `degraded_ok`."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        status, messages = self.post(body)
        assert status == 200, (status, messages)
        assert isinstance(messages, list)
        if not degraded_ok:
            assert_not_degraded(messages, f"{sender}: {text!r:.80}")
        return messages

    def stored_sender(self, sender: str) -> str:
        return stored_sender(sender)


HANDOVER_SECRET = "test-handover-secret"
ALWAYS_OPEN = (
    "time_zone: Europe/Brussels\npublic_holidays: none\nsilence_timeout_minutes: 20\nhours:\n"
    + "".join(f'  {day}: "00:00-24:00"\n' for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
)
NEVER_OPEN = "time_zone: Europe/Brussels\npublic_holidays: none\nsilence_timeout_minutes: 20\nhours:\n  monday: \"\"\n"


def start_servers(
    workdir: Path,
    endpoints_extra: str = "",
    action_port: Optional[int] = None,
    extra_env: Optional[dict[str, str]] = None,
    web_port: Optional[int] = None,
    tracker_store: Optional[str] = None,
    action_timeout: float = 10,
) -> Servers:
    """Start an action server (unless `action_port` points elsewhere), a Rasa server and, with
    `web_port`, the web chat page."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run the README's test command (it trains first)")
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port = free_port()
    own_actions = action_port is None
    action_port = action_port or free_port()
    (workdir / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n  timeout: {action_timeout}\n'
        + (tracker_store or f'tracker_store:\n  type: bot.stores.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: "{workdir / "rasa.db"}"\n')
        + endpoints_extra,
        encoding="utf-8",
    )
    actions_log = workdir / "actions.log"
    # The hand-over: its tables beside the tracker store, the helpline open around the clock (tests
    # that need it closed rewrite this file: it is read again when it changes), a known secret.
    helpline = workdir / "helpline.yml"
    helpline.write_text(ALWAYS_OPEN, encoding="utf-8")
    extra_env = {
        "TRACKER_DB_URL": f"sqlite:///{workdir / 'rasa.db'}",
        "HELPLINE_CONFIG": str(helpline),
        "HANDOVER_SECRET": HANDOVER_SECRET,
        "HANDOVER_SWEEP_SECONDS": "1",
        **(extra_env or {}),
    }
    actions = subprocess.Popen(
        [*RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
        cwd=ROOT, env=env(**extra_env), stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
    ) if own_actions else subprocess.Popen(["sleep", "86400"])
    rasa_log = workdir / "rasa.log"
    rasa = subprocess.Popen(
        [
            *RASA, "run", "--model", str(MODEL), "--endpoints", str(workdir / "endpoints.yml"),
            "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
            "--port", str(rasa_port),
        ],
        cwd=ROOT, env=env(**extra_env), stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
    )
    servers = Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", workdir, rasa, actions)
    if web_port:
        web_log = workdir / "web.log"
        servers.web_url = f"http://127.0.0.1:{web_port}"
        servers.web = subprocess.Popen(
            [sys.executable, "-m", "bot.web.chat", "--port", str(web_port), "--socket-url", servers.url],
            cwd=ROOT, env=env(**extra_env), stdout=web_log.open("w"), stderr=subprocess.STDOUT,
        )
    try:
        if own_actions:
            wait_for(f"{servers.action_url}/health", actions, 120, actions_log)
        wait_for(f"{servers.url}/webhooks/rest/", rasa, 180, rasa_log)
        if servers.web is not None:
            wait_for(f"{servers.web_url}/healthz", servers.web, 60, workdir / "web.log")
    except Exception:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers: Servers) -> None:
    processes = [p for p in (servers.rasa, servers.actions, servers.web) if p is not None]
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    """The whole assistant: REST, the web chat page and socket.io, and Telegram against a stand-in."""
    from tests.e2e.telegram_standin import SECRET, TOKEN, TelegramStandIn

    telegram = TelegramStandIn().start()
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    running = start_servers(
        tmp_path_factory.mktemp("assistant"),
        web_port=web_port,
        extra_env={
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_SECRET_TOKEN": SECRET,
            "TELEGRAM_API_BASE": telegram.base_url,
            "TELEGRAM_BOT_USERNAME": "ua_be_test_bot",
            "SOCKETIO_ALLOWED_ORIGINS": origin,
            "SOCKETIO_SESSION_SECRET": "test-socketio-secret",
        },
    )
    running.telegram = telegram
    yield running
    stop_servers(running)
    telegram.stop()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"

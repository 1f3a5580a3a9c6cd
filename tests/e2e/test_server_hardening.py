"""The Rasa server as an attacker meets it: request bodies refused before they are read, socket.io
polling posts over the limit refused at once, no version banner."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

HUGE = 90 * 1024 * 1024


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Sanic workers), in MB."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    for process in pids:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=15)
    return connection


def _status(connection: socket.socket) -> int | None:
    try:
        head = connection.recv(4096)
    except (ConnectionResetError, socket.timeout, TimeoutError):
        return None
    if not head.startswith(b"HTTP/1."):
        return None
    return int(head.split(b" ", 2)[1])


def post_declared_huge(url: str, path: str) -> int | None:
    """Declare a 90 MB body, send 64 KB of it, and wait for the answer (None: no answer in 15 s)."""
    with _connect(url) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: {HUGE}\r\n\r\n".encode()
        )
        connection.sendall(b"[" * 65536)
        return _status(connection)


def post_chunked_huge(url: str, path: str) -> tuple[int, int | None]:
    """Stream up to 90 MB without a declared length; returns the bytes the server took and its status."""
    sent = 0
    chunk = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)
    with _connect(url) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: wrong\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        try:
            while sent < HUGE:
                connection.sendall(chunk)
                sent += 65536
            connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return sent, None
        return sent, _status(connection)


def test_a_huge_body_is_refused_before_it_is_read(servers) -> None:
    before = rss_mb(servers.rasa.pid)
    for _ in range(5):
        status = post_declared_huge(servers.url, "/webhooks/telegram/webhook")
        assert status == 413, f"the server waited for a 90 MB body (status {status})"
    taken, status = post_chunked_huge(servers.url, "/webhooks/telegram/webhook")
    assert taken < 16 * 1024 * 1024 and status in (None, 413), (taken, status)
    after = rss_mb(servers.rasa.pid)
    print(f"Rasa server resident memory: {before:.0f} MB before, {after:.0f} MB after six 90 MB posts")
    # The channels still work.
    assert servers.say("after-huge", "Привіт!")


def test_a_socketio_polling_post_over_the_limit_gets_a_prompt_413(servers) -> None:
    origin = {"Origin": servers.web_url}
    with urllib.request.urlopen(urllib.request.Request(f"{servers.url}/socket.io/?EIO=4&transport=polling", headers=origin), timeout=10) as response:
        handshake = response.read().decode()
    sid = json.loads(handshake[handshake.index("{"):])["sid"]
    started = time.monotonic()
    request = urllib.request.Request(
        f"{servers.url}/socket.io/?EIO=4&transport=polling&sid={sid}", data=b"4" + b"x" * 70_000,
        headers={**origin, "Content-Type": "text/plain;charset=UTF-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    print(f"socket.io polling POST of 70 KB answered {status} in {time.monotonic() - started:.1f} s")
    assert status == 413


def test_no_version_banner(servers) -> None:
    with urllib.request.urlopen(servers.url + "/", timeout=10) as response:
        body = response.read().decode()
        server = response.headers.get("Server", "")
    assert "Rasa" not in body and "3.6" not in body, body
    assert "Rasa" not in server and "Sanic" not in server.lower()

"""Fuzzing every public endpoint: random and malformed JSON, huge bodies, invalid UTF-8, control
characters, wrong content types. Always a reply or a 4xx; never a 5xx, a hang or a crash."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.e2e.servers import ROOT, env, free_port, wait_for
from tests.e2e.telegram_standin import SECRET

pytestmark = pytest.mark.e2e

SEED = 20261129
CASES_PER_ENDPOINT = 120


def random_text(rng: random.Random, n: int) -> str:
    alphabets = [
        "abcdefghijklmnopqrstuvwxyz ", "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя ", "0123456789{}[]\":,/\\",
        "\x00\x01\x07\x1b\x7f\u200b\u202e\ufeff", "👍🇺🇦😀🙏", "éèàçœ’", "<>&'\"%s%n{0}",
    ]
    return "".join(rng.choice(rng.choice(alphabets)) for _ in range(n))


def random_json(rng: random.Random, depth: int = 0):  # type: ignore[no-untyped-def]
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 2**63, 1e308, float("-1e-300")])
    if kind in (2, 3, 4):
        return random_text(rng, rng.choice([0, 1, 10, 300, 5000]))
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {random_text(rng, rng.randrange(1, 12)): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def bodies(rng: random.Random, shape):  # type: ignore[no-untyped-def]
    """Bodies that look more or less like what the endpoint expects."""
    for _ in range(CASES_PER_ENDPOINT):
        pick = rng.randrange(10)
        if pick == 0:
            yield rng.randbytes(rng.choice([0, 1, 100, 70_000])), "application/json"
        elif pick == 1:
            yield b'{"sender": "x", "message": "' + bytes([rng.randrange(128, 256) for _ in range(20)]) + b'"}', "application/json"
        elif pick == 2:
            yield b"{" * rng.randrange(1, 3000), "application/json"
        elif pick == 3:
            yield json.dumps(shape(rng)).encode(), rng.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""])
        elif pick == 4:
            yield (b'{"message": "' + b"a" * rng.choice([10_000, 300_000, 1_100_000]) + b'", "sender": "big"}'), "application/json"
        elif pick == 5:
            yield json.dumps(random_json(rng)).encode(), "application/json"
        else:
            yield json.dumps(shape(rng), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass"), "application/json"


def rest_shape(rng: random.Random) -> dict:
    body = {"sender": rng.choice([f"fuzz-{rng.randrange(50)}", random_text(rng, 5), 42, None, ""]),
            "message": rng.choice([random_text(rng, rng.randrange(0, 3000)), None, 7, ["x"], '/intent{"a":1}'])}
    if rng.random() < 0.5:
        body["metadata"] = rng.choice([{"language": random_text(rng, 4)}, "text", [1], {"language": None}, random_json(rng)])
    return body


def telegram_shape(rng: random.Random) -> dict:
    message = {"message_id": rng.randrange(10**6), "chat": rng.choice([{"id": rng.randrange(10**9), "type": rng.choice(["private", "group", "x"])}, None, "chat"]),
               "from": rng.choice([{"id": 1, "language_code": random_text(rng, 3)}, None, {}]),
               "text": rng.choice([random_text(rng, rng.randrange(0, 5000)), None, 1, "/start", "/language " + random_text(rng, 4)])}
    update = {"update_id": rng.randrange(10**9)}
    update[rng.choice(["message", "edited_message", "callback_query", "poll", "x"])] = rng.choice(
        [message, {"id": "q", "data": random_text(rng, 70), "from": {"id": 2}}, None, [], random_json(rng)])
    return update


def staff_login_shape(rng: random.Random) -> dict:
    return {"token": random_text(rng, rng.randrange(0, 200))}


def send(url: str, body: bytes, content_type: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (ConnectionResetError, BrokenPipeError):
        return 413  # the server closed a connection that kept sending an oversized body


def assert_never_5xx(url: str, shape, headers: dict | None = None, process=None) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(f"{SEED}{url}")
    statuses = []
    for body, content_type in bodies(rng, shape):
        status = send(url, body, content_type, headers)
        assert status < 500, f"{url} answered {status} to {body[:120]!r} ({content_type})"
        statuses.append(status)
    if process is not None:
        assert process.poll() is None, f"{url}'s server crashed"
    assert any(s == 200 for s in statuses) or any(400 <= s < 500 for s in statuses)


def test_rest_webhook(servers) -> None:
    assert_never_5xx(f"{servers.url}/webhooks/rest/webhook", rest_shape, process=servers.rasa)
    # Still answering normally afterwards.
    assert servers.say("after-fuzz", "hello")


def test_telegram_webhook(servers) -> None:
    url = f"{servers.url}/webhooks/telegram/webhook"
    assert_never_5xx(url, telegram_shape, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, process=servers.rasa)
    assert_never_5xx(url, telegram_shape, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, process=servers.rasa)


def test_socketio_http_endpoint(servers) -> None:
    for query in ["", "?EIO=4&transport=polling", "?EIO=3&transport=polling", "?EIO=4&transport=websocket", "?EIO=x&sid=abc&transport=polling"]:
        assert_never_5xx(f"{servers.url}/socket.io/{query}", rest_shape, headers={"Origin": servers.web_url})


def test_web_page_server(servers) -> None:
    assert_never_5xx(f"{servers.web_url}/", rest_shape, process=servers.web)
    for path in ["/", "/strings.json", "/static/widget.js", "/static/../../etc/passwd", "/static/%2e%2e/x", "/nope", "/" + "a" * 5000]:
        request = urllib.request.Request(servers.web_url + path)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status < 500, path


def test_staff_server(tmp_path) -> None:
    port = free_port()
    log = tmp_path / "staff.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web.staff", "--port", str(port)], cwd=ROOT,
                               env=env(STAFF_TOKEN="fuzz-token-123456"), stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", process, 60, log)
        assert_never_5xx(f"{url}/login", staff_login_shape, process=process)
        rng = random.Random(SEED)
        for _ in range(60):
            query = urllib.parse.urlencode({"q": random_text(rng, rng.randrange(0, 600)), "topic": random_text(rng, 5), "region": rng.choice(["", "wallonia", "x"])})
            request = urllib.request.Request(f"{url}/api/search?{query}", headers={"Authorization": "Bearer fuzz-token-123456"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            assert status < 500
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_raw_garbage_on_the_socket(servers) -> None:
    """Not even HTTP: the server closes the connection and keeps serving."""
    host, port = servers.url.rsplit(":", 1)
    for garbage in [b"\x00" * 100, b"GET / HTTP/9.9\r\n\r\n", b"POST /webhooks/rest/webhook HTTP/1.1\r\nContent-Length: -5\r\n\r\n"]:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as connection:
            connection.sendall(garbage)
            try:
                connection.recv(1024)
            except (ConnectionResetError, socket.timeout):
                pass
    assert servers.say("after-garbage", "hello")




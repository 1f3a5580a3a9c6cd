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
from collections import defaultdict

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
    """Bodies that look more or less like what the endpoint expects, each with its kind:
    "garbage" (not a JSON document in UTF-8), "big" (a long message), "typed" (a plausible body with
    a wrong content type), "json" (random JSON) or "shaped" (plausible, often valid)."""
    for _ in range(CASES_PER_ENDPOINT):
        pick = rng.randrange(10)
        if pick == 0:
            yield rng.randbytes(rng.choice([0, 1, 100, 70_000])), "application/json", "garbage"
        elif pick == 1:
            yield b'{"sender": "x", "message": "' + bytes([rng.randrange(128, 256) for _ in range(20)]) + b'"}', "application/json", "garbage"
        elif pick == 2:
            yield b"{" * rng.randrange(1, 3000), "application/json", "garbage"
        elif pick == 3:
            yield json.dumps(shape(rng)).encode(), rng.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]), "typed"
        elif pick == 4:
            yield (b'{"message": "' + b"a" * rng.choice([10_000, 300_000, 1_100_000]) + b'", "sender": "big"}'), "application/json", "big"
        elif pick == 5:
            yield json.dumps(random_json(rng)).encode(), "application/json", "json"
        else:
            yield json.dumps(shape(rng), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass"), "application/json", "shaped"


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


#: What `send` returns when the server closed the connection without an answer.
RESET = 0


def send(url: str, body: bytes, content_type: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (ConnectionResetError, BrokenPipeError):
        return RESET
    except urllib.error.URLError as error:
        if isinstance(error.reason, (ConnectionResetError, BrokenPipeError)):
            return RESET
        raise


def fuzz(url: str, shape, headers: dict | None = None, process=None, limit: int = 256 * 1024) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """Send the endpoint its bodies; the statuses by kind of body. Never a 5xx, never a crash; the
    connection may be closed without an answer only while sending a body over `limit` bytes (a
    server may stop reading an oversized body), never for one it should have read."""
    rng = random.Random(f"{SEED}{url}")
    statuses: dict[str, list[int]] = defaultdict(list)
    for body, content_type, kind in bodies(rng, shape):
        status = send(url, body, content_type, headers)
        assert status < 500, f"{url} answered {status} to {body[:120]!r} ({content_type})"
        if status == RESET:
            assert len(body) > limit, f"{url} closed the connection on a {len(body)}-byte body {body[:120]!r}"
        statuses["oversized" if len(body) > limit else kind].append(status)
    if process is not None:
        assert process.poll() is None, f"{url}'s server crashed"
    return statuses


def test_rest_webhook(servers) -> None:
    statuses = fuzz(f"{servers.url}/webhooks/rest/webhook", rest_shape, process=servers.rasa)
    # What is not a JSON object in UTF-8 is refused with a 4xx; an oversized body with a 413 (or the
    # connection is closed while it is still being sent); plausible bodies are answered.
    assert statuses["garbage"] and all(400 <= s < 500 for s in statuses["garbage"]), statuses["garbage"]
    assert statuses["oversized"] and all(s in (413, RESET) for s in statuses["oversized"]), statuses["oversized"]
    assert 200 in statuses["shaped"], statuses["shaped"]
    assert any(400 <= s < 500 for s in statuses["shaped"]), "no invalid sender or message was refused"
    # Still answering normally afterwards.
    assert servers.say("after-fuzz", "hello")


def test_telegram_webhook(servers) -> None:
    url = f"{servers.url}/webhooks/telegram/webhook"
    right = fuzz(url, telegram_shape, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, process=servers.rasa)
    # With the right secret, what is not an update is acknowledged and ignored (Telegram would resend it).
    assert right["garbage"] and set(right["garbage"]) == {200}, right["garbage"]
    assert 200 in right["shaped"], right["shaped"]
    wrong = fuzz(url, telegram_shape, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, process=servers.rasa)
    # With a wrong secret, nothing is read: every body is refused.
    read = [s for kind, found in wrong.items() if kind != "oversized" for s in found]
    assert read and set(read) == {403}, sorted(set(read))
    assert all(s in (403, 413, RESET) for s in wrong["oversized"]), wrong["oversized"]


def test_socketio_http_endpoint(servers) -> None:
    for query in ["", "?EIO=4&transport=polling", "?EIO=3&transport=polling", "?EIO=4&transport=websocket", "?EIO=x&sid=abc&transport=polling"]:
        statuses = fuzz(f"{servers.url}/socket.io/{query}", rest_shape, headers={"Origin": servers.web_url}, process=servers.rasa)
        # None of these is a valid engine.io request: each is refused.
        found = [s for kind, values in statuses.items() if kind != "oversized" for s in values]
        assert all(400 <= s < 500 for s in found), (query, sorted(set(found)))


def test_web_page_server(servers) -> None:
    statuses = fuzz(f"{servers.web_url}/", rest_shape, process=servers.web, limit=64 * 1024)
    # The page takes no POST: every body is refused (a 405, or a 413 when too large to read).
    found = [s for values in statuses.values() for s in values]
    assert set(found) <= {405, 413, RESET} and 405 in found, sorted(set(found))
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
        statuses = fuzz(f"{url}/login", staff_login_shape, process=process, limit=16 * 1024)
        found = [s for values in statuses.values() for s in values]
        # Never signed in by a wrong token; a malformed form is refused.
        assert 200 not in found and 303 not in found and any(400 <= s < 500 for s in found), sorted(set(found))
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





def test_the_fuzzer_catches_a_server_that_drops_connections() -> None:
    """A server that resets the connection on ordinary bodies (as a crashing worker does) fails the
    fuzzer: a reset counts only while sending an oversized body."""
    import struct
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.settimeout(0.2)
            try:
                while connection.recv(1 << 20):  # read the whole request, then drop it unanswered
                    pass
            except OSError:
                pass
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()  # an RST, no answer

    threading.Thread(target=serve, daemon=True).start()
    try:
        with pytest.raises(AssertionError, match="closed the connection"):
            fuzz(f"http://127.0.0.1:{port}/webhooks/rest/webhook", rest_shape)
    finally:
        listener.close()

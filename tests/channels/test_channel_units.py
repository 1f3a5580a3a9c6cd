"""Channel building blocks: REST body checks, Telegram message splitting and keyboards, session
signatures, rate limits."""

from __future__ import annotations

import json

import pytest

from bot.channels.limits import RateLimiter
from bot.channels.rest import MAX_BODY_BYTES, parse_rest_body, safe_metadata
from bot.channels.socketio import SessionSigner
from bot.channels.telegram_api import MAX_CALLBACK_BYTES, inline_keyboard, split_text


@pytest.mark.parametrize(
    "body,error",
    [
        (b'{"sender": "a", "message": "hi"}', None),
        (b'{"sender": 42, "message": "hi"}', None),
        (b'{"sender": "a"}', None),
        (b"", "body is not JSON"),
        (b"[]", "body must be a JSON object"),
        (b'{"sender": true, "message": "hi"}', "sender must be"),
        (b'{"sender": "a b", "message": "hi"}', "sender must be"),
        (b'{"sender": "' + b"x" * 129 + b'", "message": "hi"}', "sender must be"),
        (b'{"sender": "a", "message": {"text": "hi"}}', "message must be a string"),
        (b"\xff", "body is not UTF-8"),
        (b" " * (MAX_BODY_BYTES + 1), "body too large"),
    ],
)
def test_rest_body(body: bytes, error) -> None:
    data, problem = parse_rest_body(body)
    assert (problem is None) if error is None else (problem or "").startswith(error)
    if error is None:
        assert isinstance(data["message"], str) and isinstance(data["sender"], str)


def test_rest_body_cleans_text_and_keeps_only_the_language() -> None:
    data, _ = parse_rest_body(json.dumps({"sender": "a", "message": "hi\x00 there", "metadata": {"language": "fr", "evil": "x" * 1000}}).encode())
    assert data["message"] == "hi there" and data["metadata"] == {"language": "fr"}
    assert safe_metadata({"language": "x" * 40}) == {} and safe_metadata("fr") == {}


def test_telegram_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    parts = split_text(text)
    assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
    assert "".join(p.replace("\n", "") for p in parts) == text.replace("\n", "")


def test_telegram_keyboard_leaves_out_payloads_telegram_refuses() -> None:
    keyboard = inline_keyboard([
        {"title": "Фландрія", "payload": '/inform_region{"region":"flanders"}'},
        {"title": "too long", "payload": "/" + "x" * MAX_CALLBACK_BYTES},
        {"title": "Брюссель", "payload": '/inform_region{"region":"brussels"}'},
    ])
    buttons = [b for row in keyboard["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Фландрія", "Брюссель"]
    assert inline_keyboard([]) is None


def test_session_signatures() -> None:
    signer = SessionSigner(b"secret")
    token = signer.new()
    assert signer.verify(token) == token[:32]
    assert signer.verify(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert SessionSigner(b"other secret").verify(token) is None
    for bad in (None, 42, "", token[:32], token + "x", "G" * 32 + token[32:]):
        assert signer.verify(bad) is None
    assert signer.new() != token


def test_rate_limit_per_sender(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("bot.channels.limits.time.monotonic", lambda: clock[0])
    limiter = RateLimiter(per_minute=6, burst=3)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another sender is not affected
    clock[0] += 10  # one message per 10 seconds comes back
    assert limiter.allow("a") and not limiter.allow("a")

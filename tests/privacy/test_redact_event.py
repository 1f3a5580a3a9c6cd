"""Stored events (bot.privacy.redact_event): the user's words and a bot message echoing them are
redacted every time, also when the same bot message is stored again (it is remembered by text);
the user's own messages are never remembered."""

from __future__ import annotations

from bot import privacy


def test_a_repeated_bot_message_is_redacted_every_time() -> None:
    echo = {"event": "bot", "text": "Noted: we will call you at +32 470 12 34 56.", "timestamp": 1.0}
    first = privacy.redact_event(echo)
    again = privacy.redact_event({**echo, "timestamp": 2.0})
    assert "470" not in first["text"] and "[phone]" in first["text"]
    assert again["text"] == first["text"] and again["timestamp"] == 2.0
    assert echo["text"].endswith("34 56.")  # the event itself is left as it was


def test_user_messages_are_redacted_and_never_remembered() -> None:
    privacy._redact_bot_text.cache_clear()
    user = {"event": "user", "text": "My phone is 0470 12 34 56", "parse_data": {"text": "My phone is 0470 12 34 56", "entities": []}}
    stored = privacy.redact_event(user)
    assert "0470" not in stored["text"] and "0470" not in stored["parse_data"]["text"]
    assert privacy._redact_bot_text.cache_info().currsize == 0

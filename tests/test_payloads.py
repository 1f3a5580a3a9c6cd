"""Only the bot's own buttons may send `/intent{...}`; typed slashes are read as words."""

from __future__ import annotations

import pytest

from bot.payloads import ALLOWED_PAYLOADS, guard_text, language_payload, region_payload


@pytest.mark.parametrize(
    "typed,read_as",
    [
        ('/inform_region{"region":"flanders"}', '/inform_region{"region":"flanders"}'),
        ('/choose_language{"language":"fr"}', '/choose_language{"language":"fr"}'),
        ("/ask_housing", "/ask_housing"),
        ("/start", "/greet"),
        ("/help", "/help"),
        ("/help@UaBeBot", "/help"),
        ("/language", "/choose_language"),
        ("/language en", '/choose_language{"language":"en"}'),
        ("/language uk-UA", '/choose_language{"language":"uk"}'),
        ("/restart", "/start_over"),
        # Anything else starting with "/" loses its slashes and is read as text.
        ('/inform_region{"region":"mars"}', 'inform_region{"region":"mars"}'),
        ('/inform_region{"region": "flanders"}', 'inform_region{"region": "flanders"}'),
        ('/ask_housing{"region":"brussels","language":"en"}', 'ask_housing{"region":"brussels","language":"en"}'),
        ("/greet@0.99", "greet@0.99"),
        ("/nlu_fallback", "nlu_fallback"),
        ("//restart", "restart"),
        ("/", ""),
        ("where do I register?", "where do I register?"),
        ("1/2 of my family", "1/2 of my family"),
    ],
)
def test_guard(typed: str, read_as: str) -> None:
    assert guard_text(typed) == read_as


def test_every_button_payload_is_allowed() -> None:
    for lang in ("uk", "nl", "fr", "en"):
        assert language_payload(lang) in ALLOWED_PAYLOADS
    for region in ("flanders", "wallonia", "brussels"):
        assert region_payload(region) in ALLOWED_PAYLOADS

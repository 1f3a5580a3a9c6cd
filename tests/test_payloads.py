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
        # Slashes and spaces mixed: every leading run goes, so Rasa never sees "/intent".
        ("/ /restart", "restart"),
        ('/\t/choose_language{"language":"de"}', 'choose_language{"language":"de"}'),
        ("// /greet", "greet"),
        ("/ / /x", "x"),
        (" / /session_start", "session_start"),
        ("/\n\n/ask_housing", "ask_housing"),
        ("/ ", ""),
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


@pytest.mark.parametrize(
    "typed",
    ["/ /restart", '/\t/choose_language{"language":"de"}', "// /greet", "/ / /x", "/ // / /restart", "/\u3000/restart",
     "/ /start", "/ /language fr", '/ /inform_region{"region":"flanders"}'],
)
def test_nothing_typed_with_mixed_slashes_reaches_rasa_as_an_intent(typed: str) -> None:
    """Rasa's RegexMessageHandler reads any text starting with "/" as an intent: none may be left."""
    guarded = guard_text(typed)
    assert not guarded.lstrip().startswith("/"), guarded

"""Cleaning user text before it is read or stored."""

from __future__ import annotations

import pytest

from bot.text import MAX_MESSAGE_CHARS, clean_user_text, has_words


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("  hello \n\n world\t", "hello world"),
        ("a\x00b\x07c\x1b[31m", "abc[31m"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("e\u0301", "é"),  # NFC
        # Lone surrogates cannot be encoded (they crashed the action server): removed; a pair that
        # arrived as two code points becomes its character.
        ("call me \ud800 please", "call me please"),
        ("\udfff", ""),
        ("ok \ud83d\ude00", "ok 😀"),
        ("x\ufffey\uffff", "xy"),
        (None, ""),
        (42, ""),
        ("", ""),
    ],
)
def test_clean(raw, clean) -> None:
    assert clean_user_text(raw) == clean


def test_long_text_is_cut_at_a_word() -> None:
    text = "слово " * 5000
    cleaned = clean_user_text(text)
    assert len(cleaned) <= MAX_MESSAGE_CHARS and cleaned.endswith("слово")


@pytest.mark.parametrize("text,expected", [("👍", False), ("?!", False), ("", False), ("ok", True), ("9000", True), ("Я", True)])
def test_has_words(text, expected) -> None:
    assert has_words(text) is expected


def test_clean_text_can_always_be_encoded() -> None:
    for raw in ["\ud800", "a\udc00b\ud800", "\ud83d", "текст\udfff", "\ud800\udc00"]:
        clean_user_text(raw).encode("utf-8")

"""Cleaning what users type before anything else reads or stores it."""

from __future__ import annotations

import re
import unicodedata

#: The longest text the assistant reads; the rest of a longer message is ignored (not stored).
MAX_MESSAGE_CHARS = 2000

#: Code points that cannot be encoded (lone surrogates) or are not characters (U+FFFE, U+FFFF...).
_UNENCODABLE = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\r\n\u00a0\u2000-\u200a\u2028\u2029\u3000]+")
_WORDLIKE = re.compile(r"[^\W_]", re.UNICODE)


def encodable(text: str) -> str:
    """The text without code points UTF-8 cannot encode: a surrogate pair that arrived as two code
    points becomes its character, a lone surrogate (and a noncharacter) is removed. A lone "\ud800"
    otherwise crashes what reads the text (spaCy, JSON encoders) and ends up in a traceback."""
    if not _UNENCODABLE.search(text):
        return text
    # Through UTF-16: a high and a low surrogate side by side become the character they encode.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _UNENCODABLE.sub("", text)


def clean_user_text(text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Text as the assistant reads it: encodable (no lone surrogates), NFC, no control or invisible
    characters, spaces collapsed, at most `limit` characters. Non-text input becomes an empty string."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", encodable(text))
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        cut = text[:limit]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return text


def has_words(text: str) -> bool:
    """True when a message has at least one letter or digit (not only emoji, symbols or spaces)."""
    return bool(_WORDLIKE.search(text or ""))

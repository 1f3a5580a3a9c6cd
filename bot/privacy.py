"""Removing personal data from text before it is stored, logged or shown in reports.

Phone numbers, e-mail addresses, Belgian national register numbers, IBANs and identity document
numbers are replaced by a label ("[phone]"). The patterns err on the side of removing: a long run of
digits is treated as personal data even when it is not.
"""

from __future__ import annotations

import re
from typing import Any

# Order matters: the most specific patterns first.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("[iban]", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.I)),
    # Belgian national register number: YY.MM.DD-XXX.XX (separators optional).
    ("[national-number]", re.compile(r"\b\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}\b")),
    # Belgian eID / residence card number: 000-0000000-00; passports: two letters and six digits
    # (Ukrainian), a letter or two and seven or eight characters (Belgian and others).
    ("[document]", re.compile(r"\b\d{3}-\d{7}-\d{2}\b")),
    ("[document]", re.compile(r"\b[A-Z]{2}\s?\d{6,8}\b")),
    ("[document]", re.compile(r"\b[A-Z]{1,2}\d{7,8}\b")),
    # Phone numbers: +32 470 12 34 56, 0470/12.34.56, +380 67 123 4567, (02) 123 45 67 ...
    ("[phone]", re.compile(r"(?<![\w+])(?:\+|00)\d[\d\s./()-]{7,17}\d")),
    ("[phone]", re.compile(r"(?<![\w])\(?0\d{1,3}\)?[\s./-]?\d{2,3}(?:[\s./-]?\d{2,3}){2,3}(?!\d)")),
    # Any other long run of digits (card numbers, case numbers).
    ("[number]", re.compile(r"(?<!\d)\d{9,}(?!\d)")),
]


def redact(text: Any) -> Any:
    """The text with personal data replaced by labels; other values are returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    for label, pattern in _PATTERNS:
        text = pattern.sub(label, text)
    return text


def redact_event(event: dict) -> dict:
    """A copy of a serialised Rasa event with the user's text redacted everywhere it appears (and a
    bot message's text, which may repeat it)."""
    if event.get("event") == "bot":
        return {**event, "text": redact(event.get("text"))}
    if event.get("event") != "user":
        return event
    clean = dict(event)
    clean["text"] = redact(event.get("text"))
    parse_data = event.get("parse_data")
    if isinstance(parse_data, dict):
        parse_data = dict(parse_data)
        parse_data["text"] = redact(parse_data.get("text"))
        parse_data["entities"] = [
            {**e, "value": redact(e.get("value"))} if isinstance(e, dict) else e
            for e in parse_data.get("entities") or []
        ]
        clean["parse_data"] = parse_data
    return clean

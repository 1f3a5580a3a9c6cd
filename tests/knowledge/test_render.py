"""Numbers, percentages and dates formatted for each reader's locale with Babel."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.knowledge.model import AsOf, Value
from bot.knowledge.render import doubled_words, format_as_of, format_value, render_text

NBSP, NNBSP = "\u00a0", "\u202f"


def _spaces(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.mark.parametrize(
    "lang,expected",
    [("nl", "53.450"), ("fr", "53 450"), ("uk", "53 450"), ("en", "53,450")],
)
def test_numbers_are_grouped_per_locale(lang: str, expected: str) -> None:
    formatted = format_value(Value("number", 53450), lang)
    assert _spaces(formatted) == expected
    if lang in ("fr", "uk"):
        assert " " not in formatted, "the group separator must not break across lines"


@pytest.mark.parametrize(
    "lang,expected",
    [("nl", "59,40%"), ("fr", "59,40 %"), ("uk", "59,40%"), ("en", "59.40%")],
)
def test_percentages_keep_the_source_precision(lang: str, expected: str) -> None:
    assert _spaces(format_value(Value("percent", 59.4, decimals=2), lang)) == expected


@pytest.mark.parametrize(
    "lang,expected",
    [("uk", "4 березня 2027 року"), ("nl", "4 maart 2027"), ("fr", "4 mars 2027"), ("en", "4 March 2027")],
)
def test_dates_in_each_language(lang: str, expected: str) -> None:
    """Ukrainian prose writes a full date with "року", not CLDR's abbreviated "р."."""
    assert format_value(Value("date", dt.date(2027, 3, 4)), lang) == expected


def test_a_ukrainian_sentence_with_a_date_reads_naturally() -> None:
    values = {"end": Value("date", dt.date(2027, 3, 4)), "decided": Value("date", dt.date(2025, 6, 13))}
    text = render_text("Захист діє до {end}: Рада ЄС погодила це {decided}.", values, "uk")
    assert text == "Захист діє до 4 березня 2027 року: Рада ЄС погодила це 13 червня 2025 року."
    assert format_as_of(AsOf(dt.date(2023, 2, 5), "day"), "uk") == "5 лютого 2023 року"
    # A month or a year alone takes no "року" from the renderer: the text writes it where it wants it.
    assert format_as_of(AsOf(dt.date(2023, 2, 1), "month"), "uk") == "лютий 2023"
    assert render_text("повені {y:y} року", {"y": Value("month", dt.date(2021, 1, 1))}, "uk") == "повені 2021 року"


def test_a_word_the_date_already_ends_with_is_found_when_written_again() -> None:
    values = {"end": Value("date", dt.date(2027, 3, 4)), "year": Value("month", dt.date(2021, 1, 1))}
    assert doubled_words("до {end} року.", values, "uk") == ["року"]
    assert doubled_words("до {end}.", values, "uk") == []
    assert doubled_words("у {year:y} році", values, "uk") == []


@pytest.mark.parametrize(
    "lang,spec,expected",
    [
        ("uk", "", "лютий 2023"),
        ("uk", "MMMM y", "лютого 2023"),
        ("nl", "", "februari 2023"),
        ("fr", "", "février 2023"),
        ("en", "", "February 2023"),
    ],
)
def test_months_and_ukrainian_cases(lang: str, spec: str, expected: str) -> None:
    assert format_value(Value("month", dt.date(2023, 2, 1)), lang, spec) == expected


def test_as_of_shows_the_precision_of_the_source() -> None:
    assert format_as_of(AsOf(dt.date(2023, 2, 1), "month"), "nl") == "februari 2023"
    assert format_as_of(AsOf(dt.date(2023, 2, 5), "day"), "fr") == "5 février 2023"


def test_a_text_is_filled_with_its_values() -> None:
    values = {"n": Value("number", 1564), "m": Value("month", dt.date(2023, 1, 1))}
    assert render_text("{n} за {m}", values, "uk") == f"1{NBSP}564 за січень 2023"
    assert render_text("{n} in {m}", values, "en") == "1,564 in January 2023"

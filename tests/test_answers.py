"""Answers composed from facts: the sentence on the age of the figures reads well in every language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answers import compose_facts
from bot.knowledge import load_knowledge

LATER = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "fact_id,lang,expected",
    [
        # A month (the source gives no day) and a day, in French: "du février 2023" is wrong French.
        ("housing.wallonia.units", "fr", "Date de ces chiffres : février 2023 ou plus tard."),
        ("housing.flanders.places", "fr", "Date de ces chiffres : 5 février 2023 ou plus tard."),
        ("housing.wallonia.units", "nl", "Deze cijfers dateren van februari 2023 of later"),
        ("housing.flanders.places", "uk", "Ці цифри подано станом на 5 лютого 2023 року"),
        ("housing.flanders.places", "en", "These figures date from 5 February 2023 or later"),
    ],
)
def test_the_age_of_the_figures_reads_well_for_a_month_and_a_day(
    small_knowledge: Path, fact_id: str, lang: str, expected: str
) -> None:
    kb = load_knowledge(small_knowledge)
    reply = compose_facts(kb, [kb.by_id[fact_id]], lang, today=LATER)
    assert expected in reply.text
    assert " du février" not in reply.text

"""Every figure, date and name of the source documents is in the knowledge file, in every language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.knowledge.render import render_text
from bot.languages import LANGUAGES

SEED = Path(__file__).resolve().parents[2] / "data" / "sources" / "be_review_2023.nl.txt"
DUTCH_MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()



def _values(kb):
    numbers, dates, texts = set(), set(), []
    for fact in kb.facts:
        for value in fact.values.values():
            if value.kind in ("number", "percent"):
                numbers.add(float(value.value))
            elif value.kind in ("date", "month"):
                dates.add(value.value)
            else:
                texts.append(str(value.value))
    return numbers, dates, texts


def test_every_number_of_the_seed_is_a_value(project_knowledge) -> None:
    seed = SEED.read_text(encoding="utf-8")
    numbers, dates, texts = _values(project_knowledge)
    missing = []
    for match in re.finditer(r"\d[\d.,]*\d|\d", seed):
        token = match.group(0)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", token):
            day, month, year = (int(x) for x in token.split("."))
            year = year + 2000 if year < 100 else year
            if dt.date(year, month, day) in dates or any(
                f.as_of.date == dt.date(year, month, day) for f in project_knowledge.facts
            ):
                continue
            missing.append(token)
            continue
        following = seed[match.end() : match.end() + 15].split()
        if following and following[0].lower() in DUTCH_MONTHS:
            day = int(token)
            month = DUTCH_MONTHS.index(following[0].lower()) + 1
            if any(d.day == day and d.month == month for d in dates) or any(
                f.as_of.date.day == day and f.as_of.date.month == month for f in project_knowledge.facts
            ):
                continue
            missing.append(f"{token} {following[0]}")
            continue
        if re.fullmatch(r"(19|20)\d\d", token) and any(d.year == int(token) for d in dates):
            continue
        value = float(token.replace(".", "").replace(",", "."))
        if value in numbers or any(token in t for t in texts):
            continue
        missing.append(token)
    assert not missing, f"figures of the source not in the knowledge file: {missing}"


@pytest.mark.parametrize(
    "name",
    [
        "info-ukraine.be", "wallonie.be/ukraine", "helpukraine.brussels", "belgium.be", "Statbel",
        "Fedasil", "VDAB", "Actiris", "IFAPME", "#werkplekvrij", "NT2", "TempHoWal", "VLOT",
        "Pleegzorg Vlaanderen", "Solentra", "Vluchtelingenwerk Vlaanderen", "Fédération des Maisons Médicales",
        "Crisis information Translated", "Welkom in Vlaanderen", "Un guide du parcours du réfugié ukrainien",
        "Hébergements conventionnés", "Ariane", "Victor Horta", "Handelsstraat 44", "Montoyerstraat 34",
        "Paleis 8", "Bordet", "COFECO", "CELEVAL",
    ],
)
def test_named_places_programmes_and_websites_are_known_in_every_language(project_knowledge, name: str) -> None:
    sites = " ".join(w.url for w in project_knowledge.websites)
    for lang in LANGUAGES:
        texts = " ".join(render_text(f.text[lang], f.values, lang) for f in project_knowledge.facts)
        assert name.lower() in (texts + " " + sites).lower(), f"{name} missing in {lang}"


def test_protection_end_date_is_the_latest_decision(project_knowledge) -> None:
    """Asked how long protection lasts, the current fact gives 4 March 2027 and its decision date."""
    current = [f for f in project_knowledge.facts_for("protection_duration") if f.current]
    ends = {v.value for f in current for v in f.values.values() if v.kind == "date"}
    assert dt.date(2027, 3, 4) in ends and dt.date(2025, 6, 13) in ends
    assert not ({dt.date(2023, 3, 4), dt.date(2024, 3, 4), dt.date(2025, 3, 4), dt.date(2026, 3, 4)} & ends), (
        "an outdated end date is presented as current"
    )
    history = [f for f in project_knowledge.facts_for("protection_duration", include_superseded=True) if not f.current]
    assert len(history) >= 4, "earlier end dates are kept as history"

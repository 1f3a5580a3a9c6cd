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



#: A figure must be a value of one of this many facts of the source that read most like the sentence
#: the figure is in (of 117 facts; the right fact ranks at most 6th today, an unrelated one rarely
#: ranks this high).
NEAREST = 10
_FIGURE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}|\d[\d.,]*\d|\d")
_SENTENCE_END = re.compile(r"(?<=[a-z)%])[.!?]\s+(?=[A-Z\"•(0-9])")


def _stems(text: str) -> list[str]:
    return [w.casefold()[:6] for w in re.findall(r"[^\W\d_]{3,}", text)]


def _date(token: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})", token)
    if not match:
        return None
    day, month, year = (int(x) for x in match.groups())
    return dt.date(year + 2000 if year < 100 else year, month, day)


def holds(fact, token: str, following: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether `fact` carries the figure `token` (followed in the source by `following`)."""
    values = list(fact.values.values())
    dates = [v.value for v in values if v.kind in ("date", "month")] + [fact.as_of.date]
    date = _date(token)
    if date is not None:
        return date in dates
    words = following.split()
    if words and words[0].lower() in DUTCH_MONTHS:
        month = DUTCH_MONTHS.index(words[0].lower()) + 1
        return any(d.day == int(token) and d.month == month for d in dates)
    if re.fullmatch(r"(19|20)\d\d", token) and any(d.year == int(token) for d in dates[:-1]):
        return True
    number = float(token.replace(".", "").replace(",", "."))
    return any(v.kind in ("number", "percent") and float(v.value) == number for v in values) or any(
        v.kind in ("text", "url") and token in str(v.value) for v in values
    )


def misplaced_figures(kb, seed: str, doc: str = "be_review_2023") -> list[str]:  # type: ignore[no-untyped-def]
    """Figures of the source that are not a value of a fact stating the sentence they are in.

    Each sentence (a bullet with the heading above it) is compared with the Dutch text of every fact
    taken from the source (TF-IDF of word stems); the figure must be a value, or the as-of date, of
    one of the `NEAREST` most similar facts. A figure in the wrong fact (a number of places given as a
    number of pupils) fails, even though the figure is somewhere in the knowledge file.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    facts = [f for f in kb.facts if f.source.doc == doc]
    vectorizer = TfidfVectorizer(analyzer=_stems).fit([render_text(f.text["nl"], f.values, "nl") for f in facts])
    matrix = vectorizer.transform([render_text(f.text["nl"], f.values, "nl") for f in facts])
    problems = []
    heading = ""
    for line in seed.splitlines():
        line = line.strip()
        if not line:
            continue
        bullet = line.startswith("•")
        if not bullet:
            heading = line
        for sentence in _SENTENCE_END.split(line):
            similarity = (matrix @ vectorizer.transform([sentence + (" " + heading if bullet else "")]).T).toarray().ravel()
            nearest = [facts[i] for i in np.argsort(-similarity, kind="stable")[:NEAREST]]
            for match in _FIGURE.finditer(sentence):
                token, following = match.group(0), sentence[match.end() : match.end() + 15]
                if any(holds(f, token, following) for f in nearest):
                    continue
                holders = [f.id for f in facts if holds(f, token, following)]
                problems.append(f"{token!r} in {sentence[:90]!r}: " + (f"only in {holders}" if holders else "in no fact"))
    return problems


def test_every_figure_of_the_seed_is_a_value_of_its_fact(project_knowledge) -> None:
    problems = misplaced_figures(project_knowledge, SEED.read_text(encoding="utf-8"))
    assert not problems, "figures of the source missing or in the wrong fact:\n" + "\n".join(problems)


def test_a_figure_moved_to_another_fact_is_caught(project_knowledge) -> None:
    """Swapping the figures of two facts keeps every figure somewhere in the file: still refused."""
    import dataclasses

    by_id = {f.id: f for f in project_knowledge.facts}
    ghent, cgg = by_id["housing.flanders.ghent_village"], by_id["psy.flanders.cgg"]
    ghent_places = ghent.values["places"]
    cgg_name, cgg_value = next((k, v) for k, v in cgg.values.items() if v.kind == "number")
    swapped = {
        ghent.id: dataclasses.replace(ghent, values={**ghent.values, "places": cgg_value}),
        cgg.id: dataclasses.replace(cgg, values={**cgg.values, cgg_name: ghent_places}),
    }
    kb = dataclasses.replace(project_knowledge, facts=tuple(swapped.get(f.id, f) for f in project_knowledge.facts))
    problems = misplaced_figures(kb, SEED.read_text(encoding="utf-8"))
    assert any(p.startswith(f"'{ghent_places.value}'") or p.startswith(repr(str(ghent_places.value))) for p in problems), problems


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

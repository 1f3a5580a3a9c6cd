"""Loading and validating knowledge files: a bad file is refused with file, fact id and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge, validate_knowledge
from bot.languages import LANGUAGES


def test_small_knowledge_loads(small_knowledge: Path) -> None:
    kb = load_knowledge(small_knowledge)
    assert [f.id for f in kb.facts] == ["housing.flanders.places", "housing.wallonia.units", "duration.end"]
    assert kb.by_id["housing.wallonia.units"].as_of.precision == "month"
    assert str(kb.data_date) == "2025-06-13"


def _break(folder: Path, old: str, new: str) -> Path:
    file = folder / "facts.yml"
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return file


BROKEN = [
    # (what is wrong, text replaced, replacement, fact id, field, words of the message)
    ("missing translation", '      fr: "En Flandre, il y a {places} places."\n', "", "housing.flanders.places", "text.fr", "missing translation"),
    ("empty translation", '"Flanders has {places} places."', '""', "housing.flanders.places", "text.en", "empty translation"),
    ("bad date", 'as_of: "2023-02-05"', 'as_of: "2023-02-30"', "housing.flanders.places", "as_of", "no such day"),
    ("date format", 'as_of: "2023-02-05"', 'as_of: "05.02.2023"', "housing.flanders.places", "as_of", "bad date"),
    ("future date", 'as_of: "2025-06-13"', 'as_of: "2999-01-01"', "duration.end", "as_of", "future"),
    ("unknown region", "region: flanders", "region: flandres", "housing.flanders.places", "region", "unknown value"),
    ("unknown topic", "topic: housing", "topic: housingg", "housing.flanders.places", "topic", "unknown value"),
    ("figure in text", '"Flanders has {places} places."', '"Flanders has 53,450 places ({places})."', "housing.flanders.places", "text.en", "figure written in the text"),
    ("placeholder without value", '"Wallonia: {share}."', '"Wallonia: {share} of {total}."', "housing.wallonia.units", "text.en", "has no value"),
    ("value missing in a translation", '"Валлонія: {share}."', '"Валлонія."', "housing.wallonia.units", "text.uk", "not in this translation"),
    ("unknown source", "source: {doc: doc}\n    values:\n      share", "source: {doc: nodoc}\n    values:\n      share", "housing.wallonia.units", "source.doc", "unknown source"),
    ("unknown section", "source: {doc: doc, section: main}\n    values:\n      places", "source: {doc: doc, section: other}\n    values:\n      places", "housing.flanders.places", "source.section", "unknown section"),
    ("bad value date", 'end: {date: "2027-03-04"}', 'end: {date: "4 March 2027"}', "duration.end", "values.end", "bad date"),
    ("word written twice", '"Захист діє до {end}."', '"Захист діє до {end} року."', "duration.end", "text.uk", "written twice"),
    ("pattern on a number", '"Flanders has {places} places."', '"Flanders has {places:MMMM} places."', "housing.flanders.places", "text.en", "only dates take a pattern"),
    ("unknown field", "    topic: housing\n    region: flanders", "    topic: housing\n    colour: red\n    region: flanders", "housing.flanders.places", "-", "Additional properties"),
]


@pytest.mark.parametrize("what,old,new,fact_id,field,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_refused_naming_file_fact_and_field(
    small_knowledge: Path, what: str, old: str, new: str, fact_id: str, field: str, words: str
) -> None:
    file = _break(small_knowledge, old, new)
    problems = validate_knowledge(small_knowledge)
    assert problems, f"{what} was not detected"
    match = [p for p in problems if p.fact_id == fact_id and p.field == field]
    assert match, f"no problem for {fact_id}/{field} in {[str(p) for p in problems]}"
    assert all(p.file == str(file) for p in match)
    assert words in match[0].message
    with pytest.raises(KnowledgeError) as refused:
        load_knowledge(small_knowledge)
    assert str(file) in str(refused.value) and fact_id in str(refused.value)


def test_duplicate_id_across_files_names_both(small_knowledge: Path) -> None:
    text = (small_knowledge / "facts.yml").read_text(encoding="utf-8")
    facts_only = "version: 1\nfacts:\n" + text.split("facts:\n", 1)[1]
    (small_knowledge / "more.yml").write_text(facts_only, encoding="utf-8")
    problems = validate_knowledge(small_knowledge)
    duplicates = [p for p in problems if p.field == "id" and "duplicate" in p.message]
    assert {p.fact_id for p in duplicates} == {"housing.flanders.places", "housing.wallonia.units", "duration.end"}
    assert all("facts.yml" in p.message for p in duplicates)


@pytest.mark.parametrize(
    "content,words",
    [
        (b"version: 1\nfacts: [\n", "not valid YAML"),
        (b"\xff\xfe version: 1", "not UTF-8"),
        (b"- just a list\n", "mapping"),
        (b"version: 2\n", "version"),
    ],
    ids=["yaml syntax", "encoding", "not a mapping", "wrong version"],
)
def test_unreadable_files_are_named(tmp_path: Path, content: bytes, words: str) -> None:
    file = tmp_path / "bad.yml"
    file.write_bytes(content)
    problems = validate_knowledge(tmp_path)
    assert problems and all(p.file == str(file) for p in problems)
    assert any(words in p.message or words in p.field for p in problems), [str(p) for p in problems]


def test_superseded_by_must_name_a_fact(small_knowledge: Path) -> None:
    _break(small_knowledge, "    topic: protection_duration\n", "    topic: protection_duration\n    superseded_by: nothing.here\n")
    problems = validate_knowledge(small_knowledge)
    assert [(p.fact_id, p.field) for p in problems] == [("duration.end", "superseded_by")]


def test_every_problem_is_reported_not_only_the_first(small_knowledge: Path) -> None:
    _break(small_knowledge, "region: flanders", "region: nowhere")
    _break(small_knowledge, 'as_of: "2025-06-13"', 'as_of: "2025-13-01"')
    problems = validate_knowledge(small_knowledge)
    assert {(p.fact_id, p.field) for p in problems} >= {
        ("housing.flanders.places", "region"),
        ("duration.end", "as_of"),
    }


def test_project_knowledge_is_valid_and_complete(project_knowledge) -> None:
    """Every fact of the project's knowledge file in all four languages, each with date and source."""
    assert len(project_knowledge.facts) >= 100
    for fact in project_knowledge.facts:
        assert set(fact.text) == set(LANGUAGES), fact.id
        assert all(fact.text[lang].strip() for lang in LANGUAGES), fact.id
        assert fact.source.doc in project_knowledge.sources, fact.id

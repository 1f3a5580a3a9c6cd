"""The staff's terminal commands: validate on broken files, search, show, list, stale, sheets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.knowledge.render import format_as_of
from bot.staff.sheets import sheet_facts

ROOT = Path(__file__).resolve().parents[2]


def staff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )


BROKEN_FILES = {
    "missing_translation.yml": ("fact.one", "text.fr", "missing translation"),
    "bad_date.yml": ("fact.one", "as_of", "bad date"),
    "unknown_region.yml": ("fact.one", "region", "unknown value"),
    "unknown_topic.yml": ("fact.one", "topic", "unknown value"),
    "figure_disagrees.yml": ("fact.one", "text.nl", "figure written in the text"),
}

GOOD_FACT = """version: 1
sources:
  doc{n}:
    title: {{uk: "Д", nl: "D", fr: "D", en: "D"}}
    publisher: {{uk: "У", nl: "O", fr: "G", en: "G"}}
facts:
  - id: fact.one
    topic: housing
    region: flanders
    as_of: "2023-02-05"
    source: {{doc: doc{n}}}
    values:
      n: {{number: 1730}}
    text:
      uk: "{{n}} місць."
      nl: "{{n}} plaatsen."
      fr: "{{n}} places."
      en: "{{n}} places."
"""


def _write_broken(folder: Path) -> None:
    variants = {
        "missing_translation.yml": lambda t: t.replace('      fr: "{n} places."\n', ""),
        "bad_date.yml": lambda t: t.replace('"2023-02-05"', '"2023-02-31"'),
        "unknown_region.yml": lambda t: t.replace("region: flanders", "region: limbourg"),
        "unknown_topic.yml": lambda t: t.replace("topic: housing", "topic: weather"),
        "figure_disagrees.yml": lambda t: t.replace('"{n} plaatsen."', '"{n} plaatsen (1.703 in 2022)."'),
    }
    for i, (name, change) in enumerate(variants.items()):
        folder.joinpath(name).write_text(change(GOOD_FACT.format(n=i)), encoding="utf-8")


def test_validate_reports_every_problem_with_file_fact_and_field(tmp_path: Path) -> None:
    _write_broken(tmp_path)
    result = staff("validate", str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    for name, (fact_id, field, words) in BROKEN_FILES.items():
        expected = f"{tmp_path / name}: {fact_id}: {field}: "
        assert any(line.startswith(expected) and words in line for line in lines), (name, lines)
    # The duplicate id across files is reported too.
    assert any("duplicate id" in line for line in lines)


def test_validate_accepts_the_project_knowledge() -> None:
    result = staff("validate")
    assert result.returncode == 0 and result.stdout.startswith("ok: ")


def test_search_show_and_list() -> None:
    found = staff("search", "nooddorp", "Gent", "--lang", "nl", "--limit", "1")
    assert found.returncode == 0 and "housing.flanders.ghent_village" in found.stdout
    shown = staff("show", "tp.duration.current")
    assert "4 березня 2027" in shown.stdout and "4 maart 2027" in shown.stdout and "4 mars 2027" in shown.stdout
    listed = staff("list", "--topic", "schooling", "--region", "wallonia")
    assert "school.wallonia.pupils.liege" in listed.stdout and "work." not in listed.stdout
    assert staff("show", "no.such.fact").returncode == 1


def test_stale_report_uses_the_given_age(tmp_path: Path) -> None:
    import datetime as dt

    db = f"sqlite:///{tmp_path / 'rasa.db'}"
    kb = load_knowledge(ROOT / "data" / "knowledge")
    today = dt.date.today()
    # Based on the last verification, not on the data's date (guidance first: tests/staff/test_verified.py).
    for days in (100000, 30, 0):
        report = staff("stale", "--db", db, "--days", str(days))
        assert report.returncode == 0, report.stderr
        listed = [line.split()[0] for line in report.stdout.splitlines() if line and not line.startswith(" ")]
        expected = [
            f.id for f in kb.facts
            if f.current and (f.last_verified is None or (today - f.last_verified).days > days)
        ]
        assert sorted(listed) == sorted(expected), days
        assert f"{len(expected)} of {sum(f.current for f in kb.facts)} current facts" in report.stderr
    assert staff("stale", "--db", db, "--days", "-1").returncode == 2


@pytest.mark.timeout(300)
def test_sheets_per_language_and_region_with_pdf(tmp_path: Path) -> None:
    result = staff("sheets", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for lang in ("uk", "nl", "fr", "en"):
        for region in ("belgium", "flanders", "wallonia", "brussels"):
            html = (tmp_path / lang / f"{region}.html").read_text(encoding="utf-8")
            assert f'lang="{lang}"' in html
            assert (tmp_path / lang / f"{region}.pdf").read_bytes()[:5] == b"%PDF-"
    facts = sheet_facts(load_knowledge(ROOT / "data" / "knowledge"), "flanders")
    oldest = min(facts, key=lambda f: f.as_of.date).as_of
    newest = max(facts, key=lambda f: f.as_of.date).as_of
    stamp = f"Дати фактів: від найдавнішої ({format_as_of(oldest, 'uk')}) до найновішої ({format_as_of(newest, 'uk')})."
    assert stamp in (tmp_path / "uk" / "flanders.html").read_text(encoding="utf-8")
    wallonia_fr = (tmp_path / "fr" / "wallonia.html").read_text(encoding="utf-8")
    assert "Province de Liège:" in wallonia_fr and "www.wallonie.be/ukraine" in wallonia_fr
    assert "Actiris" not in wallonia_fr, "a Walloon sheet shows no Brussels facts"

"""Verifications by staff: the append-only store, the effective last verification (the later of the
file and the store), the stale report's order, and writing verifications back into the YAML files
without touching anything else in them."""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.staff.verified import (
    ExportError,
    Verification,
    VerificationStore,
    describe,
    last_verification,
    pending_exports,
    stale_report,
    write_verified,
)

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 1)

KNOWLEDGE = """\
# Two guidance facts and two figures; comments, flow mappings and quoting must survive an export.
version: 1
sources:
  page:
    title: {uk: "Сторінка", nl: "Pagina", fr: "Page", en: "Page"}
    publisher: {uk: "Fedasil", nl: "Fedasil", fr: "Fedasil", en: "Fedasil"}
    url: "https://www.fedasil.be/nl/oekraine"
    accessed: "2026-06-01"
  review:
    title: {uk: "Огляд", nl: "Balans", fr: "Bilan", en: "Review"}
    publisher: {uk: "Уряд", nl: "Overheid", fr: "Gouvernement", en: "Government"}
facts:
  - id: guide.old
    kind: guidance
    topic: registration
    region: belgium
    as_of: "2025-01-10"
    last_verified: "2025-01-10"  # checked when written
    source: {doc: page}
    text:
      uk: "Зареєструйтеся в центрі."
      nl: "Laat u registreren in het centrum."
      fr: "Faites-vous enregistrer au centre."
      en: "Register at the centre."

  - id: guide.fresh
    kind: guidance
    topic: housing
    region: flanders
    as_of: '2026-11-20'
    last_verified: '2026-11-20'
    source: {doc: page}
    text:
      uk: "Зверніться до громади."
      nl: "Ga naar de gemeente."
      fr: "Adressez-vous à la commune."
      en: "Go to the municipality."
  - id: stat.places
    topic: housing
    region: flanders
    as_of: "2023-02"
    source: {doc: review}
    values:
      places: {number: 1730}
    text:
      uk: "{places} місць."
      nl: "{places} plaatsen."
      fr: "{places} places."
      en: "{places} places."
  - id: stat.older
    topic: work
    region: belgium
    as_of: "2022-09-30"
    last_verified: "2026-01-15"
    source: {doc: review}
    text:
      uk: "Старий факт."
      nl: "Oud feit."
      fr: "Ancien fait."
      en: "Old fact."
"""


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "facts.yml").write_text(KNOWLEDGE, encoding="utf-8")
    return folder


@pytest.fixture
def store(tmp_path: Path):
    store = VerificationStore(f"sqlite:///{tmp_path / 'rasa.db'}")
    yield store
    store.dispose()


def test_the_store_keeps_each_verification_and_gives_the_latest(store) -> None:
    assert store.latest() == {}
    store.record("guide.old", "Olena", dt.date(2026, 3, 1))
    store.record("guide.old", "Marc", dt.date(2026, 5, 2))
    store.record("guide.old", "Olena", dt.date(2026, 4, 1))  # recorded later, but an earlier day
    store.record("guide.old", "Marc", dt.date(2026, 5, 2))  # the same again: kept once
    store.record("stat.places", "  Anna   Peeters ", dt.date(2026, 1, 1))
    latest = store.latest()
    assert latest["guide.old"] == Verification("guide.old", dt.date(2026, 5, 2), "Marc")
    assert latest["stat.places"].operator == "Anna Peeters"
    assert set(store.latest(["stat.places", "unknown"])) == {"stat.places"}
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from fact_verifications").scalar() == 4


def test_the_later_of_file_and_store_counts(knowledge: Path) -> None:
    kb = load_knowledge(knowledge)
    fact = kb.by_id["guide.old"]
    assert last_verification(fact, {}) == Verification("guide.old", dt.date(2025, 1, 10))
    newer = {"guide.old": Verification("guide.old", dt.date(2026, 2, 1), "Olena")}
    assert last_verification(fact, newer).operator == "Olena"
    older = {"guide.old": Verification("guide.old", dt.date(2024, 2, 1), "Olena")}
    assert last_verification(fact, older) == Verification("guide.old", dt.date(2025, 1, 10))
    same_day = {"guide.old": Verification("guide.old", dt.date(2025, 1, 10), "Marc")}
    assert last_verification(fact, same_day).operator == "Marc"  # the one that names who checked
    assert last_verification(kb.by_id["stat.places"], {}) is None
    assert describe(None, "nl") == "Nog nooit gecontroleerd"
    assert describe(newer["guide.old"], "en") == "Last verified on 1 February 2026 by Olena"
    assert describe(Verification("x", dt.date(2026, 2, 1)), "fr") == "Dernière vérification le 1 février 2026"


def test_stale_report_guidance_first_then_the_rest_by_age(knowledge: Path) -> None:
    kb = load_knowledge(knowledge)
    rows = stale_report(kb, {}, days=180, today=TODAY)
    # guide.old: 690 days; guide.fresh: 11 days (not stale); stat.places never verified; stat.older 320 days.
    assert [r.fact.id for r in rows] == ["guide.old", "stat.places", "stat.older"]
    assert [r.age_days for r in rows] == [690, None, 320]
    # The number of days is the caller's: with a year, stat.older is recent enough.
    assert [r.fact.id for r in stale_report(kb, {}, days=365, today=TODAY)] == ["guide.old", "stat.places"]
    # Based on the verification, not on as_of: stat.older's data is from 2022 but it was checked.
    assert "stat.older" not in [r.fact.id for r in stale_report(kb, {}, days=400, today=TODAY)]
    # A verification on the staff page takes the fact off the report.
    recorded = {"guide.old": Verification("guide.old", TODAY, "Olena")}
    assert [r.fact.id for r in stale_report(kb, recorded, days=180, today=TODAY)] == ["stat.places", "stat.older"]


def test_older_guidance_comes_before_more_recent_guidance(knowledge: Path) -> None:
    kb = load_knowledge(knowledge)
    rows = stale_report(kb, {}, days=5, today=TODAY)
    assert [r.fact.id for r in rows] == ["guide.old", "guide.fresh", "stat.places", "stat.older"]


def test_write_changes_only_the_last_verified_lines(knowledge: Path) -> None:
    file = knowledge / "facts.yml"
    before = file.read_text(encoding="utf-8")
    kb = load_knowledge(knowledge)
    recorded = {
        "guide.old": Verification("guide.old", dt.date(2026, 11, 30), "Olena"),
        "guide.fresh": Verification("guide.fresh", dt.date(2026, 11, 29), "Marc"),
        "stat.places": Verification("stat.places", dt.date(2026, 11, 28), "Marc"),
        "stat.older": Verification("stat.older", dt.date(2025, 1, 1), "Marc"),  # older than the file: kept
    }
    assert [v.fact_id for v in pending_exports(kb, recorded)] == ["guide.old", "guide.fresh", "stat.places"]
    changes = write_verified(kb, recorded, knowledge)
    assert {(c.fact_id, c.new) for c in changes} == {
        ("guide.old", dt.date(2026, 11, 30)), ("guide.fresh", dt.date(2026, 11, 29)), ("stat.places", dt.date(2026, 11, 28)),
    }
    after = file.read_text(encoding="utf-8")
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == [
        '-    last_verified: "2025-01-10"  # checked when written',
        '+    last_verified: "2026-11-30"  # checked when written',
        "-    last_verified: '2026-11-20'",
        "+    last_verified: '2026-11-29'",
        '+    last_verified: "2026-11-28"',
    ]
    assert after.index('last_verified: "2026-11-28"') > after.index('as_of: "2023-02"')
    kb = load_knowledge(knowledge)
    assert kb.by_id["stat.places"].last_verified == dt.date(2026, 11, 28)
    assert kb.by_id["stat.older"].last_verified == dt.date(2026, 1, 15)
    # Nothing left to write: a second export changes nothing.
    assert write_verified(kb, recorded, knowledge) == []
    assert file.read_text(encoding="utf-8") == after


def test_an_export_that_would_break_the_file_writes_nothing(knowledge: Path) -> None:
    file = knowledge / "facts.yml"
    before = file.read_text(encoding="utf-8")
    kb = load_knowledge(knowledge)
    tomorrow = dt.date.today() + dt.timedelta(days=1)  # the loader refuses a verification in the future
    recorded = {
        "guide.old": Verification("guide.old", dt.date(2026, 1, 1), "Olena"),
        "stat.places": Verification("stat.places", tomorrow, "Olena"),
    }
    with pytest.raises(ExportError, match="future"):
        write_verified(kb, recorded, knowledge)
    assert file.read_text(encoding="utf-8") == before
    assert not [p.name for p in knowledge.iterdir() if p.name != "facts.yml"], "no temporary file left behind"


def staff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_terminal_stale_report_and_export(knowledge: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'rasa.db'}"
    store = VerificationStore(db)
    store.record("stat.places", "Olena")
    store.dispose()
    report = staff("--knowledge", str(knowledge), "stale", "--db", db, "--days", "30")
    assert report.returncode == 0, report.stderr
    ids = [line.split()[0] for line in report.stdout.splitlines() if not line.startswith(" ")]
    assert ids[0] == "guide.old" and "stat.places" not in ids  # verified today by Olena
    assert "https://www.fedasil.be/nl/oekraine" in report.stdout and "Last verified on" in report.stdout
    assert "Never verified" not in report.stdout.split("stat.older")[0].split("guide.old")[1]
    assert "of 4 current facts to re-check" in report.stderr
    assert "Opnieuw te controleren" in staff("--knowledge", str(knowledge), "stale", "--db", db, "--lang", "nl").stderr

    listed = staff("--knowledge", str(knowledge), "verified", "--db", db)
    assert listed.returncode == 0 and "stat.places  -> " not in listed.stdout
    assert f"stat.places  - -> {dt.date.today().isoformat()}" in listed.stdout and "Olena" in listed.stdout
    assert "last_verified" not in (knowledge / "facts.yml").read_text(encoding="utf-8").split("stat.places")[1].split("stat.older")[0]
    written = staff("--knowledge", str(knowledge), "verified", "--db", db, "--write")
    assert written.returncode == 0, written.stderr
    assert load_knowledge(knowledge).by_id["stat.places"].last_verified == dt.date.today()
    again = staff("--knowledge", str(knowledge), "verified", "--db", db)
    assert again.stdout.strip() == "Every recorded verification is in the knowledge files."

"""Shared fixtures: a small knowledge file in tmp_path, the project's knowledge, the assistant."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent

SMALL_KNOWLEDGE = """\
version: 1
sources:
  doc:
    title: {uk: "Документ", nl: "Document", fr: "Document", en: "Document"}
    publisher: {uk: "Уряд", nl: "Overheid", fr: "Gouvernement", en: "Government"}
    sections:
      main: {uk: "Розділ", nl: "Deel", fr: "Section", en: "Section"}
websites:
  - id: site.national
    url: "www.example-national.be"
    region: belgium
    source: {doc: doc, section: main}
    name: {uk: "Національний сайт", nl: "Nationale site", fr: "Site national", en: "National site"}
  - id: site.wallonia
    url: "www.example-wallonia.be"
    region: wallonia
    source: {doc: doc, section: main}
    name: {uk: "Сайт Валлонії", nl: "Site van Wallonië", fr: "Site de la Wallonie", en: "Wallonia's site"}
facts:
  - id: housing.flanders.places
    topic: housing
    region: flanders
    as_of: "2023-02-05"
    source: {doc: doc, section: main}
    values:
      places: {number: 53450}
    text:
      uk: "У Фландрії {places} місць."
      nl: "In Vlaanderen zijn er {places} plaatsen."
      fr: "En Flandre, il y a {places} places."
      en: "Flanders has {places} places."
  - id: housing.wallonia.units
    topic: housing
    region: wallonia
    as_of: "2023-02"
    source: {doc: doc}
    values:
      share: {percent: 20.35, decimals: 2}
    text:
      uk: "Валлонія: {share}."
      nl: "Wallonië: {share}."
      fr: "Wallonie : {share}."
      en: "Wallonia: {share}."
  - id: duration.end
    topic: protection_duration
    region: eu
    as_of: "2025-06-13"
    source: {doc: doc}
    values:
      end: {date: "2027-03-04"}
    text:
      uk: "Захист діє до {end}."
      nl: "De bescherming loopt tot {end}."
      fr: "La protection dure jusqu'au {end}."
      en: "Protection lasts until {end}."
"""


@pytest.fixture
def small_knowledge(tmp_path: Path) -> Path:
    """A valid knowledge folder with three facts, two websites and one source."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "facts.yml").write_text(textwrap.dedent(SMALL_KNOWLEDGE), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def project_knowledge():
    from bot.knowledge import load_knowledge

    return load_knowledge(ROOT / "data" / "knowledge")


@pytest.fixture(scope="session")
def gazetteer():
    from bot.regions import default_gazetteer

    return default_gazetteer()


@pytest.fixture(scope="session")
def assistant(gazetteer):
    from bot.dialogue import Assistant
    from bot.knowledge.provider import KnowledgeProvider

    return Assistant(KnowledgeProvider(ROOT / "data" / "knowledge"), gazetteer)


# The running assistant (slow to start): one per test session, for every test that asks for it.
from tests.e2e.servers import sender, servers  # noqa: E402,F401

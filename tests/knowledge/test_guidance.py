"""Guidance facts (what a person can do): every source page is on the allow-list of official hosts
(config/official_sources.yml), every topic has guidance for every region, and the file's checks
(four languages, figures only as values, a dated source page, last_verified) hold for guidance too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge, validate_knowledge
from bot.knowledge.official import host_of, load_allow_list
from bot.taxonomy import GUIDANCE_TOPICS, LIVING_REGIONS


@pytest.fixture(scope="module")
def allow_list():
    return load_allow_list()


def guidance(kb) -> list:
    return [f for f in kb.facts if f.is_guidance]


def test_every_guidance_source_is_published_by_a_listed_body(project_knowledge, allow_list) -> None:
    facts = guidance(project_knowledge)
    assert len(facts) >= 60
    unlisted = []
    for fact in facts:
        url = project_knowledge.sources[fact.source.doc].url
        if not allow_list.official(url) and allow_list.other(url) is None:
            unlisted.append(f"{fact.id}: {host_of(url)} ({url})")
    assert not unlisted, "hosts not in config/official_sources.yml:\n" + "\n".join(unlisted)


def test_hosts_that_are_not_public_bodies_are_named_used_and_few(project_knowledge, allow_list) -> None:
    # Each exception says who publishes it and why it is used (the loader refuses one without), and
    # none stays on the list once no fact uses it.
    used = {host_of(project_knowledge.sources[f.source.doc].url) for f in guidance(project_knowledge)}
    for domain, entry in allow_list.others.items():
        assert entry.publisher and entry.reason
        assert any(host == domain or host.endswith("." + domain) for host in used if host), f"{domain} is unused"
    official = [f for f in guidance(project_knowledge) if allow_list.official(project_knowledge.sources[f.source.doc].url)]
    assert len(official) >= 0.9 * len(guidance(project_knowledge))


@pytest.mark.parametrize(
    "url,official",
    [
        ("https://www.fedasil.be/nl/nieuws", True),
        ("https://fedasil.be", True),
        ("https://dofi.ibz.be/fr/themes/ukraine", True),
        ("https://vlaanderen.be./met-een-buitenlands-diploma", True),  # the DNS root's dot
        ("https://www.vlaanderen.be:443/lokaal-woonbeleid", True),
        ("https://WWW.RIZIV.FGOV.BE/nl/nieuws", True),
        ("https://eu-solidarity-ukraine.ec.europa.eu/faq", True),
        ("www.belgium.be", True),
        ("https://helpukraine.brussels/fr/hebergement", True),
        ("https://myfedasil.be/", False),
        ("https://fedasil.be.example.com/", False),
        ("https://fgov.be.example.com/", False),
        ("https://www.example.com/vlaanderen.be", False),
        ("https://anything.brussels/", False),  # .brussels names are open to anyone
        ("https://www.kidslife.be/nl", False),  # a private fund: listed apart, not official
        ("", False),
        (None, False),
    ],
)
def test_allow_list_matching(allow_list, url, official) -> None:
    assert allow_list.official(url) is official


def test_the_allow_list_is_configurable_and_refuses_open_suffixes(tmp_path: Path) -> None:
    config = tmp_path / "official.yml"
    config.write_text("domains: [fedasil.be]\nsuffixes: [.fgov.be]\n", encoding="utf-8")
    narrow = load_allow_list(config)
    assert narrow.official("https://www.fedasil.be/x") and narrow.official("https://www.inami.fgov.be/fr")
    assert not narrow.official("https://www.vlaanderen.be/x")
    for suffix in (".be", ".brussels", "fgov.be"):
        config.write_text(f"domains: [fedasil.be]\nsuffixes: [{suffix!r}]\n", encoding="utf-8")
        with pytest.raises(ValueError, match="suffix"):
            load_allow_list(config)
    config.write_text("domains: [fedasil.be]\nnot_public_bodies:\n  - {domain: example.org, publisher: X}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        load_allow_list(config)


@pytest.mark.parametrize("region", LIVING_REGIONS)
@pytest.mark.parametrize("topic", GUIDANCE_TOPICS)
def test_every_topic_has_guidance_for_every_region(project_knowledge, topic: str, region: str) -> None:
    applies = [
        f.id
        for f in project_knowledge.facts
        if f.is_guidance and f.current and topic in f.topics and f.region in (region, "belgium")
    ]
    assert applies, f"no current guidance on {topic} for {region}"


GUIDANCE = """\
version: 1
sources:
  page:
    title: {uk: "Сторінка", nl: "Pagina", fr: "Page", en: "Page"}
    publisher: {uk: "Fedasil", nl: "Fedasil", fr: "Fedasil", en: "Fedasil"}
    url: "https://www.fedasil.be/nl/oekraine"
    accessed: "2026-12-01"
facts:
  - id: guide.registration.belgium.centre
    kind: guidance
    topic: registration
    region: belgium
    as_of: "2026-12-01"
    last_verified: "2026-12-01"
    source: {doc: page}
    values:
      site: {url: "www.fedasil.be"}
    text:
      uk: "Зареєструйтеся в центрі реєстрації; подробиці на {site}."
      nl: "Laat u registreren in het registratiecentrum; meer op {site}."
      fr: "Faites-vous enregistrer au centre d'enregistrement ; plus d'infos sur {site}."
      en: "Register at the registration centre; more on {site}."
"""

BROKEN = [
    # (what is wrong, text replaced, replacement, field, words of the message)
    ("a language missing", '      fr: "Faites-vous enregistrer au centre d\'enregistrement ; plus d\'infos sur {site}."\n', "", "text.fr", "missing translation"),
    ("an empty translation", '"Register at the registration centre; more on {site}."', '""', "text.en", "empty translation"),
    ("a figure typed into a text", '"Laat u registreren in het registratiecentrum; meer op {site}."', '"Bel 02 213 44 00 of kijk op {site}."', "text.nl", "figure written in the text"),
    ("a value missing in one language", '"Зареєструйтеся в центрі реєстрації; подробиці на {site}."', '"Зареєструйтеся в центрі реєстрації."', "text.uk", "not in this translation"),
    ("no last_verified", '    last_verified: "2026-12-01"\n', "", "last_verified", "last checked"),
    ("a source without an address", '    url: "https://www.fedasil.be/nl/oekraine"\n', "", "source.doc", "url"),
    ("a source without a date", '    accessed: "2026-12-01"\n', "", "source.doc", "neither a date nor an accessed date"),
]


def test_the_guidance_fixture_is_valid(tmp_path: Path) -> None:
    (tmp_path / "guidance.yml").write_text(textwrap.dedent(GUIDANCE), encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert [f.id for f in kb.facts if f.is_guidance] == ["guide.registration.belgium.centre"]


@pytest.mark.parametrize("what,old,new,field,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_guidance_fact_is_refused(tmp_path: Path, what, old, new, field, words) -> None:
    assert old in GUIDANCE, what
    (tmp_path / "guidance.yml").write_text(GUIDANCE.replace(old, new, 1), encoding="utf-8")
    problems = validate_knowledge(tmp_path)
    assert any(
        p.fact_id == "guide.registration.belgium.centre" and p.field == field and words in p.message for p in problems
    ), (what, [str(p) for p in problems])
    with pytest.raises(KnowledgeError):
        load_knowledge(tmp_path)

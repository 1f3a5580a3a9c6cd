"""The retriever: words in any language meet the facts' words, the kind of question and the region
rank the facts, typos and derived words still match."""

from __future__ import annotations

import pytest

from bot.retrieval import (
    Query,
    Retriever,
    alternatives,
    analyse,
    coarse,
    load_example_questions,
    names_a_month,
    question_kind,
    retriever_for,
    topic_prior,
    words,
)


@pytest.fixture(scope="module")
def retriever(project_knowledge) -> Retriever:
    return retriever_for(project_knowledge)


@pytest.mark.parametrize(
    "word,lang,other,other_lang",
    [
        ("leerlingen", "nl", "leerling", "nl"),
        ("élèves", "fr", "eleve", "fr"),
        ("pupils", "en", "pupil", "en"),
        ("учнів", "uk", "учні", "uk"),
        ("школу", "uk", "школа", "uk"),
        ("logements", "fr", "logement", "fr"),
    ],
)
def test_inflected_forms_share_a_term(word: str, lang: str, other: str, other_lang: str) -> None:
    assert analyse(word, lang) == analyse(other, other_lang)
    assert analyse(word, lang) in alternatives(other)


def test_the_lemmas_read_from_the_stream_are_simplemmas_own(project_knowledge) -> None:
    """The retriever's memory-frugal dictionary gives the lemma simplemma's default one gives, for
    every Cyrillic word of the knowledge file and the example questions."""
    import re

    import simplemma

    from bot.retrieval import _lemmatizer

    texts = [t for f in project_knowledge.facts for t in (*f.text.values(), *(w for ks in f.keywords.values() for w in ks))]
    texts += [q for by_lang in load_example_questions().values() for q in by_lang.get("uk", ())]
    cyrillic = {w for t in texts for w in re.findall(r"[а-яіїєґʼ']+", t.casefold()) if len(w) > 1}
    assert len(cyrillic) > 1000
    assert {w: _lemmatizer().lemmatize(w, lang="uk") for w in cyrillic} == {w: simplemma.lemmatize(w, lang="uk") for w in cyrillic}


@pytest.mark.parametrize(
    "a,b", [("register", "registration"), ("inscrire", "inscription"), ("зареєструватися", "реєстрація")]
)
def test_derived_words_meet_in_their_coarse_form(a: str, b: str) -> None:
    assert coarse(a) == coarse(b)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("How many emergency villages were built in Flanders?", "figure"),
        ("Combien d'élèves ukrainiens à Liège ?", "figure"),
        ("Скільки українців у Бельгії?", "figure"),
        ("Hoe schrijf ik mijn zoon in?", "howto"),
        ("Où s'inscrire au CPAS ?", "howto"),
        ("Як записати дитину до школи?", "howto"),
        ("Tot wanneer loopt de bescherming?", "when"),
        ("Сколько будет длиться временная защита?", "when"),
        ("Depuis quand elle existe, cette protection ?", "when"),
        ("nooddorp Gent", None),
    ],
)
def test_the_kind_of_question(text: str, kind) -> None:
    assert question_kind(text) == kind


def test_stop_words_and_french_elisions_are_left_out() -> None:
    assert words("Mon fils a 9 ans, comment l'inscrire dans une école ?") == ["fils", "9", "ans", "inscrire", "école"]


def test_the_intent_is_a_prior_not_a_filter(retriever) -> None:
    # A "how many" question the model reads as statistics still finds the certificates fact, which is
    # filed under temporary protection.
    prior = topic_prior([{"name": "ask_statistics", "confidence": 0.8}])
    hits = retriever.search(Query(text="how many temporary protection certificates were issued?", prior=prior), limit=3)
    assert any(h.fact.id.startswith("tp.certificates") for h in hits), [h.fact.id for h in hits]


def test_a_ukrainian_question_matches_a_dutch_name(retriever) -> None:
    hits = retriever.search(Query(text="що таке OKAN"), limit=3)
    assert any("okan" in h.fact.id for h in hits), [h.fact.id for h in hits]


def test_an_english_word_is_read_as_english_first(retriever) -> None:
    # "register" is also Dutch (stem "regi", in a few facts only): read as Dutch it put the advice
    # for people struck off the register ahead of how to register at all.
    hits = retriever.search(Query(text="How do I register for temporary protection?", lang="en", prefer_national=True), limit=3)
    assert "registration" in hits[0].fact.id or "certificate" in hits[0].fact.id, [h.fact.id for h in hits]
    assert hits[0].fact.id != "guide.temporary_protection.belgium.struck_off_register"


def test_keywords_find_what_the_text_does_not_say(retriever) -> None:
    hits = retriever.search(Query(text="how many pupils in Flanders", region="flanders", ignore=["Flanders"]), limit=3)
    assert "school.flanders.pupils" in [h.fact.id for h in hits]


def test_a_typo_is_read_as_the_closest_word(retriever) -> None:
    right = [h.fact.id for h in retriever.search(Query(text="nooddorp in Gent"), limit=3)]
    typo = [h.fact.id for h in retriever.search(Query(text="noodorp in Gent"), limit=3)]
    assert right[0] == typo[0]


def test_how_questions_lead_with_guidance_and_how_many_with_figures(retriever) -> None:
    how = retriever.search(Query(text="how do I find a school for my son", region="wallonia"), limit=1)
    many = retriever.search(Query(text="how many pupils go to school", region="wallonia"), limit=1)
    assert how[0].fact.is_guidance and many[0].fact.is_statistic


def test_the_region_filters_other_regions_out(retriever) -> None:
    hits = retriever.search(Query(text="social housing", region="brussels"), limit=20)
    assert hits and all(h.fact.region in ("brussels", "belgium", "eu") for h in hits)


def test_history_counts_half_and_only_when_asked_for(retriever) -> None:
    current = retriever.search(Query(text="end date of temporary protection"), limit=50)
    assert all(h.fact.current for h in current)
    with_history = retriever.search(Query(text="end date of temporary protection"), limit=50, include_history=True)
    assert any(not h.fact.current for h in with_history)


def test_example_questions_name_current_facts(project_knowledge) -> None:
    examples = load_example_questions()
    unknown = [fid for fid in examples if fid not in project_knowledge.by_id]
    replaced = [fid for fid in examples if fid in project_knowledge.by_id and not project_knowledge.by_id[fid].current]
    assert not unknown and not replaced, (unknown, replaced)


@pytest.mark.parametrize(
    "text,named",
    [
        ("Скільки посвідчень видали у квітні 2022?", True),
        ("Сколько было в декабре?", True),
        ("Hoeveel attesten in september?", True),
        ("Combien d'attestations en février 2023 ?", True),
        ("How many in May 2022?", True),
        ("May I work with this status?", False),
        ("Скільки всього посвідчень видали?", False),
    ],
)
def test_a_month_is_recognised_in_every_language(text: str, named: bool) -> None:
    assert names_a_month(text) is named


def test_a_figure_question_naming_a_month_leads_with_the_monthly_figures(retriever) -> None:
    for text, lang in (("Скільки посвідчень про тимчасовий захист видали у квітні 2022?", "uk"),
                       ("How many protection certificates were handed out in April 2022?", "en")):
        hits = retriever.search(Query(text=text, prior={"temporary_protection": 0.6, "statistics": 0.3}, lang=lang))
        assert hits[0].fact.id == "tp.certificates.monthly", (text, [h.fact.id for h in hits[:3]])

"""The conversation logic over several turns: language, region and pending questions."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.dialogue import Outcome, Turn

ROOT = Path(__file__).resolve().parents[1]

ONE_HOUSING_FACT = """version: 1
facts:
  - id: housing.flanders.only
    topic: housing
    region: flanders
    as_of: "2023-02"
    source: {doc: be_review_2023, section: housing_flanders}
    text: {uk: "Житло у Фландрії.", nl: "Wonen in Vlaanderen.", fr: "Logement en Flandre.", en: "Housing in Flanders."}
"""


def _after(turn: Turn, outcome: Outcome) -> Turn:
    """The next turn's remembered slots, as Rasa would keep them."""
    from bot.dialogue import SLOTS

    slots = {k: getattr(turn, k) for k in SLOTS}
    if outcome.reset_slots:
        slots = dict.fromkeys(slots)
    slots.update(outcome.slots)
    return Turn(**slots)


def _shown(outcome: Outcome, kb) -> list:
    """The facts a real answer showed."""
    assert outcome.shown is not None, [r.text for r in outcome.replies]
    return [kb.by_id[i] for i in outcome.shown.fact_ids]


def _text(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


def _read_as_out_of_scope(assistant, text: str, ranking: list) -> Outcome:
    """What an English message gets when the model reads it as out of scope with this ranking."""
    return assistant.fallback(Turn(text=text, intent="out_of_scope", intent_ranking=ranking, language="en"))


def _refused(out: Outcome) -> bool:
    return out.shown is None and out.replies[-1].kind == "fallback"


def test_region_follow_up_then_answer_in_ukrainian(assistant, project_knowledge) -> None:
    first = Turn(text="де можна знайти житло?", intent="ask_housing")
    out = assistant.answer_question(first)
    assert out.slots["pending_question"] == "де можна знайти житло?" and out.replies[0].buttons
    assert out.shown is None
    second = replace(_after(first, out), text="в Антверпені", intent="inform_region")
    out2 = assistant.set_region(second)
    assert "Антверпен" in out2.replies[0].text
    facts = _shown(out2, project_knowledge)
    assert facts and all(f.region in ("flanders", "belgium", "eu") for f in facts)
    assert any("housing" in f.topics and f.is_guidance for f in facts)
    assert out2.slots["pending_question"] is None and out2.slots["region"] == "flanders"


def test_region_answer_misread_by_the_model_still_answers(assistant, project_knowledge) -> None:
    """"Gent" alone may fall to the fallback: with a pending question, the place is still used."""
    turn = Turn(text="Gent", intent="nlu_fallback", language="nl", pending_topic="work", pending_question="hoe vind ik werk?")
    out = assistant.fallback(turn)
    assert out.slots["region"] == "flanders"
    facts = _shown(out, project_knowledge)
    assert facts[0].region in ("flanders", "belgium") and "work" in facts[0].topics


def test_unknown_place_asks_again_with_buttons(assistant) -> None:
    out = assistant.set_region(Turn(text="I live in Atlantis", intent="inform_region", language="en"))
    assert out.replies[0].text.startswith("I don't know that place.")
    assert len(out.replies[0].buttons) == 3


def test_region_is_remembered_and_can_change(assistant, project_knowledge) -> None:
    turn = Turn(text="where can I register as a job seeker?", intent="ask_work", language="en", region="brussels")
    facts = _shown(assistant.answer_question(turn), project_knowledge)
    assert facts[0].region == "brussels" and "Actiris" in facts[0].text["en"]
    moved = replace(turn, text="we moved to Namur, where can I register as a job seeker?")
    out = assistant.answer_question(moved)
    assert out.slots["region"] == "wallonia"
    assert all(f.region != "brussels" for f in _shown(out, project_knowledge))


def test_language_switches_when_the_user_clearly_switches(assistant) -> None:
    out = assistant.answer_question(Turn(text="Hoe lang duurt de tijdelijke bescherming?", intent="ask_protection_duration", language="uk"))
    assert out.slots["language"] == "nl" and "4 maart 2027" in _text(out)


def test_no_language_signal_keeps_the_language(assistant) -> None:
    out = assistant.thank(Turn(text="👍", intent="thanks", language="fr"))
    assert "language" not in out.slots and _text(out).startswith("Avec plaisir")


def test_russian_is_answered_in_ukrainian(assistant) -> None:
    out = assistant.answer_question(Turn(text="Сколько длится временная защита?", intent="ask_protection_duration", language="en"))
    assert out.slots["language"] == "uk" and "4 березня 2027" in _text(out)


def test_page_language_selector_is_an_explicit_choice(assistant) -> None:
    turn = Turn(text="ok", intent="thanks", language="uk", channel_language="uk", metadata={"language": "en"})
    out = assistant.thank(turn)
    assert out.slots["language"] == "en" and out.slots["channel_language"] == "en"


def test_channel_hint_only_starts_the_conversation(assistant) -> None:
    turn = Turn(text="Hoe vind ik werk?", intent="ask_work", metadata={"language": "uk"}, region="flanders")
    out = assistant.answer_question(turn)
    assert out.slots["language"] == "nl"


def test_switching_language_while_a_question_waits_repeats_it(assistant) -> None:
    turn = Turn(text="in English please", intent="choose_language", language="uk", pending_topic="schooling")
    out = assistant.choose_language(turn)
    assert out.slots["language"] == "en"
    assert [r.text for r in out.replies][-1].startswith("The answer depends on the region.")


def test_language_menu_when_no_language_is_named(assistant) -> None:
    out = assistant.choose_language(Turn(text="/choose_language", intent="choose_language", language="fr"))
    assert out.replies[0].text.startswith("Dans quelle langue")
    assert len(out.replies[0].buttons) == 4


def test_topic_without_facts_for_the_region_says_so_and_points_to_the_sites(tmp_path: Path, gazetteer) -> None:
    # The project's knowledge file fills more topics and regions over time, so the gap is made
    # here: the official websites and their sources, and one fact on another topic and region.
    from bot.dialogue import Assistant
    from bot.knowledge.provider import KnowledgeProvider

    folder = tmp_path / "knowledge"
    folder.mkdir()
    for name in ("sources.yml", "websites.yml"):
        shutil.copy(ROOT / "data" / "knowledge" / name, folder / name)
    (folder / "facts.yml").write_text(ONE_HOUSING_FACT, encoding="utf-8")
    assistant = Assistant(KnowledgeProvider(folder), gazetteer)
    out = assistant.answer_question(Turn(text="cours de français?", intent="ask_language_courses", language="fr", region="wallonia"))
    text = _text(out)
    assert "Je n'ai pas encore d'information vérifiée" in text
    assert "www.wallonie.be/ukraine" in text


def test_statistics_give_date_and_source(assistant) -> None:
    out = assistant.answer_question(Turn(text="how many Ukrainians are in Belgium?", intent="ask_statistics", language="en"))
    text = _text(out)
    assert "53,450" in text and "as of 5 February 2023" in text and "Source:" in text


def test_a_place_alone_answers_the_pending_question_whatever_the_model_read(assistant, project_knowledge) -> None:
    """"у Генті" read by the model as another topic still answers the question that waits."""
    turn = Turn(text="у Генті", intent="ask_community_support", language="uk", pending_topic="housing", pending_question="де знайти житло?")
    out = assistant.answer_question(turn)
    facts = _shown(out, project_knowledge)
    assert any("housing" in f.topics for f in facts) and out.slots["pending_question"] is None
    assert out.slots["region"] == "flanders"


def test_a_question_with_a_place_is_still_a_question(assistant, project_knowledge) -> None:
    turn = Turn(text="and where can my kids go to school in Ghent?", intent="ask_schooling", language="en", pending_topic="housing")
    facts = _shown(assistant.answer_question(turn), project_knowledge)
    assert "schooling" in facts[0].topics and facts[0].region in ("flanders", "belgium")


def test_a_place_with_a_question_read_as_a_place_is_answered_for_that_place(assistant, project_knowledge) -> None:
    ranking = [{"name": "inform_region", "confidence": 0.54}, {"name": "ask_housing", "confidence": 0.31}]
    turn = Turn(text="We live in Tournai and we need a flat", intent="inform_region", language="en", intent_ranking=ranking)
    out = assistant.set_region(turn)
    assert out.slots["region"] == "wallonia"
    assert out.replies[0].text == "Noted: Tournai (Wallonia)."
    facts = _shown(out, project_knowledge)
    assert "housing" in facts[0].topics and facts[0].region in ("wallonia", "belgium")


def test_a_place_alone_misread_as_out_of_scope_changes_the_region(assistant) -> None:
    out = assistant.fallback(Turn(text="à Liège", intent="out_of_scope", language="fr", region="flanders"))
    assert out.slots["region"] == "wallonia" and _text(out).startswith("C'est noté : Liège (Wallonie).")


def test_national_questions_are_answered_at_once(assistant, project_knowledge) -> None:
    for text, intent in [
        ("how long does protection last", "ask_protection_duration"),
        ("Am I allowed to go back to Ukraine for a funeral?", "ask_protection_rights"),
        ("where is the registration centre?", "ask_registration"),
    ]:
        out = assistant.answer_question(Turn(text=text, intent=intent, language="en"))
        facts = _shown(out, project_knowledge)
        assert "region" not in out.slots and all(f.region in ("belgium", "eu") for f in facts), (text, [f.id for f in facts])


def test_the_region_is_asked_when_what_to_do_differs(assistant) -> None:
    out = assistant.answer_question(Turn(text="Mon fils a 9 ans, comment l'inscrire dans une école ?", intent="ask_schooling", language="fr"))
    assert out.shown is None and out.replies[-1].kind == "question"
    assert [b.payload for b in out.replies[-1].buttons] == [
        '/inform_region{"region":"flanders"}', '/inform_region{"region":"wallonia"}', '/inform_region{"region":"brussels"}'
    ]


def test_a_figure_question_leads_with_that_figure(assistant, project_knowledge) -> None:
    turn = Turn(text="How many emergency villages were built in Flanders?", intent="ask_statistics", language="en")
    facts = _shown(assistant.answer_question(turn), project_knowledge)
    assert "village" in facts[0].text["en"].casefold() and facts[0].is_statistic


def test_an_answer_shows_at_most_three_facts_and_offers_more(assistant) -> None:
    out = assistant.answer_question(Turn(text="", intent="ask_housing", language="en", region="flanders"))
    assert out.shown is not None and 1 <= len(out.shown.fact_ids) <= 3
    assert [b.payload for b in out.replies[0].buttons] == ['/more_about{"topic":"housing"}']
    more = assistant.more_about(Turn(text='/more_about{"topic":"housing"}', intent="more_about", entities={"topic": "housing"},
                                     language="en", region="flanders", shown_facts=list(out.shown.fact_ids)))
    assert more.shown is not None and not set(more.shown.fact_ids) & set(out.shown.fact_ids)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Is there free public transport for us?",
            marks=pytest.mark.xfail(
                reason="Known limitation since the example questions of 2 December 2026: two of the three words "
                "('public', 'transport') are in the facts and examples on evacuations and on the CAAMI fund, so "
                "the question reads as covered and those facts are shown. Making example-only words count less "
                "fixed it but refused more in-scope dev questions (bot/retrieval.py, Weights.strong_match).",
                strict=False,
            ),
        ),
        "Is there a discount on gym memberships for us?",
        "Where can I buy a second-hand bicycle cheaply?",
    ],
)
def test_no_verified_information_is_said_honestly(assistant, text: str) -> None:
    out = assistant.answer_question(Turn(text=text, intent="ask_official_info", language="en",
                                         intent_ranking=[{"name": "ask_official_info", "confidence": 0.42}]))
    assert out.shown is None and _text(out).startswith("I have no verified information on this yet.")


def test_the_first_message_takes_the_best_language_guess(assistant) -> None:
    out = assistant.answer_question(Turn(text="Is there free public transport for us?", intent="ask_official_info"))
    assert out.slots["language"] == "en"


def test_an_empty_first_message_gets_the_greeting(assistant) -> None:
    out = assistant.fallback(Turn(text="", intent="nlu_fallback", metadata={"language": "fr"}))
    assert _text(out).startswith("Bonjour")


def test_eu_wide_answers_do_not_claim_a_region(assistant, project_knowledge) -> None:
    out = assistant.answer_question(Turn(text="how long does protection last", intent="ask_protection_duration", language="en", region="wallonia"))
    assert _shown(out, project_knowledge)[0].id == "tp.duration.current"
    assert "Wallonia" not in out.replies[0].text.split("\n")[0]


def test_a_question_that_mentions_a_language_does_not_switch_the_language(assistant) -> None:
    turn = Turn(
        text="On habite Etterbeek, on voudrait une école flamande pour notre fils. Ca aide si je parle un peu néerlandais ?",
        intent="choose_language", language="fr",
        intent_ranking=[{"name": "choose_language", "confidence": 0.21}, {"name": "ask_schooling", "confidence": 0.2}],
    )
    out = assistant.choose_language(turn)
    assert out.slots.get("language") in (None, "fr") and out.shown is not None
    assert "néerlandophone" in _text(out)


def test_a_single_topic_word_answers_like_the_topic_button(assistant, project_knowledge) -> None:
    turn = Turn(text="А робота?", intent="ask_work", language="uk", region="flanders",
                intent_ranking=[{"name": "ask_work", "confidence": 0.69}])
    facts = _shown(assistant.answer_question(turn), project_knowledge)
    assert facts[0].is_guidance and "work" in facts[0].topics


def test_no_house_any_more_is_answered_with_housing_advice(assistant, project_knowledge) -> None:
    """"huis" is also in "Huis van het Nederlands": the housing advice must still come first."""
    ranking = [{"name": "inform_region", "confidence": 0.55}, {"name": "ask_housing", "confidence": 0.21}]
    turn = Turn(text="Wij wonen in Aalst en hebben geen huis meer", intent="inform_region", language="nl", intent_ranking=ranking)
    out = assistant.set_region(turn)
    assert out.slots["region"] == "flanders" and out.replies[0].text == "Genoteerd: Aalst (Vlaanderen)."
    facts = _shown(out, project_knowledge)
    assert facts[0].id == "guide.housing.flanders.hosting_ends"
    assert all("language_courses" not in f.topics for f in facts)


def test_a_question_read_as_out_of_scope_is_answered_when_a_fact_shares_its_rarest_words(assistant) -> None:
    # The model's topics are all unsure; the words "for good", "leaving", "tell" are one fact's own.
    ranking = [
        {"name": "out_of_scope", "confidence": 0.62},
        {"name": "ask_protection_rights", "confidence": 0.12},
        {"name": "ask_housing", "confidence": 0.1},
    ]
    question = "We have decided to go back to Kharkiv for good. Do we have to tell anyone in Belgium that we are leaving?"
    out = _read_as_out_of_scope(assistant, question, ranking)
    assert out.shown is not None and out.shown.fact_ids[0] == "guide.temporary_protection.eu.returning_for_good"
    for near_miss in ("what documents do I need for a tourist visa to Canada", "what temperature will it be in Bruges this weekend"):
        assert _refused(_read_as_out_of_scope(assistant, near_miss, ranking)), near_miss


@pytest.mark.parametrize(
    "text, lang",
    [
        ("When does temporary protection stop?", "en"),
        ("коли закінчиться захист", "uk"),
        ("Wanneer houdt de tijdelijke bescherming op?", "nl"),
        ("c'est quand la fin de la protection temporaire ?", "fr"),
    ],
)
def test_when_protection_stops_is_answered_with_its_end_date_first(assistant, project_knowledge, text, lang) -> None:
    # Not with the EU's talks on the way out of protection, whose examples also say "stops".
    ranking = [{"name": "ask_protection_duration", "confidence": 0.75}, {"name": "ask_protection_rights", "confidence": 0.1}]
    out = assistant.answer_question(Turn(text=text, intent="ask_protection_duration", intent_ranking=ranking, language=lang))
    assert _shown(out, project_knowledge)[0].id == "tp.duration.current"
    assert "2027" in out.replies[0].text


def test_common_words_alone_do_not_make_an_out_of_scope_message_a_question(assistant, project_knowledge) -> None:
    # "go", "first" and "date" are all in the facts (register first, the date of arrival), but they
    # are common words: not the registration question the model half-saw.
    ranking = [
        {"name": "out_of_scope", "confidence": 0.5},
        {"name": "ask_registration", "confidence": 0.33},
        {"name": "ask_housing", "confidence": 0.1},
    ]
    assert _refused(_read_as_out_of_scope(assistant, "where can we go on a first date in Ghent", ranking))
    out = _read_as_out_of_scope(assistant, "What is the A card and who issues it?", ranking)
    assert _shown(out, project_knowledge)[0].id == "guide.official_info.belgium.who_does_what"


@pytest.mark.parametrize(
    "text, intent, lang, first",
    [
        ("where do I register when I arrive in Belgium?", "ask_registration", "en", "guide.registration.belgium.registration_centre"),
        ("де зареєструватися, коли я приїхав до Бельгії?", "ask_registration", "uk", "guide.registration.belgium.registration_centre"),
        ("скільки часу ми можемо залишатися в Бельгії?", "ask_protection_duration", "uk", "tp.duration.current"),
        ("hoelang mogen Oekraïners in België blijven?", "ask_protection_duration", "nl", "tp.duration.current"),
        ("mag ik werken in België met tijdelijke bescherming?", "ask_work", "nl", "guide.work.belgium.right_to_work"),
        ("чи мають українці право працювати в Бельгії?", "ask_work", "uk", "guide.work.belgium.right_to_work"),
        ("comment trouver du travail à Bruxelles ?", "ask_work", "fr", "guide.work.brussels.actiris_register"),
        ("I live in Antwerp, how do I find an apartment?", "ask_housing", "en", "guide.housing.flanders.hosting_ends"),
        ("j'habite à Bruxelles, comment trouver un logement ?", "ask_housing", "fr", "guide.housing.brussels.private_rental_help"),
        ("ik woon in Luik, hoe vind ik een woning?", "ask_housing", "nl", "guide.housing.wallonia.hosting_ends"),
    ],
)
def test_the_questions_asked_most_lead_with_what_to_do(assistant, project_knowledge, text, intent, lang, first) -> None:
    # Found by putting the commonest questions of newcomers to the assistant (2 December 2026): they
    # had led with crisis housing, "no verified information", leaving Belgium, the protection
    # certificate, the health professions, the number of jobs found, a rental deposit or a website
    # of the 2023 review.
    ranking = [{"name": intent, "confidence": 0.7}, {"name": "out_of_scope", "confidence": 0.1}]
    out = assistant.answer_question(Turn(text=text, intent=intent, intent_ranking=ranking, language=lang))
    assert _shown(out, project_knowledge)[0].id == first, [f.id for f in _shown(out, project_knowledge)]


def test_a_work_visa_for_another_country_is_out_of_scope(assistant) -> None:
    ranking = [{"name": "out_of_scope", "confidence": 0.4}, {"name": "ask_work", "confidence": 0.42}]
    for text in ("can a Ukrainian get a work visa for Canada", "what do I need for a work visa to the United States"):
        assert _refused(_read_as_out_of_scope(assistant, text, ranking)), text

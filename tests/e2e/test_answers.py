"""The question that was asked gets its answer, in the language it was asked in: end to end through
the REST channel of a running assistant, in each language (issue "Answer the question that was
asked"). Facts are recognised by their own text in the reply's language, rendered from the
knowledge file, so the tests follow the knowledge when its wording changes."""

from __future__ import annotations

import re
from typing import Iterable

import pytest

pytestmark = pytest.mark.e2e


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def bullets(messages: list[dict]) -> list[str]:
    return [line[2:] for line in text_of(messages).splitlines() if line.startswith("• ")]


def buttons_of(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons") or []]


def fact_text(kb, fact_id: str, lang: str) -> str:
    from bot.knowledge.render import render_text

    fact = kb.by_id[fact_id]
    return render_text(fact.text[lang], fact.values, lang)


def shown_ids(kb, messages: list[dict], lang: str) -> list[str]:
    """The facts a reply shows, in order, recognised by their text."""
    found = []
    for bullet in bullets(messages):
        for fact in kb.facts:
            if bullet.startswith(fact_text(kb, fact.id, lang)[:60]):
                found.append(fact.id)
                break
    return found


REGION_QUESTION = {
    "en": "Where in Belgium do you live?",
    "nl": "Waar in België woont u?",
    "fr": "Où habitez-vous en Belgique ?",
    "uk": "Де в Бельгії ви живете?",
}


def asks_region(messages: list[dict], lang: str) -> bool:
    return REGION_QUESTION[lang] in text_of(messages)


def regions_of(kb, ids: Iterable[str]) -> set[str]:
    return {kb.by_id[i].region for i in ids}


# 1. A precise figure: the fact with that figure comes first.
@pytest.mark.parametrize(
    "lang,question",
    [
        ("en", "How many emergency villages were built in Flanders?"),
        ("nl", "Hoeveel nooddorpen werden er in Vlaanderen gebouwd?"),
        ("fr", "Combien de villages d'urgence ont été construits en Flandre ?"),
        ("uk", "Скільки тимчасових селищ збудували у Фландрії?"),
    ],
)
def test_a_precise_figure_comes_first(servers, sender, project_knowledge, lang, question) -> None:
    reply = servers.say(sender, question)
    ids = shown_ids(project_knowledge, reply, lang)
    assert ids, text_of(reply)
    assert ids[0] in {"housing.flanders.emergency_villages", "housing.flanders.ghent_village"}, ids


# 2. Lead with the answer: what to do first for a how-question, at most three facts, "More about".
@pytest.mark.parametrize(
    "lang,question",
    [
        ("en", "How do I register for temporary protection?"),
        ("nl", "Hoe registreer ik me voor tijdelijke bescherming?"),
        ("fr", "Comment m'enregistrer pour la protection temporaire ?"),
        ("uk", "Як зареєструватися на тимчасовий захист?"),
    ],
)
def test_a_how_question_leads_with_what_to_do(servers, sender, project_knowledge, lang, question) -> None:
    reply = servers.say(sender, question)
    ids = shown_ids(project_knowledge, reply, lang)
    assert 1 <= len(ids) <= 3, text_of(reply)
    assert project_knowledge.by_id[ids[0]].is_guidance, ids
    # Not the advice for a situation the question does not name (struck off the register).
    assert ids[0] != "guide.temporary_protection.belgium.struck_off_register", ids
    assert not asks_region(reply, lang), "a national question is answered at once"
    assert any(b["payload"].startswith("/more_about") for b in buttons_of(reply))


# 3. A question with a place is a question, and the place is remembered.
@pytest.mark.parametrize(
    "lang,question,region,follow_up",
    [
        ("en", "We live in Tournai and we need a flat", "wallonia", "How do I enrol my daughter in school?"),
        ("nl", "Ik woon in Aalst en zoek een job", "flanders", "Hoe schrijf ik mijn zoon in op school?"),
        ("fr", "J'habite à Liège, comment trouver un médecin de garde ?", "wallonia", "Comment inscrire mon fils à l'école ?"),
        ("uk", "Я в Лувені, де шукати житло?", "flanders", "Як записати дитину до школи?"),
    ],
)
def test_a_question_with_a_place_is_answered_for_that_place(servers, sender, project_knowledge, lang, question, region, follow_up) -> None:
    reply = servers.say(sender, question)
    ids = shown_ids(project_knowledge, reply, lang)
    assert ids, text_of(reply)
    assert regions_of(project_knowledge, ids) <= {region, "belgium", "eu"}, ids
    later = servers.say(sender, follow_up)
    assert not asks_region(later, lang), "the region named with the question is remembered"
    later_ids = shown_ids(project_knowledge, later, lang)
    assert later_ids and regions_of(project_knowledge, later_ids) <= {region, "belgium", "eu"}, later_ids


# 4. The region is asked only when the answer depends on it.
@pytest.mark.parametrize(
    "lang,question",
    [
        ("en", "Is it possible to travel to Poland with this status?"),
        ("nl", "Tot wanneer loopt de tijdelijke bescherming?"),
        ("fr", "Où se trouve le centre d'enregistrement ?"),
        ("uk", "Чи можна поїхати в Україну на похорон і повернутися?"),
    ],
)
def test_national_questions_are_answered_at_once(servers, sender, project_knowledge, lang, question) -> None:
    reply = servers.say(sender, question)
    assert not asks_region(reply, lang), text_of(reply)
    ids = shown_ids(project_knowledge, reply, lang)
    assert ids and regions_of(project_knowledge, ids) <= {"belgium", "eu"}, ids


@pytest.mark.parametrize(
    "lang,question,answer,region",
    [
        ("en", "How do I enrol my son in school?", "Brussels", "brussels"),
        ("nl", "Ons gastgezin kan ons niet langer opvangen, wat moeten we doen?", "Vlaanderen", "flanders"),
        ("fr", "Mon fils a 9 ans, comment l'inscrire dans une école ?", "Bruxelles", "brussels"),
        ("uk", "Де записатися на курси мови?", "Льєж", "wallonia"),
    ],
)
def test_regional_questions_wait_for_the_region_then_answer_that_question(servers, sender, project_knowledge, lang, question, answer, region) -> None:
    first = servers.say(sender, question)
    assert asks_region(first, lang), text_of(first)
    reply = servers.say(sender, answer)
    ids = shown_ids(project_knowledge, reply, lang)
    assert ids, text_of(reply)
    facts = [project_knowledge.by_id[i] for i in ids]
    assert facts[0].region in (region, "belgium") and facts[0].is_guidance, ids
    assert regions_of(project_knowledge, ids) <= {region, "belgium", "eu"}, ids


# 5. The first message's language: the detector's best guess, even when it is not sure.
@pytest.mark.parametrize(
    "question",
    ["Is there free public transport for us?", "Can my kids join a football club?", "Is it possible to travel to Poland with this status?"],
)
def test_the_first_message_is_answered_in_its_language(servers, sender, question) -> None:
    reply = text_of(servers.say(sender, question))
    assert not re.search(r"[\u0400-\u04FF]", reply), reply
    assert re.search(r"\b(the|you|information|with|official)\b", reply), reply


def test_a_hint_does_not_override_a_clear_first_message(servers, sender) -> None:
    reply = text_of(servers.say(sender, "Hoe lang duurt de tijdelijke bescherming nog?", language="uk"))
    assert "4 maart 2027" in reply


# 6. Out of scope means out of scope, in every language.
@pytest.mark.parametrize(
    "question,start",
    [
        ("Can you recommend a good vet for my cat?", "Sorry, I cannot answer that question."),
        ("Wie heeft gisteren de match Club Brugge gewonnen?", "Sorry, op die vraag kan ik niet antwoorden."),
        ("Donne-moi une recette de gaufres de Liège", "Désolé, je ne peux pas répondre à cette question."),
        ("Розкажи анекдот про котів", "Вибачте, на це запитання я не можу відповісти."),
    ],
)
def test_out_of_scope_gets_the_fallback(servers, sender, question, start) -> None:
    reply = text_of(servers.say(sender, question))
    assert reply.startswith(start), reply
    assert not re.search(r"^• ", reply, re.M)


# 9. An empty first message (a chat widget's start) gets the greeting.
@pytest.mark.parametrize("lang,greeting", [("en", "Hello!"), ("nl", "Hallo!"), ("fr", "Bonjour"), ("uk", "Вітаю!")])
def test_an_empty_first_message_gets_the_greeting(servers, sender, lang, greeting) -> None:
    reply = text_of(servers.say(sender, "", language=lang))
    assert reply.startswith(greeting), reply

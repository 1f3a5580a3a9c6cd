"""Each action, run on a tracker fixture: the messages it sends and the events it returns."""

from __future__ import annotations

import pytest
from rasa_sdk.events import AllSlotsReset, SlotSet

from actions.answers import ActionAnswerQuestion
from actions.conversation import (
    ActionAcknowledgeThanks,
    ActionGreetUser,
    ActionRestartConversation,
    ActionSayGoodbye,
    ActionShowHelp,
)
from actions.fallback import ActionDefaultFallback, ActionExplainScope
from actions.language import ActionChooseLanguage
from actions.region import ActionSetRegion
from bot.taxonomy import TOPIC_INTENTS


def _texts(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def test_regional_question_without_region_asks_for_it(dispatcher, tracker, domain) -> None:
    events = await ActionAnswerQuestion().run(dispatcher, tracker("housing_no_region_uk"), domain)
    assert SlotSet("pending_topic", "housing") in events
    assert SlotSet("language", "uk") in events
    [message] = dispatcher.messages
    assert "регіон" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        '/inform_region{"region":"flanders"}',
        '/inform_region{"region":"wallonia"}',
        '/inform_region{"region":"brussels"}',
    ]
    assert [b["title"] for b in message["buttons"]] == ["Фландрія", "Валлонія", "Брюссель"]


async def test_typed_place_answers_the_pending_question(dispatcher, tracker, domain) -> None:
    events = await ActionSetRegion().run(dispatcher, tracker("region_typed_with_pending_housing"), domain)
    assert SlotSet("region", "flanders") in events
    assert SlotSet("province", "east_flanders") in events
    assert SlotSet("pending_topic", None) in events
    text = _texts(dispatcher)
    assert "Гент" in text and "Фландрія" in text
    answer = text.split("\n", 1)[1]
    assert answer.startswith("• ") and "Фландрі" in answer, "the housing answer for Flanders follows the note"
    assert "Джерело:" in text and "станом на" in text


async def test_region_button_answers_in_the_conversation_language(dispatcher, tracker, domain) -> None:
    events = await ActionSetRegion().run(dispatcher, tracker("region_button_pending_work_fr"), domain)
    assert SlotSet("region", "wallonia") in events
    text = _texts(dispatcher)
    answer = text.split("\n", 1)[1]
    assert answer.startswith("• ") and "Wallonie" in answer, "the work answer for Wallonia follows the note"
    assert "Source :" in text
    assert "www.wallonie.be/ukraine" in text


async def test_question_in_english_switches_language_and_gives_the_end_date(dispatcher, tracker, domain) -> None:
    events = await ActionAnswerQuestion().run(dispatcher, tracker("duration_question_en"), domain)
    assert SlotSet("language", "en") in events
    text = _texts(dispatcher)
    assert "4 March 2027" in text and "13 June 2025" in text
    for outdated in ("4 March 2024", "4 March 2025", "4 March 2026"):
        assert outdated not in text
    assert "Source: Council of the EU press release, 13 June 2025" in text


async def test_language_button_switches_language(dispatcher, tracker, domain) -> None:
    events = await ActionChooseLanguage().run(dispatcher, tracker("language_button_nl"), domain)
    assert SlotSet("language", "nl") in events
    assert _texts(dispatcher) == "Vanaf nu antwoord ik in het Nederlands."


async def test_emoji_gets_a_polite_reply_in_the_current_language(dispatcher, tracker, domain) -> None:
    events = await ActionExplainScope().run(dispatcher, tracker("emoji_only"), domain)
    assert events == []
    text = _texts(dispatcher)
    assert text.startswith("Je ne trouve pas de question")
    assert "www.info-ukraine.be" in text
    buttons = dispatcher.messages[0]["buttons"]
    assert len(buttons) == len(TOPIC_INTENTS) + 1
    assert buttons[-1] == {"title": "Parler à une personne", "payload": "/request_human"}  # a person, after a fallback


async def test_default_fallback_is_the_same_polite_reply(dispatcher, tracker, domain) -> None:
    await ActionDefaultFallback().run(dispatcher, tracker("emoji_only"), domain)
    assert _texts(dispatcher).startswith("Je ne trouve pas de question")
    assert ActionDefaultFallback().name() == "action_default_fallback"


async def test_greeting_uses_the_channel_hint(dispatcher, tracker, domain) -> None:
    events = await ActionGreetUser().run(dispatcher, tracker("greet_with_hint_fr"), domain)
    assert SlotSet("language", "fr") in events
    assert SlotSet("channel_language", "fr") in events
    assert _texts(dispatcher).startswith("Bonjour !")
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Українська", "Nederlands", "Français", "English"]


async def test_start_over_forgets_region_but_keeps_language(dispatcher, tracker, domain) -> None:
    events = await ActionRestartConversation().run(dispatcher, tracker("start_over_nl"), domain)
    assert events[0] == AllSlotsReset()
    assert SlotSet("language", "nl") in events
    assert not any(e.get("name") == "region" and e.get("value") for e in events)
    assert _texts(dispatcher).startswith("We beginnen opnieuw.")


async def test_a_place_in_the_question_sets_the_region_and_ranks_province_facts(dispatcher, tracker, domain) -> None:
    events = await ActionAnswerQuestion().run(dispatcher, tracker("schooling_in_liege_question_nl"), domain)
    assert SlotSet("region", "wallonia") in events and SlotSet("province", "liege") in events
    text = _texts(dispatcher)
    assert text.startswith("• ") and "626" in text.split("\n")[0], "the province's own figure comes first"


@pytest.mark.parametrize(
    "action,fixture,start",
    [
        (ActionShowHelp, "language_button_nl", "Ik antwoord op basis van officiële"),
        (ActionAcknowledgeThanks, "start_over_nl", "Graag gedaan."),
        (ActionSayGoodbye, "start_over_nl", "Tot ziens"),
    ],
)
async def test_small_talk(dispatcher, tracker, domain, action, fixture, start) -> None:
    await action().run(dispatcher, tracker(fixture), domain)
    assert _texts(dispatcher).startswith(start)


def test_every_action_is_in_the_domain(domain) -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(domain["actions"])

"""Asking for a person, within and outside office hours (fixed clock), in the user's language."""

from __future__ import annotations

from bot.dialogue import Turn
from bot.handover.dialogue import request_human
from bot.payloads import HANDOVER_CANCEL
from tests.handover.conftest import at


def test_within_hours_the_user_is_queued_and_told_how_many_wait(assistant, store, hours) -> None:
    store.request("web-other", "socketio", "nl", None, open_now=True)
    turn = Turn(text="можна поговорити з людиною?", intent="request_human", language="uk", region="flanders")
    outcome = request_human(assistant, turn, "telegram-1", "telegram", store, hours, at("2026-12-01 10:00"))
    [reply] = outcome.replies
    assert reply.text.startswith("Невдовзі до цієї розмови приєднається працівник гарячої лінії.")
    assert "Людей у черзі перед вами: 1." in reply.text
    assert [b.payload for b in reply.buttons] == [HANDOVER_CANCEL]
    handover = store.open_for("telegram-1")
    assert handover.status == "waiting" and handover.held and handover.language == "uk"
    assert handover.region == "flanders" and handover.channel == "telegram"

    again = request_human(assistant, turn, "telegram-1", "telegram", store, hours, at("2026-12-01 10:05"))
    assert again.replies[0].text.startswith("Ви вже попросили")
    assert store.waiting_count() == 2


def test_outside_hours_the_user_learns_when_staff_are_back_and_gets_official_help(assistant, store, hours) -> None:
    turn = Turn(text="I want to talk to a person", intent="request_human", language="en", region="wallonia")
    outcome = request_human(assistant, turn, "web-abc", "socketio", store, hours, at("2026-12-04 18:30"))
    text = outcome.replies[0].text
    assert "The helpline staff are not available right now." in text
    assert "Their hours: Monday–Friday 09:00–17:00." in text
    assert "They are back Monday 7 December at 09:00." in text
    assert "You can leave your question" in text
    assert "www.wallonie.be/ukraine" in text  # the official site for the user's region
    assert store.open_for("web-abc").status == "collecting"


def test_french_outside_hours(assistant, store, hours) -> None:
    turn = Turn(text="je voudrais parler à un conseiller", intent="request_human", language="fr")
    outcome = request_human(assistant, turn, "web-fr", "socketio", store, hours, at("2026-12-01 20:00"))
    assert "L'équipe sera de retour demain à 09:00." in outcome.replies[0].text

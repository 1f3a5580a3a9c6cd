"""Feedback under real answers only, stored with what the answer showed; the report."""

from __future__ import annotations

import datetime as dt

from bot.dialogue import Outcome, Shown, Turn
from bot.handover.feedback import SLOT, feedback_report, format_report, record, with_feedback
from bot.payloads import ALLOWED_PAYLOADS


def test_the_prompt_comes_under_a_real_answer_only(assistant) -> None:
    greeting = assistant.greet(Turn(text="hi", intent="greet"))
    assert len(with_feedback(greeting, "en").replies) == 1
    fallback = assistant.fallback(Turn(text="tell me a joke", intent="out_of_scope", language="en"))
    assert len(with_feedback(fallback, "en").replies) == 1
    answer = Outcome(replies=[assistant.greet(Turn()).replies[0]], shown=Shown(("a.b",), "housing", "housing 0470 12 34 56?"))
    with_feedback(answer, "nl")
    prompt = answer.replies[-1]
    assert prompt.text == "Had u hier iets aan?"
    assert [b.title for b in prompt.buttons] == ["👍 Ja", "👎 Nee"]
    assert all(b.payload in ALLOWED_PAYLOADS for b in prompt.buttons)
    assert answer.slots[SLOT] == {"fact_ids": ["a.b"], "topic": "housing", "question": "housing [phone]?"}


def test_the_fallback_offers_a_person(assistant) -> None:
    outcome = assistant.fallback(Turn(text="tell me a joke", intent="out_of_scope", language="fr"))
    assert outcome.replies[0].buttons[-1].title == "Parler à une personne"
    assert outcome.replies[0].buttons[-1].payload == "/request_human"


def test_thumbs_down_asks_what_was_missing_and_offers_a_person(store) -> None:
    last = {"fact_ids": ["housing.x"], "topic": "housing", "question": "where to live?"}
    outcome, comment = record("telegram-5", "down", last, "uk", "brussels", "telegram", store)
    assert outcome.replies[0].buttons[0].payload == "/request_human"
    assert comment["feedback_comment"]["prompt"] == "Чого бракувало? Можете написати тут (необов'язково)."
    assert outcome.slots == {SLOT: None}
    [row] = store.feedback_rows(0)
    assert (row["rating"], row["fact_ids"], row["region"], row["language"]) == ("down", ["housing.x"], "brussels", "uk")
    # Pressed again (Telegram keeps its buttons): nothing more is stored.
    record("telegram-5", "down", None, "uk", "brussels", "telegram", store)
    assert len(store.feedback_rows(0)) == 1


def test_report_groups_unhelpful_answers_by_fact_and_question_and_shares_per_topic(store, project_knowledge) -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)
    ts = now.timestamp()
    fact = project_knowledge.facts[0].id
    for sender, rating, question, days in [
        ("a", "down", "Where can I live?", 1), ("b", "down", "where can i live", 2), ("c", "up", "work?", 3),
        ("d", "up", "Where can I live?", 10), ("e", "down", "old question", 40),
    ]:
        store.add_feedback(sender, rating, question, [fact], "housing", "en", None, "socketio", now=ts - days * 86400)
    store.add_comment("b", "the address of the centre", now=ts - 2 * 86400 + 60)
    report = feedback_report(store, project_knowledge, days=30, now=now)
    assert [(c.key, c.count) for c in report.unhelpful_facts] == [(fact, 2)]
    assert [(c.label, c.count) for c in report.unhelpful_questions] == [("Where can I live?", 2)]
    assert report.comments[0]["comment"] == "the address of the centre"
    assert [(s.topic, s.language, s.up, s.total) for s in report.shares[7]] == [("housing", "en", 1, 3)]
    assert [(s.up, s.total) for s in report.shares[30]] == [(2, 4)]
    text = format_report(report)
    assert "Share of 👍, last 30 days: 50% of 4 rating(s)" in text and "2x  Where can I live?" in text

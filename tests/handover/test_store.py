"""The hand-over store: the inbox order, taking atomically, staff replies kept until delivered,
silence, and feedback with personal data removed."""

from __future__ import annotations

import threading
import time

from bot.handover.store import HandoverStore


def test_waiting_conversations_oldest_first_and_one_open_per_user(store) -> None:
    first, new = store.request("web-aaa", "socketio", "uk", "flanders", open_now=True, now=100.0)
    assert new and first.status == "waiting" and first.held
    second, _ = store.request("telegram-42", "telegram", "nl", None, open_now=True, now=200.0)
    again, new_again = store.request("web-aaa", "socketio", "uk", "flanders", open_now=True, now=300.0)
    assert not new_again and again.id == first.id
    assert [h.sender_id for h in store.inbox()] == ["web-aaa", "telegram-42"]
    assert store.waiting_count() == 2
    assert store.open_for("web-aaa").id == first.id and store.open_for("web-nobody") is None


def test_only_one_of_two_staff_members_takes_a_conversation(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    stores = [HandoverStore(url, publisher=type("P", (), {"publish": lambda self: None})()) for _ in range(8)]
    handover, _ = stores[0].request("web-bbb", "socketio", "fr", None, open_now=True)
    results: list[bool] = []
    start = threading.Barrier(len(stores))

    def take(store: HandoverStore, name: str) -> None:
        start.wait()
        results.append(store.take(handover.id, name))

    threads = [threading.Thread(target=take, args=(s, f"op{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    taken = stores[0].get(handover.id)
    assert taken.status == "active" and taken.operator.startswith("op")


def test_outside_hours_the_next_message_is_the_question_and_the_bot_is_not_held(store) -> None:
    handover, _ = store.request("telegram-7", "telegram", "en", "wallonia", open_now=False)
    assert handover.status == "collecting" and not handover.held
    assert store.inbox() == []
    assert store.leave_question(handover.id)
    left = store.get(handover.id)
    assert left.status == "waiting" and left.left_question and not left.held
    assert [h.id for h in store.inbox()] == [handover.id]
    assert store.take(handover.id, "Olena") and store.get(handover.id).held


def test_staff_reply_kept_in_full_until_delivered_and_stored_redacted(store) -> None:
    handover, _ = store.request("web-ccc", "socketio", "en", None, open_now=True)
    store.take(handover.id, "Marie")
    reply = store.add_message(store.get(handover.id), "staff", "Call the info line on 02 123 45 67", operator="Marie")
    assert reply.text == "Call the info line on [phone]"
    [pending] = store.pending_for("web-ccc")
    assert pending.deliverable_text == "Call the info line on 02 123 45 67"
    assert not store.delivered(reply.id, "web-someone-else")
    assert store.delivered(reply.id, "web-ccc")
    assert store.pending_for("web-ccc") == []
    assert store.message(reply.id).pending_text is None


def test_a_staff_reply_is_recorded_in_the_tracker_once(store) -> None:
    handover, _ = store.request("web-rec", "socketio", "en", None, open_now=True)
    reply = store.add_message(handover, "staff", "hello", operator="Jan")
    assert store.claim_recording(reply.id) is True
    assert store.claim_recording(reply.id) is False
    assert store.message(reply.id).recorded_at is not None


def test_every_change_is_numbered(store) -> None:
    assert store.version() == 0
    handover, _ = store.request("web-ddd", "socketio", "en", None, open_now=True)
    store.take(handover.id, "Jan")
    store.user_message(handover.id)
    store.end(handover.id, "returned", "Jan")
    assert store.version() == 4
    assert store._publisher.published == 4


def test_silence_sends_it_back_but_not_when_someone_spoke(store) -> None:
    now = time.time()
    handover, _ = store.request("web-eee", "socketio", "en", None, open_now=True, now=now - 3600)
    store.take(handover.id, "Jan", now=now - 3600)
    assert [h.id for h in store.silent(now - 1200)] == [handover.id]
    store.user_message(handover.id, now=now)
    assert store.end(handover.id, "returned", "timeout", ("active",), silent_since=now - 1200) is None
    assert store.get(handover.id).status == "active"


def test_feedback_and_comment_without_personal_data(store) -> None:
    store.add_feedback("web-fff", "down", "my number is 0470 12 34 56, where do I find housing?", ["a", "b"],
                       "housing", "en", "flanders", "socketio")
    assert store.add_comment("web-fff", "write me at olena@example.org")
    assert not store.add_comment("web-nobody", "hello")
    [row] = store.feedback_rows(0)
    assert row["question"] == "my number is [phone], where do I find housing?"
    assert row["comment"] == "write me at [email]"
    assert row["fact_ids"] == ["a", "b"] and row["rating"] == "down" and row["channel"] == "socketio"

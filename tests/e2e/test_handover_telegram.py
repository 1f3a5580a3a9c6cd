"""The hand-over on Telegram against the stand-in Bot API, outside office hours with a question left
for later, the silence timeout, and feedback with a comment (ForceReply) ending up in the report."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import pytest

from tests.e2e.handover_helpers import closed_today, set_hours, start_staff, wait_until
from tests.e2e.servers import ALWAYS_OPEN, ROOT, env
from tests.e2e.telegram_standin import TelegramStandIn, private_message, user

pytestmark = pytest.mark.e2e

_users = itertools.count(700_000)


@pytest.fixture(scope="module")
def staff(servers, tmp_path_factory):
    page = start_staff(servers, tmp_path_factory.mktemp("staff"))
    yield page
    page.stop()


@pytest.fixture
def chat(servers):
    user_id = next(_users)
    telegram: TelegramStandIn = servers.telegram
    webhook = f"{servers.url}/webhooks/telegram/webhook"

    class Chat:
        id = user_id
        sender = f"telegram-{user_id}"

        def messages(self):
            return telegram.sent(chat_id=user_id)

        def deliver(self, update):
            status, body = telegram.deliver(webhook, update)
            assert status == 200, body

        def say(self, text: str, language: str = "uk", reply_to: dict | None = None):
            before = len(self.messages())
            update = private_message(telegram.next_update_id(), user_id, language, text=text)
            if reply_to is not None:
                update["message"]["reply_to_message"] = reply_to
            self.deliver(update)
            return self.messages()[before:]

        def press(self, data: str, language: str = "uk"):
            before = len(self.messages())
            self.deliver({
                "update_id": telegram.next_update_id(),
                "callback_query": {
                    "id": f"cb-{telegram.next_update_id()}", "from": user(user_id, language), "chat_instance": "1",
                    "message": {"message_id": 1, "chat": {"id": user_id, "type": "private"}, "date": int(time.time()), "text": "…"},
                    "data": data,
                },
            })
            return self.messages()[before:]

        def wait_for(self, fragment: str, after: int = 0, timeout: float = 30):
            return wait_until(lambda: [m for m in self.messages()[after:] if fragment in m["text"]], timeout)

    return Chat()


def texts(messages) -> str:
    return "\n".join(m["text"] for m in messages)


def test_telegram_user_talks_to_staff_and_back_to_the_assistant(servers, staff, chat) -> None:
    assert "Фландрії" in texts(chat.say("Де шукати роботу в Генті?"))
    replies = chat.say("/human")
    assert "Невдовзі до цієї розмови приєднається працівник гарячої лінії." in texts(replies)

    item = staff.conversation_of(chat.sender)
    assert item["language"] == "uk" and item["region"] == "flanders" and item["channel"] == "telegram"
    assert any(t["who"] == "user" and t["text"] == "Де шукати роботу в Генті?" for t in staff.transcript(item["id"]))

    # Another staff member cannot take it once Olena has.
    assert staff.call("POST", f"/api/inbox/{item['id']}/take", operator="Olena")[0] == 200
    code, refused = staff.call("POST", f"/api/inbox/{item['id']}/take", operator="Marc")
    assert code == 409 and refused["operator"] == "Olena"
    chat.wait_for("Olena")

    before = len(chat.messages())
    code, sent = staff.call("POST", f"/api/inbox/{item['id']}/reply", body={"text": "Добрий день! Я Олена. Чим допомогти?"})
    assert code == 200 and sent["delivered"], sent
    [reply] = chat.messages()[before:]
    assert reply["text"] == "Olena (працівник гарячої лінії):\nДобрий день! Я Олена. Чим допомогти?"
    assert staff.call("POST", f"/api/inbox/{item['id']}/reply", operator="Marc", body={"text": "hi"})[0] == 409

    # The user's next message reaches the staff member, not the assistant.
    assert chat.say("Мені потрібна довідка для роботи, мій номер 0470 12 34 56") == []
    history = wait_until(lambda: [t for t in staff.transcript(item["id"]) if "довідка" in t["text"]])
    assert history[-1]["who"] == "user" and "[phone]" in history[-1]["text"] and "0470" not in history[-1]["text"]
    transcript = staff.transcript(item["id"])
    assert {"who": "staff", "name": "Olena"}.items() <= next(t for t in transcript if t["who"] == "staff").items()

    before = len(chat.messages())
    assert staff.call("POST", f"/api/inbox/{item['id']}/handback")[0] == 200
    assert "передав розмову назад асистентові" in texts(chat.messages()[before:])
    # The assistant answers again, with the language and region it remembered.
    answer = texts(chat.say("а робота?"))
    assert "Фландрії" in answer and "Чи була ця відповідь корисною?" in answer


def test_outside_office_hours_a_question_left_is_answered_later(servers, staff, chat) -> None:
    set_hours(servers, closed_today())
    try:
        replies = texts(chat.say("I want to talk to a person", language="en"))
        assert "The helpline staff are not available right now." in replies
        assert "They are back " in replies and "at 09:00" in replies
        assert "www.info-ukraine.be" in replies  # official help meanwhile
        saved = texts(chat.say("How do I exchange my Ukrainian driving licence?", language="en"))
        assert saved.startswith("Thank you. Your question is saved")
        # Meanwhile the assistant answers other questions.
        assert "4 March 2027" in texts(chat.say("How long does temporary protection last?", language="en"))
    finally:
        set_hours(servers, ALWAYS_OPEN)
    item = staff.conversation_of(chat.sender)
    assert item["left_question"]
    assert any("driving licence" in t["text"] for t in staff.transcript(item["id"]))
    assert staff.call("POST", f"/api/inbox/{item['id']}/take", operator="Jan")[0] == 200
    code, sent = staff.call("POST", f"/api/inbox/{item['id']}/reply", operator="Jan",
                            body={"text": "Good morning! You exchange it at your municipality."})
    assert code == 200 and sent["delivered"]
    chat.wait_for("You exchange it at your municipality.")
    staff.call("POST", f"/api/inbox/{item['id']}/close", operator="Jan")
    chat.wait_for("closed the conversation")


def test_a_silent_conversation_returns_to_the_assistant(servers, staff, chat) -> None:
    chat.say("хочу поговорити з людиною")
    item = staff.conversation_of(chat.sender)
    staff.call("POST", f"/api/inbox/{item['id']}/take", operator="Olena")
    set_hours(servers, ALWAYS_OPEN.replace("silence_timeout_minutes: 20", "silence_timeout_minutes: 0.05"))
    try:
        chat.wait_for("знову відповідає асистент", timeout=30)
    finally:
        set_hours(servers, ALWAYS_OPEN)
    assert "4 березня 2027" in texts(chat.say("Скільки триває тимчасовий захист?"))


def test_feedback_with_a_comment_reaches_the_report(servers, staff, chat) -> None:
    answer = chat.say("Де знайти житло в Льєжі?")
    prompt = answer[-1]
    assert prompt["text"] == "Чи була ця відповідь корисною?"
    buttons = [b for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["👍 Так", "👎 Ні"]
    replies = chat.press(buttons[1]["callback_data"])
    assert replies[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/request_human"
    ask = replies[-1]
    assert ask["reply_markup"]["force_reply"] is True
    reply_to = {"message_id": 5, "from": {"id": 1, "is_bot": True, "first_name": "bot"}, "chat": {"id": chat.id, "type": "private"},
                "date": int(time.time()), "text": ask["text"]}
    [thanks] = chat.say("Немає адреси центру, мій телефон +32 470 12 34 56", reply_to=reply_to)
    assert thanks["text"] == "Дякуємо, ваш коментар збережено."

    result = subprocess.run(
        [sys.executable, "-m", "bot.staff", "feedback", "--db", f"sqlite:///{servers.workdir / 'rasa.db'}"],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Немає адреси центру, мій телефон [phone]" in result.stdout and "470 12" not in result.stdout
    # The facts the answer showed (housing in Wallonia), by id.
    assert any("housing" in line and "wallonia" in line for line in result.stdout.splitlines())
    page = staff.text("/feedback?lang=en")
    assert "Немає адреси центру" in page and "Share of 👍" in page

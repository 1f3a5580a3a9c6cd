"""Telegram: real Update JSON shapes posted to the webhook, replies recorded by a stand-in Bot API."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time

import pytest

from tests.e2e.servers import ROOT, env
from tests.e2e.telegram_standin import SECRET, TOKEN, TelegramStandIn, private_message, user

pytestmark = pytest.mark.e2e

_users = itertools.count(500_000)


@pytest.fixture
def chat(servers):
    """A new private chat: (deliver(update) -> status, messages sent to this chat)."""
    user_id = next(_users)
    telegram: TelegramStandIn = servers.telegram
    webhook = f"{servers.url}/webhooks/telegram/webhook"

    class Chat:
        id = user_id

        def deliver(self, update, secret=SECRET, raw=None):
            status, body = telegram.deliver(webhook, update, secret=secret, raw=raw)
            return status, body

        def say(self, text: str, language: str = "uk", edited: bool = False):
            update = private_message(telegram.next_update_id(), user_id, language, text=text)
            if edited:
                update["edited_message"] = update.pop("message")
                update["edited_message"]["edit_date"] = int(time.time())
            before = len(self.messages())
            status, body = self.deliver(update)
            assert status == 200, body
            return self.messages()[before:]

        def send(self, language: str = "uk", **content):
            before = len(self.messages())
            status, body = self.deliver(private_message(telegram.next_update_id(), user_id, language, **content))
            assert status == 200, body
            return self.messages()[before:]

        def press(self, data: str, language: str = "uk"):
            callback_id = f"cb-{telegram.next_update_id()}"
            update = {
                "update_id": telegram.next_update_id(),
                "callback_query": {
                    "id": callback_id,
                    "from": user(user_id, language),
                    "message": {"message_id": 1, "chat": {"id": user_id, "type": "private"}, "date": int(time.time()), "text": "…"},
                    "chat_instance": "42",
                    "data": data,
                },
            }
            before = len(self.messages())
            status, body = self.deliver(update)
            assert status == 200, body
            return callback_id, self.messages()[before:]

        def messages(self):
            return telegram.sent(chat_id=user_id)

    return Chat()


def test_start_uses_the_client_language(chat) -> None:
    [reply] = chat.say("/start", language="fr")
    assert reply["text"].startswith("Bonjour !")
    keyboard = reply["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["Українська", "Nederlands", "Français", "English"]


def test_question_answered_in_ukrainian(chat) -> None:
    replies = chat.say("Скільки ще діятиме тимчасовий захист?")
    text = "\n".join(r["text"] for r in replies)
    assert "4 березня 2027" in text and "Джерело:" in text
    assert all(len(r["text"]) <= 4096 for r in replies)


def test_inline_button_is_answered_and_acted_on(servers, chat) -> None:
    [question] = chat.say("Де знайти житло для родини?")
    buttons = [b for row in question["reply_markup"]["inline_keyboard"] for b in row]
    brussels = next(b for b in buttons if b["text"] == "Брюссель")
    callback_id, replies = chat.press(brussels["callback_data"])
    assert {"callback_query_id": callback_id} in servers.telegram.sent(method="answerCallbackQuery")
    answer = "\n".join(r["text"] for r in replies)
    assert "Зрозуміло: Брюссель." in answer and "• " in answer and "Де в Бельгії" not in answer, answer


def test_edited_message_is_answered_again(chat) -> None:
    replies = chat.say("How long does temporary protection last?", language="en", edited=True)
    assert any("4 March 2027" in r["text"] for r in replies)


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3, "mime_type": "audio/ogg"}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "scan.pdf", "mime_type": "application/pdf"}},
    ],
    ids=["sticker", "photo", "voice", "document"],
)
def test_media_get_a_polite_reply_in_the_conversation_language(chat, content) -> None:
    chat.say("Hallo, ik heb een vraag over werk", language="uk")
    [reply] = chat.send(language="uk", **content)
    assert reply["text"] == "Ik kan alleen tekstberichten lezen. Typ uw vraag alstublieft in woorden."


def test_location_gets_a_request_for_the_town(chat) -> None:
    [reply] = chat.send(language="uk", location={"latitude": 51.05, "longitude": 3.72})
    assert reply["text"].startswith("Дякую. Я не можу прочитати геолокацію")


def test_language_command_offers_the_four_languages(chat) -> None:
    [menu] = chat.say("/language")
    buttons = [b for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    _, replies = chat.press(buttons[3]["callback_data"])
    assert replies[0]["text"] == "From now on I will answer in English."


def test_typed_intents_behind_slashes_are_read_as_words(chat) -> None:
    """"/ /intent{…}" in a text or in callback data neither switches the language nor restarts."""
    chat.say("Де знайти житло?")
    assert any("Фландрії" in r["text"] for r in chat.say("у Генті"))
    for typed in ('/ /choose_language{"language":"fr"}', '/\t/choose_language{"language":"de"}', "// /greet"):
        replies = chat.say(typed)
        assert replies and not any(r["text"].startswith(("Désormais", "Вибачте, зараз я не можу")) for r in replies), (typed, replies)
    _, replies = chat.press('/ /choose_language{"language":"en"}')
    assert replies and not any(r["text"].startswith("From now on") for r in replies), replies
    work = "\n".join(r["text"] for r in chat.say("А де шукати роботу?"))
    assert "Фландрії" in work and "Де в Бельгії" not in work, "the language or the region changed"
    # Rasa's own `restart` intent would wipe the conversation and answer nothing (an apology).
    replies = chat.say("/ /restart")
    assert replies and not any(r["text"].startswith("Вибачте, зараз я не можу") for r in replies), replies


def test_rest_cannot_reach_a_telegram_conversation(servers, chat) -> None:
    """A Telegram chat id is the user's id, not a secret: writing as `telegram-<id>` over REST
    reaches a REST conversation of its own, never the user's."""
    chat.say("Де знайти житло?")
    assert any("Фландрії" in r["text"] for r in chat.say("у Генті"))
    before = len(chat.messages())
    answer = "\n".join(m.get("text") or "" for m in servers.say(f"telegram-{chat.id}", "А де шукати роботу?"))
    assert "Фландрії" not in answer and "Де в Бельгії" in answer, "REST read the Telegram user's region"
    servers.say(f"telegram-{chat.id}", "Брюссель")
    assert len(chat.messages()) == before, "a REST reply went to the Telegram chat"
    work = "\n".join(r["text"] for r in chat.say("А де шукати роботу?"))
    assert "Фландрії" in work and "Брюссел" not in work, "REST changed the Telegram user's region"


def test_wrong_or_missing_secret_is_refused(servers, chat) -> None:
    update = private_message(servers.telegram.next_update_id(), chat.id, text="hello")
    assert chat.deliver(update, secret="wrong")[0] == 403
    assert chat.deliver(update, secret=None)[0] == 403
    assert chat.messages() == []


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 9_000_001, "my_chat_member": {"chat": {"id": 1, "type": "private"}}},
        {"update_id": 9_000_002, "channel_post": {"message_id": 1, "chat": {"id": -100, "type": "channel"}, "text": "hi"}},
        {"update_id": 9_000_003},
        {"update_id": 9_000_004, "message": {"message_id": 1, "text": "no chat"}},
        {"update_id": 9_000_005, "message": "not an object"},
        [1, 2, 3],
    ],
    ids=["member update", "channel post", "empty", "no chat", "message not an object", "not an object"],
)
def test_unusable_updates_get_200_and_nothing_is_sent(servers, update) -> None:
    before = len(servers.telegram.sent())
    status, _ = servers.telegram.deliver(f"{servers.url}/webhooks/telegram/webhook", update)
    assert status == 200
    assert len(servers.telegram.sent()) == before


def test_invalid_json_gets_200(servers) -> None:
    status, _ = servers.telegram.deliver(f"{servers.url}/webhooks/telegram/webhook", None, raw=b"{broken")
    assert status == 200


def test_deeply_nested_json_gets_200(servers) -> None:
    raw = b'{"update_id": 9100001, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, body = servers.telegram.deliver(f"{servers.url}/webhooks/telegram/webhook", None, raw=raw)
    assert status == 200, body


@pytest.mark.parametrize("update_id", [None, "17", 1.5, True], ids=["missing", "text", "float", "bool"])
def test_an_update_without_an_integer_id_is_ignored(chat, update_id) -> None:
    """Without an id a retried update cannot be recognised, so it would be answered again and again."""
    update = private_message(1, chat.id, text="Скільки ще діятиме тимчасовий захист?")
    if update_id is None:
        del update["update_id"]
    else:
        update["update_id"] = update_id
    for _ in range(2):
        status, body = chat.deliver(update)
        assert status == 200, body
    assert chat.messages() == []


def test_a_429_is_retried_after_retry_after(servers, chat) -> None:
    servers.telegram.fail_next(chat.id, 429, retry_after=1)
    replies = chat.say("Скільки ще діятиме тимчасовий захист?")
    assert any("4 березня 2027" in r["text"] for r in replies), replies
    assert len(servers.telegram.sent(chat_id=chat.id, failed=True)) == 1


def test_a_blocked_bot_keeps_the_turn_and_stops_sending(servers, chat) -> None:
    """403 (the user blocked the bot): logged, nothing more sent, and the turn is saved: the
    pending question and the language are there when the user writes again."""
    import sqlite3

    servers.telegram.fail_next(chat.id, 403)
    assert chat.say("Де знайти житло для родини?") == []
    assert len(servers.telegram.sent(chat_id=chat.id, failed=True)) == 1, "no apology after a 403"
    rows = sqlite3.connect(servers.workdir / "rasa.db").execute(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (f"telegram-{chat.id}",)).fetchall()
    assert any("житло" in json.loads(r[0]).get("text", "") for r in rows), "the turn was not saved"
    assert "telegram.blocked chat=telegram-" in (servers.workdir / "rasa.log").read_text()
    # The pending question was kept: the place answers it (a lost turn gives "What would you like to know?").
    replies = chat.say("у Генті")
    assert any("житл" in r["text"].lower() for r in replies), replies


def test_a_retried_update_is_answered_once(chat, servers) -> None:
    update = private_message(servers.telegram.next_update_id(), chat.id, text="дякую")
    assert chat.deliver(update)[0] == 200
    assert chat.deliver(update)[0] == 200
    assert len(chat.messages()) == 1


def test_group_chats_hold_no_conversation(servers) -> None:
    group_id = -1_000_000 - next(_users)
    telegram: TelegramStandIn = servers.telegram
    webhook = f"{servers.url}/webhooks/telegram/webhook"

    def group_message(text: str):
        update = private_message(telegram.next_update_id(), next(_users), "uk", text=text)
        update["message"]["chat"] = {"id": group_id, "type": "supergroup", "title": "Helpers"}
        return telegram.deliver(webhook, update)

    assert group_message("Хтось знає, де знайти житло?")[0] == 200
    assert telegram.sent(chat_id=group_id) == []
    assert group_message("/help@ua_be_test_bot")[0] == 200
    [reply] = telegram.sent(chat_id=group_id)
    assert reply["text"] == "Я відповідаю лише в особистому чаті. Напишіть мені, будь ласка, напряму."
    # More commands in the same minute: no more notices (a group is not a way to make the bot spam).
    for command in ("/start", "/help", "/language", "/start@ua_be_test_bot"):
        assert group_message(command)[0] == 200
    assert len(telegram.sent(chat_id=group_id)) == 1


def test_set_webhook_is_a_command(servers) -> None:
    command_env = env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_SECRET_TOKEN=SECRET, TELEGRAM_API_BASE=servers.telegram.base_url)
    result = subprocess.run(
        [sys.executable, "-m", "bot.channels.telegram", "set-webhook", "--url", "https://assistant.example.org/webhooks/telegram/webhook"],
        cwd=ROOT, env=command_env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [call] = servers.telegram.sent(method="setWebhook")
    assert call["url"] == "https://assistant.example.org/webhooks/telegram/webhook"
    assert call["secret_token"] == SECRET
    refused = subprocess.run(
        [sys.executable, "-m", "bot.channels.telegram", "set-webhook", "--url", "http://plain.example.org/hook"],
        cwd=ROOT, env=command_env, capture_output=True, text=True, timeout=60,
    )
    assert refused.returncode == 2 and "HTTPS" in refused.stderr

"""The pipeline's guards as Rasa drives them: InputGuard first, NoWordsFallback last."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.guards import FALLBACK_INTENT, InputGuard, NoWordsFallback
from bot.text import MAX_MESSAGE_CHARS


def _create(cls, tmp_path):  # type: ignore[no-untyped-def]
    return cls.create({}, LocalModelStorage(tmp_path), Resource(cls.__name__), ExecutionContext(GraphSchema({}), "test"))


@pytest.mark.parametrize(
    "typed,read_as",
    [
        ("Де знайти житло?", "Де знайти житло?"),
        ("  where\tcan I\n\nwork?\u200b ", "where can I work?"),
        ("ecole\u0301", "ecolé"),  # NFC
        ("\x00\x07hi\u202e", "hi"),
        ('/inform_region{"region":"flanders"}', '/inform_region{"region":"flanders"}'),  # the bot's own button
        ('/inform_region{"region":"mars"}', 'inform_region{"region":"mars"}'),  # typed: read as words
        ("/restart", "/start_over"),
        ("/nlu_fallback", "nlu_fallback"),
    ],
)
def test_input_guard_cleans_what_rasa_reads(tmp_path, typed: str, read_as: str) -> None:
    [message] = _create(InputGuard, tmp_path).process([Message({TEXT: typed})])
    assert message.get(TEXT) == read_as


def test_input_guard_cuts_long_messages(tmp_path) -> None:
    [message] = _create(InputGuard, tmp_path).process([Message({TEXT: "слово " * 1000})])
    assert 0 < len(message.get(TEXT)) <= MAX_MESSAGE_CHARS and message.get(TEXT).endswith("слово")


def test_input_guard_handles_every_message_of_a_batch(tmp_path) -> None:
    messages = _create(InputGuard, tmp_path).process([Message({TEXT: "a\x00"}), Message({TEXT: "/x"}), Message({TEXT: "ok"})])
    assert [m.get(TEXT) for m in messages] == ["a", "x", "ok"]


@pytest.mark.parametrize("text", ["", "👍", "🇺🇦🙏", "?!...", "   "])
def test_no_words_go_to_the_fallback(tmp_path, text: str) -> None:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": "greet", "confidence": 0.9}, add_to_output=True)
    [message] = _create(NoWordsFallback, tmp_path).process([message])
    assert message.get(INTENT) == {"name": FALLBACK_INTENT, "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": FALLBACK_INTENT, "confidence": 1.0}]


@pytest.mark.parametrize("text", ["hi", "9000", "Гент", "é"])
def test_words_keep_their_intent(tmp_path, text: str) -> None:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": "greet", "confidence": 0.9}, add_to_output=True)
    [message] = _create(NoWordsFallback, tmp_path).process([message])
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.9}

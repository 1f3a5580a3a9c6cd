"""The channels' gate, without Rasa: what reaches the assistant and what goes to the staff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from bot.handover import gate as gate_module
from bot.handover.gate import HandoverGate
from bot.handover.hours import parse_hours
from bot.payloads import HANDOVER_CANCEL
from tests.handover.conftest import HOURS


@dataclass
class Output:
    said: list = field(default_factory=list)

    async def send_text_message(self, recipient_id, text, **kwargs) -> None:
        self.said.append(text)


@dataclass
class Message:
    text: str
    sender_id: str = "telegram-1"
    output_channel: Output = field(default_factory=Output)
    metadata: dict = field(default_factory=dict)
    input_channel: str = "telegram"
    message_id: str = "m1"


@pytest.fixture
def gate(store, monkeypatch):
    monkeypatch.setattr(gate_module, "office_hours", lambda: parse_hours(HOURS))
    return HandoverGate(store)


async def test_nothing_open_goes_to_the_assistant(gate) -> None:
    assert await gate.intercept(None, Message("hello")) is False


async def test_held_messages_go_to_the_staff_and_the_silence_clock_restarts(gate, store) -> None:
    handover, _ = store.request("telegram-1", "telegram", "uk", None, open_now=True, now=time.time() - 60)
    message = Message("my question for a person")
    assert await gate.intercept(None, message) is True
    assert message.output_channel.said == []  # the assistant says nothing
    assert store.get(handover.id).last_activity > time.time() - 5


async def test_outside_hours_the_next_message_is_the_left_question(gate, store) -> None:
    handover, _ = store.request("telegram-1", "telegram", "en", None, open_now=False)
    message = Message("How do I exchange my driving licence?")
    assert await gate.intercept(None, message) is True
    assert message.output_channel.said[0].startswith("Thank you. Your question is saved")
    assert store.get(handover.id).left_question
    # Then the assistant answers again while the question waits.
    assert await gate.intercept(None, Message("How long does protection last?")) is False


async def test_a_button_instead_of_the_question_cancels_the_left_question(gate, store) -> None:
    handover, _ = store.request("telegram-1", "telegram", "en", None, open_now=False)
    assert await gate.intercept(None, Message("/help")) is False
    assert store.get(handover.id).status == "returned"


async def test_continue_with_the_assistant(gate, store) -> None:
    handover, _ = store.request("telegram-1", "telegram", "fr", None, open_now=True)
    message = Message(HANDOVER_CANCEL)
    assert await gate.intercept(None, message) is True
    assert message.output_channel.said == ["D'accord : l'assistant répond à nouveau. Posez votre question."]
    assert store.get(handover.id).status == "returned"


async def test_a_silent_conversation_is_released_before_the_message_reaches_the_assistant(gate, store) -> None:
    long_ago = time.time() - 3600
    handover, _ = store.request("telegram-1", "telegram", "nl", None, open_now=True, now=long_ago)
    store.take(handover.id, "An", now=long_ago)
    assert await gate.intercept(None, Message("hallo?")) is False
    assert store.get(handover.id).status == "returned"
    [notice] = store.messages_for(handover.id)
    assert notice.kind == "system" and notice.text.startswith("Er is hier al een tijdje niets geschreven")


async def test_a_broken_database_never_stops_the_assistant(gate, store, monkeypatch) -> None:
    def broken(sender):
        raise RuntimeError("database down")

    monkeypatch.setattr(store, "open_for", broken)
    assert await gate.intercept(None, Message("hello")) is False

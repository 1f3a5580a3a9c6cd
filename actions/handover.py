"""The user asks for a person: the helpline staff's inbox, or a question left outside office hours."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, send, turn_from_tracker
from bot.dialogue import Assistant, Outcome, Turn, default_assistant
from bot.handover.dialogue import request_human


class ActionRequestHuman(AssistantAction):
    """Puts the conversation in the staff inbox (within office hours) or says when staff are back."""

    def name(self) -> Text:
        return "action_request_human"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:  # pragma: no cover - run() is used
        raise NotImplementedError("needs the conversation id: see run()")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        outcome = request_human(
            default_assistant(), turn_from_tracker(tracker), tracker.sender_id, tracker.get_latest_input_channel()
        )
        return send(outcome, dispatcher)

"""👍 / 👎 under an answer: stored with what the answer showed; 👎 offers a person and a comment."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import AssistantAction, send, turn_from_tracker
from bot.dialogue import Assistant, Outcome, Turn, default_assistant
from bot.handover.feedback import SLOT, record


class ActionStoreFeedback(AssistantAction):
    """Stores the rating of the last answer (its question, facts, language, region and channel)."""

    def name(self) -> Text:
        return "action_store_feedback"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:  # pragma: no cover - run() is used
        raise NotImplementedError("needs the conversation id: see run()")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        turn = turn_from_tracker(tracker)
        context = Outcome()
        lang, _place = default_assistant()._context(turn, context)
        outcome, comment = record(
            tracker.sender_id,
            turn.entities.get("rating"),
            tracker.get_slot(SLOT),
            lang,
            tracker.get_slot("region"),
            tracker.get_latest_input_channel(),
        )
        outcome.slots = {**context.slots, **outcome.slots}
        events = send(outcome, dispatcher)
        if comment is not None:
            dispatcher.utter_message(json_message=comment)
        return events

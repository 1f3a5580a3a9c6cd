"""The shared adapter from a Rasa tracker to the assistant's dialogue logic in `bot.dialogue`."""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue import SLOTS, Assistant, Outcome, Turn, default_assistant
from bot.handover.feedback import with_feedback
from bot.text import encodable


def turn_from_tracker(tracker: Tracker) -> Turn:
    """The latest message and the remembered slots, as the dialogue logic reads them."""
    latest: Dict[Text, Any] = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name")
    entities = {
        e.get("entity"): e.get("value")
        for e in latest.get("entities") or []
        if isinstance(e, dict) and isinstance(e.get("value"), str)
    }
    metadata = latest.get("metadata")
    text = latest.get("text")
    ranking = latest.get("intent_ranking")
    return Turn(
        # Channels clean the text; a tracker from elsewhere may still hold a lone surrogate.
        text=encodable(text) if isinstance(text, str) else "",
        intent=intent,
        entities=entities,
        metadata=metadata if isinstance(metadata, dict) else {},
        intent_ranking=[r for r in ranking if isinstance(r, dict)] if isinstance(ranking, list) else (),
        **{slot: tracker.get_slot(slot) for slot in SLOTS},
    )


def send(outcome: Outcome, dispatcher: CollectingDispatcher) -> List[EventType]:
    """Send the replies and return the slot events, in order."""
    for reply in outcome.replies:
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons or None)
    events: List[EventType] = [AllSlotsReset()] if outcome.reset_slots else []
    events.extend(SlotSet(name, value) for name, value in outcome.slots.items())
    return events


class AssistantAction(Action, abc.ABC):
    """Base of every action: run one handler of the assistant on the current turn."""

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    @abc.abstractmethod
    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        """The assistant's outcome for this turn."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        turn = turn_from_tracker(tracker)
        outcome = self.respond(default_assistant(), turn)
        # "Was this helpful?" under every real answer (and only there): one place for every action.
        with_feedback(outcome, outcome.slots.get("language") or turn.language)
        return send(outcome, dispatcher)

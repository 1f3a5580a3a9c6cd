"""The user's region: remembered for the conversation, and changeable at any time."""

from __future__ import annotations

from typing import Text

from actions.base import AssistantAction
from bot.dialogue import Assistant, Outcome, Turn


class ActionSetRegion(AssistantAction):
    """Remembers the place the user named or picked and answers the question that was waiting."""

    def name(self) -> Text:
        return "action_set_region"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.set_region(turn)

"""The answer language, chosen explicitly by the user."""

from __future__ import annotations

from typing import Text

from actions.base import AssistantAction
from bot.dialogue import Assistant, Outcome, Turn


class ActionChooseLanguage(AssistantAction):
    """Switches to the language the user named or picked, or offers the four languages."""

    def name(self) -> Text:
        return "action_choose_language"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.choose_language(turn)

"""Out-of-scope and not-understood messages: never silence, never a guess at another topic."""

from __future__ import annotations

from typing import Text

from actions.base import AssistantAction
from bot.dialogue import Assistant, Outcome, Turn


class ActionExplainScope(AssistantAction):
    """Says what the assistant can answer and where the official information is."""

    def name(self) -> Text:
        return "action_explain_scope"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.fallback(turn)


class ActionDefaultFallback(ActionExplainScope):
    """Replaces Rasa's default fallback (an English-only response) when no policy is confident."""

    def name(self) -> Text:
        return "action_default_fallback"


class ActionExplainMedia(AssistantAction):
    """Answers a sticker, photo, voice message or location: only text can be read."""

    def name(self) -> Text:
        return "action_explain_media"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.explain_media(turn)

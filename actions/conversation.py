"""Greeting, help, thanks, goodbye and restart."""

from __future__ import annotations

from typing import Text

from actions.base import AssistantAction
from bot.dialogue import Assistant, Outcome, Turn


class ActionGreetUser(AssistantAction):
    """Says hello and what the assistant can answer."""

    def name(self) -> Text:
        return "action_greet_user"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.greet(turn)


class ActionShowHelp(AssistantAction):
    """Shows the topics as buttons and how to change the language."""

    def name(self) -> Text:
        return "action_show_help"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.help(turn)


class ActionAcknowledgeThanks(AssistantAction):
    """Answers a thank-you."""

    def name(self) -> Text:
        return "action_acknowledge_thanks"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.thank(turn)


class ActionSayGoodbye(AssistantAction):
    """Says goodbye."""

    def name(self) -> Text:
        return "action_say_goodbye"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.goodbye(turn)


class ActionRestartConversation(AssistantAction):
    """Forgets the region and pending question, keeps the language, and starts over."""

    def name(self) -> Text:
        return "action_restart_conversation"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.restart(turn)

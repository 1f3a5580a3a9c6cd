"""Answers to questions, from the knowledge file."""

from __future__ import annotations

from typing import Text

from actions.base import AssistantAction
from bot.dialogue import Assistant, Outcome, Turn


class ActionAnswerQuestion(AssistantAction):
    """Answers a question intent for the user's region, or asks for the region first."""

    def name(self) -> Text:
        return "action_answer_question"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.answer_question(turn)


class ActionShowMore(AssistantAction):
    """"More about <topic>": the next facts of the topic."""

    def name(self) -> Text:
        return "action_show_more"

    def respond(self, assistant: Assistant, turn: Turn) -> Outcome:
        return assistant.more_about(turn)

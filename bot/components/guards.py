"""NLU pipeline components that protect the model from what users type.

`InputGuard` runs first: it cleans the text (control characters, length) and closes Rasa's
`/intent{...}` shortcut to everything but the bot's own button payloads and chat commands.
`NoWordsFallback` runs last: a message without a single letter or digit (empty, emoji, punctuation)
is not guessed into an intent; it goes to the fallback, which answers politely.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.payloads import guard_text
from bot.text import clean_user_text, has_words

FALLBACK_INTENT = "nlu_fallback"


class _Stateless(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_Stateless":
        return cls()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuard(_Stateless):
    """Cleans the text and lets only the bot's own payloads through as `/…` messages."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            cleaned = guard_text(clean_user_text(text))
            if cleaned != text:
                message.set(TEXT, cleaned)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoWordsFallback(_Stateless):
    """Sends messages without letters or digits to the fallback instead of a guessed intent."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_words(message.get(TEXT) or ""):
                continue
            message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": FALLBACK_INTENT, "confidence": 1.0}], add_to_output=True)
        return messages

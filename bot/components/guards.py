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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OutOfScopeGate(GraphComponent):
    """Out of scope means out of scope: a message the classifier finds nearly as likely to be out of
    scope as to be its best guess is out of scope.

    - A question intent whose out-of-scope probability is above `question_ratio` times its own
      ("protection for my phone screen" read as a protection question);
    - small talk (help, greet, thanks...) the classifier is unsure of (below `small_talk_confidence`)
      whose out-of-scope probability is above `small_talk_ratio` times its own ("find me a
      girlfriend" read as help).

    The thresholds were chosen on the dev split (tests/nlu/dev, tests/nlu/dev_out_of_scope), never
    on the frozen test sets. Button payloads (confidence 1.0) are never touched.
    """

    QUESTION_PREFIX = "ask_"
    SMALL_TALK = frozenset({"help", "greet", "goodbye", "thanks", "request_human", "choose_language", "start_over"})
    OUT_OF_SCOPE = "out_of_scope"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"question_ratio": 0.5, "small_talk_ratio": 0.3, "small_talk_confidence": 0.6}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OutOfScopeGate":
        return cls(config)

    def out_of_scope(self, intent: Dict[Text, Any], ranking: List[Dict[Text, Any]]) -> bool:
        """True when the message should be read as out of scope."""
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if not name or confidence >= 1.0 or name == self.OUT_OF_SCOPE:
            return False
        oos = sum(float(r.get("confidence") or 0.0) for r in ranking if r.get("name") == self.OUT_OF_SCOPE)
        if str(name).startswith(self.QUESTION_PREFIX):
            return oos > self.config["question_ratio"] * confidence
        if name in self.SMALL_TALK:
            return confidence < self.config["small_talk_confidence"] and oos > self.config["small_talk_ratio"] * confidence
        return False

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            if not self.out_of_scope(intent, ranking):
                continue
            oos = next((r for r in ranking if r.get("name") == self.OUT_OF_SCOPE), None)
            confidence = float(oos.get("confidence") or 0.0) if oos else 0.0
            # The user gets the out-of-scope reply; the ranking stays as the model gave it.
            message.set(INTENT, {"name": self.OUT_OF_SCOPE, "confidence": max(confidence, float(intent.get("confidence") or 0.0))}, add_to_output=True)
        return messages

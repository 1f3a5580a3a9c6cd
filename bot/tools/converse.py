"""Conversations with the assistant without servers: the trained model reads each message, the rules
of `data/rules/` pick the action, and the action's handler answers with the conversation's slots.

Used by `make evaluate` (answer retrieval) and for quick checks:

    python -m bot.tools.converse "Mon fils a 9 ans, comment l'inscrire dans une école ?" "Bruxelles"
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]


def rule_actions(folder: Path = ROOT / "data" / "rules") -> dict[str, str]:
    """Intent -> the action its rule runs."""
    mapping: dict[str, str] = {}
    for file in sorted(folder.glob("*.yml")):
        for rule in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("rules") or []:
            steps = rule.get("steps") or []
            if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
                mapping[steps[0]["intent"]] = steps[1]["action"]
    return mapping


def action_handlers() -> dict[str, Any]:
    """Action name -> an instance of the project's action (actions/)."""
    import inspect

    import actions.answers
    import actions.conversation
    import actions.fallback
    import actions.language
    import actions.region
    from actions.base import AssistantAction

    found: dict[str, Any] = {}
    for module in (actions.answers, actions.conversation, actions.fallback, actions.language, actions.region):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, AssistantAction) and not inspect.isabstract(cls):
                found[cls().name()] = cls()
    for module_name in ("actions.handover", "actions.feedback"):
        try:
            module = __import__(module_name, fromlist=["*"])
        except ImportError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, AssistantAction) and not inspect.isabstract(cls):
                found[cls().name()] = cls()
    return found


@dataclass
class Exchange:
    """One message and what the assistant did."""

    text: str
    intent: Optional[str]
    confidence: float
    action: str
    replies: list[Any]
    shown: Any = None


@dataclass
class OfflineConversation:
    """A conversation with the model and the handlers, slots kept between messages."""

    agent: Any
    assistant: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)

    async def say(self, text: str) -> Exchange:
        from bot.components.guards import FALLBACK_INTENT
        from bot.dialogue import SLOTS, Turn
        from bot.payloads import guard_text

        parsed = await self.agent.parse_message(guard_text(text))
        intent = (parsed.get("intent") or {}).get("name")
        confidence = float((parsed.get("intent") or {}).get("confidence") or 0.0)
        entities = {e.get("entity"): e.get("value") for e in parsed.get("entities") or [] if isinstance(e.get("value"), str)}
        rules = rule_actions()
        action = rules.get(intent or "", rules.get(FALLBACK_INTENT, "action_default_fallback"))
        handler = action_handlers()[action]
        turn = Turn(
            text=text,
            intent=intent,
            entities=entities,
            metadata=self.metadata,
            intent_ranking=parsed.get("intent_ranking") or (),
            **{slot: self.slots.get(slot) for slot in SLOTS},
        )
        try:
            outcome = handler.respond(self.assistant, turn)
        except NotImplementedError:
            # An action that needs a real conversation (the hand-over to staff writes to its
            # inbox): offline, it is recorded by name only.
            from bot.dialogue import Outcome

            outcome = Outcome()
        if outcome.reset_slots:
            self.slots = {}
        self.slots.update(outcome.slots)
        return Exchange(text, intent, confidence, action, list(outcome.replies), outcome.shown)


def load_agent(model: Optional[Path] = None) -> Any:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structured log prints every parse at debug level unless told otherwise.
    configure_structlog(logging.WARNING)

    from bot.tools.model import MODEL_PATH

    return Agent.load(str(model or MODEL_PATH))


def main(argv: list[str]) -> int:
    from bot.dialogue import default_assistant

    agent = load_agent()
    conversation = OfflineConversation(agent, default_assistant())
    for text in argv:
        exchange = asyncio.run(conversation.say(text))
        print(f"> {text}   [{exchange.intent} {exchange.confidence:.2f} -> {exchange.action}]")
        for reply in exchange.replies:
            print("  " + reply.text.replace("\n", "\n  "))
            if reply.buttons:
                print("  [" + "] [".join(b.title for b in reply.buttons) + "]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

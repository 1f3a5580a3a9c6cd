"""The button payloads the bot offers, and the only `/…` messages it accepts.

Rasa reads a message starting with "/" as an intent with entities (`/intent{"slot": "value"}`), which
would let anyone set any intent or slot by typing. The assistant accepts exactly the payloads of its
own buttons and a few chat commands; any other text starting with "/" is read as ordinary text.
"""

from __future__ import annotations

import json
import re
from typing import Optional

from bot.languages import LANGUAGES, normalize_language
from bot.taxonomy import LIVING_REGIONS, TOPIC_INTENTS, TOPICS

#: Regions a user can pick with a button (kept for existing imports).
REGION_CHOICES = LIVING_REGIONS

def payload(intent: str, **entities: str) -> str:
    """A button payload in Rasa's `/intent{...}` form, always written the same way."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'), sort_keys=True)}"


def language_payload(lang: str) -> str:
    return payload("choose_language", language=lang)


def region_payload(region: str) -> str:
    return payload("inform_region", region=region)


def feedback_payload(rating: str) -> str:
    """👍 ("up") or 👎 ("down") under an answer."""
    return payload("feedback", rating=rating)


#: Feedback ratings a button can send.
RATINGS = ("up", "down")

#: "Continue with the assistant" while waiting for a person: handled by the hand-over gate in the
#: channels, before Rasa (bot/handover/gate.py).
HANDOVER_CANCEL = payload("handover_cancel")


def more_payload(topic: str) -> str:
    """"More about <topic>": the next facts of a topic."""
    return payload("more_about", topic=topic)


ALLOWED_PAYLOADS: frozenset[str] = frozenset(
    [payload(i) for i in ("greet", "help", "start_over", "choose_language", "share_media", "share_location", "request_human", *TOPIC_INTENTS)]
    + [language_payload(lang) for lang in LANGUAGES]
    + [region_payload(region) for region in REGION_CHOICES]
    + [feedback_payload(rating) for rating in RATINGS]
    + [HANDOVER_CANCEL]
    + [more_payload(topic) for topic in TOPICS]
)

#: Chat commands (as Telegram clients send them) and the payload each stands for.
COMMANDS = {
    "/start": payload("greet"),
    "/help": payload("help"),
    "/language": payload("choose_language"),
    "/lang": payload("choose_language"),
    "/restart": payload("start_over"),
    "/human": payload("request_human"),
}

_COMMAND = re.compile(r"^(/[a-z_]+)(?:@\w+)?(?:\s+(\S+))?\s*$", re.I)
#: Every leading slash and space, in any order ("/ /restart", "/\t/x", "// /greet").
_LEADING_SLASHES = re.compile(r"^[\s/]+")


def guard_text(text: str) -> str:
    """What Rasa may read from a user's text: an allowed payload or command as the payload it stands
    for; any other text starting with "/" without its leading slashes and spaces (all of them, so
    "/ /restart" cannot reach Rasa's `/intent` shortcut either), so it is read as words."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    if stripped in ALLOWED_PAYLOADS:
        return stripped
    command = command_payload(stripped)
    if command is not None:
        return command
    return _LEADING_SLASHES.sub("", stripped)


def command_payload(text: str) -> Optional[str]:
    """`/language fr` -> the French button's payload; `/help@SomeBot` -> `/help`; else None."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name, argument = match.group(1).lower(), match.group(2)
    if name in ("/language", "/lang") and argument:
        lang = normalize_language(argument)
        return language_payload(lang) if lang else COMMANDS[name]
    if argument:
        return None
    return COMMANDS.get(name)

"""The reply a channel sends when the assistant could not answer (e.g. the action server is down).

It runs in the Rasa server process without the conversation's tracker, so it picks the language
cheaply: the message's script and signal words, else the channel's hint, else the default language.
The knowledge file (for the official website) is loaded when the Rasa server starts (`preload`,
called by bot.rasa_runtime), not by the first apology, which comes during an incident.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional

from bot.i18n import translator
from bot.knowledge.provider import KnowledgeProvider
from bot.language import LanguageDetector
from bot.languages import DEFAULT_LANGUAGE, normalize_language

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _knowledge() -> KnowledgeProvider:
    return KnowledgeProvider()


def preload() -> bool:
    """Load the knowledge and the quick language detector at start-up; False if the knowledge cannot
    be read (the apology then goes without the website, and the file is watched until it is fixed)."""
    _quick_detector()
    try:
        _knowledge().load_now()
        return True
    except Exception:  # noqa: BLE001 - the server starts anyway; the apology must not need it
        logger.warning("apology.knowledge.unavailable at start-up", exc_info=True)
        return False


def official_website() -> Optional[str]:
    """The national information site from the knowledge file, if the file can be read."""
    try:
        sites = _knowledge().get().websites_for(None)
    except Exception:  # noqa: BLE001 - an apology must not fail because the knowledge is broken
        logger.warning("apology.knowledge.unavailable", exc_info=True)
        return None
    return sites[0].url if sites else None


@lru_cache(maxsize=1)
def _quick_detector() -> LanguageDetector:
    return LanguageDetector(use_model=False)


def apology_language(text: str, metadata: Optional[Mapping[str, Any]]) -> str:
    """The message's language by script and signal words (no model), else the channel's hint."""
    detected = _quick_detector().detect(text or "").language
    return detected or normalize_language((metadata or {}).get("language")) or DEFAULT_LANGUAGE


async def conversation_language(app: Any, sender: str) -> Optional[str]:
    """The language remembered for a conversation, read from the tracker store (None if unknown).

    Used only when the assistant failed to answer, so the apology is in the conversation's language.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await store.retrieve(sender)
    except Exception:  # noqa: BLE001 - the store may be the part that failed
        return None
    language = tracker.get_slot("language") if tracker is not None else None
    return language if isinstance(language, str) else None


async def apology_for(app: Any, sender: str, text: str, metadata: Optional[Mapping[str, Any]] = None) -> str:
    """The apology in the conversation's language, else the message's."""
    return apology_text(text, metadata, await conversation_language(app, sender))


def apology_text(text: str, metadata: Optional[Mapping[str, Any]] = None, language: Optional[str] = None) -> str:
    """"Sorry, I cannot answer right now…" in the user's language, with the official website."""
    _ = translator(normalize_language(language) or apology_language(text, metadata))
    lines = [_("Sorry, I cannot answer right now. Please try again in a few minutes.")]
    site = official_website()
    if site:
        lines.append(_("Official information: {url}").format(url=site))
    return "\n".join(lines)


def too_fast_text(text: str, metadata: Optional[Mapping[str, Any]] = None) -> str:
    """Asked to slow down, in the user's language."""
    _ = translator(apology_language(text, metadata))
    return _("You are sending messages very quickly. Please wait a moment and try again.")


async def apology_messages(app: Any, recipient: str, text: str, metadata: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The apology in the REST channel's response format."""
    return [{"recipient_id": recipient, "text": await apology_for(app, recipient, text, metadata)}]

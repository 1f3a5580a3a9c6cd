"""The reply a channel sends when the assistant could not answer (e.g. the action server is down).

It runs in the Rasa server process without the conversation's tracker, so it picks the language
cheaply: the channel's hint, or Ukrainian for Cyrillic text, or the default language.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional

from bot.i18n import translator
from bot.knowledge.provider import KnowledgeProvider
from bot.languages import DEFAULT_LANGUAGE, normalize_language

logger = logging.getLogger(__name__)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


@lru_cache(maxsize=1)
def _knowledge() -> KnowledgeProvider:
    return KnowledgeProvider()


def official_website() -> Optional[str]:
    """The national information site from the knowledge file, if the file can be read."""
    try:
        sites = _knowledge().get().websites_for(None)
    except Exception:  # noqa: BLE001 - an apology must not fail because the knowledge is broken
        logger.warning("apology.knowledge.unavailable", exc_info=True)
        return None
    return sites[0].url if sites else None


def apology_language(text: str, metadata: Optional[Mapping[str, Any]]) -> str:
    hint = normalize_language((metadata or {}).get("language"))
    if _CYRILLIC.search(text or ""):
        return "uk"
    return hint or DEFAULT_LANGUAGE


def apology_text(text: str, metadata: Optional[Mapping[str, Any]] = None) -> str:
    """"Sorry, I cannot answer right now…" in the user's language, with the official website."""
    _ = translator(apology_language(text, metadata))
    lines = [_("Sorry, I cannot answer right now. Please try again in a few minutes.")]
    site = official_website()
    if site:
        lines.append(_("Official information: {url}").format(url=site))
    return "\n".join(lines)


def too_fast_text(text: str, metadata: Optional[Mapping[str, Any]] = None) -> str:
    """Asked to slow down, in the user's language."""
    _ = translator(apology_language(text, metadata))
    return _("You are sending messages very quickly. Please wait a moment and try again.")


def apology_messages(recipient: str, text: str, metadata: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The apology in the REST channel's response format."""
    return [{"recipient_id": recipient, "text": apology_text(text, metadata)}]

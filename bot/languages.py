"""The languages the assistant speaks, and normalisation of language codes."""

from __future__ import annotations

from typing import Optional

from babel import Locale, UnknownLocaleError

#: The four languages of every user-visible sentence, in the order staff see them.
LANGUAGES: tuple[str, ...] = ("uk", "nl", "fr", "en")

#: The language used when nothing at all is known about the user yet.
DEFAULT_LANGUAGE = "uk"

#: Languages that are answered in another one: Russian-speaking people from Ukraine get Ukrainian.
ANSWERED_IN = {"ru": "uk"}

#: The name of each language in itself, for menus and buttons.
ENDONYMS = {"uk": "Українська", "nl": "Nederlands", "fr": "Français", "en": "English"}


def normalize_language(code: object) -> Optional[str]:
    """Map a channel's language code ("uk-UA", "fr_BE", "ru", "EN") to one of LANGUAGES, or None.

    Codes are parsed with Babel, as aiogram's i18n does; an unknown or unsupported code gives None.
    """
    if not isinstance(code, str) or not code.strip():
        return None
    raw = code.strip().replace("_", "-")
    try:
        language = Locale.parse(raw, sep="-").language
    except (ValueError, TypeError, UnknownLocaleError):
        language = raw.split("-", 1)[0].lower()
    language = ANSWERED_IN.get(language, language)
    return language if language in LANGUAGES else None

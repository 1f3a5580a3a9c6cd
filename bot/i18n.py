"""Interface sentences in four languages, from the gettext catalogs under `locales/`.

Code marks a sentence with `_` from `translator(lang)` and fills placeholders with `.format()`:

    _ = translator("fr")
    text = _("I can answer questions about {topics}.").format(topics=...)

Catalogs are managed with Babel (`make catalogs`: extract, update, compile). A compiled `.mo` file is
used when it is up to date; otherwise the `.po` file is compiled in memory, so a fresh checkout works.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a sentence for extraction where it is defined; translate it later with `_`."""
    return message


@lru_cache(maxsize=None)
def _translations(lang: str, locales_dir: Path = LOCALES_DIR) -> gettext.NullTranslations:
    folder = locales_dir / lang / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po_path.exists():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def translator(lang: Optional[str]) -> Gettext:
    """The `gettext` function for one of the four languages (the default language otherwise)."""
    code = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return _translations(code).gettext


def reload_catalogs() -> None:
    """Forget loaded catalogs, e.g. after `make catalogs` while a server runs."""
    _translations.cache_clear()

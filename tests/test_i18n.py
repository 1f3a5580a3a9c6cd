"""Every interface sentence exists in all four languages, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, translator
from bot.languages import LANGUAGES
from bot.tools import catalogs


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _catalog(lang: str):
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _template_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_template_is_up_to_date_with_the_code(tmp_path: Path, monkeypatch) -> None:
    """A sentence added to the code without `make catalogs` fails here, before a user sees English."""
    fresh = tmp_path / "messages.pot"
    monkeypatch.setattr(catalogs, "TEMPLATE", fresh)
    catalogs.extract()
    assert _template_ids(fresh) == _template_ids(LOCALES_DIR / "messages.pot")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated(lang: str) -> None:
    template = _template_ids(LOCALES_DIR / "messages.pot")
    catalog = _catalog(lang)
    translated = {m.id: m for m in catalog if m.id}
    missing = sorted(template - set(translated))
    assert not missing, f"{lang}: not in the catalog: {missing}"
    for msgid in template:
        message = translated[msgid]
        assert message.string and message.string.strip(), f"{lang}: untranslated: {msgid!r}"
        assert not message.fuzzy, f"{lang}: fuzzy: {msgid!r}"
        assert _placeholders(message.string) == _placeholders(msgid), f"{lang}: placeholders differ: {msgid!r}"


@pytest.mark.parametrize("lang", ["uk", "nl", "fr"])
def test_translations_are_not_english(lang: str) -> None:
    catalog = _catalog(lang)
    def words(text: str) -> str:
        return "".join(literal for literal, *_ in string.Formatter().parse(text)).strip(" :.")

    same = [m.id for m in catalog if m.id and len(words(m.id)) > 8 and m.string == m.id]
    assert not same, f"{lang}: copied from English: {same}"


def test_the_running_code_uses_the_catalogs() -> None:
    assert translator("uk")("Housing") == "Житло"
    assert translator("fr")("Housing") == "Logement"
    assert translator("nl")("Housing") == "Huisvesting"
    assert translator("en")("Housing") == "Housing"
    assert translator("xx")("Housing") == translator("uk")("Housing")  # unknown: the default language

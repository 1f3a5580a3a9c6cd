"""Gettext catalogs with Babel: `python -m bot.tools.catalogs extract|update|compile|all`.

- extract: marked sentences (`_()`, `N_()`) from bot/ and actions/ into locales/messages.pot
- update:  merge the template into each language's .po (new entries appear untranslated)
- compile: build the .mo files the assistant loads (only those older than their .po)
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES_DIR
from bot.languages import LANGUAGES

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    _pybabel(
        "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_", "--no-location", "--sort-output",
        "--omit-header", "-o", str(TEMPLATE), str(ROOT),
    )


def update() -> None:
    for lang in LANGUAGES:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        command = "update" if po.exists() else "init"
        args = ["-i", str(TEMPLATE), "-d", str(LOCALES_DIR), "-D", DOMAIN, "-l", lang, "-w", "100"]
        if command == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        _pybabel(command, *args)


def compile_catalogs() -> list[Path]:
    """Compile each .po whose .mo is missing or older; returns the files written."""
    written = []
    for lang in LANGUAGES:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command in ("extract", "all"):
        extract()
    if command in ("update", "all"):
        update()
    if command in ("compile", "all"):
        compile_catalogs()
    if command not in ("extract", "update", "compile", "all"):
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

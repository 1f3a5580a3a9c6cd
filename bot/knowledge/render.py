"""Formatting of facts for a reader's locale, with Babel.

Numbers, percentages and dates in fact texts are placeholders ("{total}") filled from the fact's
language-neutral values, so every language shows the same figure, formatted the reader's way
(53.450 in Dutch, 53 450 in French and Ukrainian, 53,450 in English). A placeholder may name a
Babel date pattern ("{end:d MMMM y}"); a month defaults to the locale's "month year" form.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import lru_cache
from typing import Iterator, Mapping, Optional

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, parse_pattern

from bot.knowledge.model import AsOf, Value

_FORMATTER = string.Formatter()


#: The locale each language is formatted in: Belgian Dutch and French, British English (day before
#: month, as in Belgium), Ukrainian.
FORMAT_LOCALES = {"uk": "uk_UA", "nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}

#: Ukrainian long dates written out with "року" ("4 березня 2027 року"), as Ukrainian prose writes
#: a day-month-year date, instead of CLDR's abbreviated "р." (which would also clash with a
#: sentence's full stop). The other locales' long forms already read naturally. A fact text must
#: therefore not write "року" after a date placeholder itself (the loader refuses a doubled word).
_DAY_PATTERNS = {"uk": "d MMMM y 'року'"}
_MONTH_PATTERNS = {"uk": "LLLL y"}


@lru_cache(maxsize=None)
def _locale(lang: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(lang, lang))


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal signs."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def format_percent(value: float, lang: str, decimals: int = 0) -> str:
    """A percentage given in percent (59.4, not 0.594), in the locale's percent pattern."""
    locale = _locale(lang)
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value / 100, locale)


def format_day(value: dt.date, lang: str, pattern: Optional[str] = None) -> str:
    """A date in the locale's long form ("4 березня 2027 року", "4 March 2027") or a Babel pattern."""
    return format_date(value, format=pattern or _DAY_PATTERNS.get(lang, "long"), locale=_locale(lang))


def format_month(value: dt.date, lang: str, pattern: Optional[str] = None) -> str:
    """A month and year ("February 2023", "février 2023") or a Babel pattern."""
    pattern = pattern or _MONTH_PATTERNS.get(lang)
    if pattern:
        return format_date(value, format=pattern, locale=_locale(lang))
    return format_skeleton("yMMMM", value, locale=_locale(lang))


def format_as_of(as_of: AsOf, lang: str) -> str:
    """The date a fact's data refers to, as precise as its source."""
    if as_of.precision == "month":
        return format_month(as_of.date, lang)
    return format_day(as_of.date, lang)


def format_value(value: Value, lang: str, spec: str = "") -> str:
    """One value for a reader of `lang`; `spec` is an optional Babel date pattern."""
    if value.kind == "number":
        return format_number(float(value.value), lang, value.decimals)  # type: ignore[arg-type]
    if value.kind == "percent":
        return format_percent(float(value.value), lang, value.decimals)  # type: ignore[arg-type]
    if value.kind == "date":
        return format_day(value.value, lang, spec or None)  # type: ignore[arg-type]
    if value.kind == "month":
        return format_month(value.value, lang, spec or None)  # type: ignore[arg-type]
    return str(value.value)


def placeholders(text: str) -> Iterator[tuple[str, str]]:
    """The (name, format spec) of every placeholder in a fact text; raises ValueError if malformed."""
    for _literal, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if conversion:
            raise ValueError(f"conversion !{conversion} is not allowed in {{{name}}}")
        yield name, spec or ""


def literal_parts(text: str) -> str:
    """The text with its placeholders removed: what a translator wrote by hand."""
    return "".join(literal for literal, *_ in _FORMATTER.parse(text))


_WORD = re.compile(r"\w+", re.UNICODE)


def doubled_words(text: str, values: Mapping[str, Value], lang: str) -> list[str]:
    """Words a filled placeholder ends with that the text repeats right after it (a Ukrainian text
    writing "{date} року" when the date already reads "4 березня 2027 року")."""
    parts = list(_FORMATTER.parse(text))
    doubled = []
    for (_literal, name, spec, _conversion), following in zip(parts, parts[1:] + [("", None, None, None)]):
        if name is None or name not in values:
            continue
        shown = _WORD.findall(format_value(values[name], lang, spec or ""))
        after = _WORD.findall(following[0])
        if shown and after and following[0][:1].isspace() and shown[-1].lower() == after[0].lower():
            doubled.append(shown[-1])
    return doubled


def render_text(text: str, values: Mapping[str, Value], lang: str) -> str:
    """Fill a fact text's placeholders with its values formatted for `lang`."""
    out = []
    for literal, name, spec, _conversion in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            out.append(format_value(values[name], lang, spec or ""))
    return "".join(out)

"""Answers composed from the knowledge file, with dates, sources and official websites.

Every interface sentence goes through the gettext catalogs; every fact comes from the knowledge file
with its as-of date and source. Nothing here invents a figure, a phone number or an address.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from bot.i18n import translator
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact, Website
from bot.knowledge.render import format_as_of, render_text
from bot.payloads import region_payload
from bot.taxonomy import LIVING_REGIONS, REGION_NAMES, TOPIC_TITLES, WHERE

_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)

#: How many facts one chat answer shows at most (the first in the file's order of importance).
MAX_FACTS = 5

@dataclass(frozen=True)
class Button:
    """A button the user can press; its payload is one of bot.payloads.ALLOWED_PAYLOADS."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message to the user."""

    text: str
    buttons: Sequence[Button] = field(default_factory=tuple)


def region_buttons(lang: str) -> tuple[Button, ...]:
    """The three regions as buttons."""
    _ = translator(lang)
    return tuple(Button(_(REGION_NAMES[r]), region_payload(r)) for r in LIVING_REGIONS)


def _bullet(fact: Fact, lang: str) -> str:
    _ = translator(lang)
    text = render_text(fact.text[lang], fact.values, lang)
    return "• " + _("{fact} (as of {date})").format(fact=text, date=format_as_of(fact.as_of, lang))


def source_lines(kb: KnowledgeBase, facts: Iterable[Fact], lang: str) -> list[str]:
    """One line per document the facts come from, naming the sections used."""
    _ = translator(lang)
    sections: dict[str, list[str]] = {}
    for fact in facts:
        names = sections.setdefault(fact.source.doc, [])
        if fact.source.section and fact.source.section not in names:
            names.append(fact.source.section)
    lines = []
    for doc, section_ids in sections.items():
        source = kb.sources[doc]
        title, publisher = source.title[lang], source.publisher[lang]
        if not section_ids:
            lines.append(_("Source: {title} ({publisher}).").format(title=title, publisher=publisher))
            continue
        quoted = "; ".join(
            _("“{section}”").format(section=source.sections[s][lang]) for s in section_ids
        )
        if len(section_ids) == 1:
            line = _("Source: {title}, section {section} ({publisher}).")
        else:
            line = _("Source: {title}, sections {section} ({publisher}).")
        lines.append(line.format(title=title, section=quoted, publisher=publisher))
    return lines


def website_lines(sites: Iterable[Website], lang: str, limit: int = 2) -> list[str]:
    """"Official website: …" lines for the most relevant sites."""
    _ = translator(lang)
    return [
        _("Official website: {url} ({name})").format(url=site.url, name=site.name[lang])
        for site in list(sites)[:limit]
    ]


def _stems(text: str) -> set[str]:
    """Rough word stems (first five letters of words of four or more) to match a question to facts."""
    return {w[:5] for w in _WORDS.findall(text.casefold()) if len(w) >= 4}


def rank_facts(facts: list[Fact], lang: str, question: str = "", province: Optional[str] = None) -> list[Fact]:
    """The reader's province first, then facts sharing words with the question, then file order."""
    asked = _stems(question)

    def overlap(fact: Fact) -> int:
        return len(asked & _stems(fact.text[lang])) if asked else 0

    order = {f.id: i for i, f in enumerate(facts)}
    return sorted(
        facts,
        key=lambda f: (0 if province and f.province == province else 1, -overlap(f), order[f.id]),
    )


def compose_answer(
    kb: KnowledgeBase,
    topic: str,
    lang: str,
    region: Optional[str] = None,
    province: Optional[str] = None,
    question: str = "",
    today: Optional[dt.date] = None,
) -> Reply:
    """The answer to a question on `topic` for a reader in `region`, in `lang`."""
    _ = translator(lang)
    facts = rank_facts(kb.facts_for(topic, region, province), lang, question, province)
    shown = facts[:MAX_FACTS]
    # The region in the heading only when the answer has facts of that region (not for EU-wide ones).
    regional = region and (not shown or any(f.region == region for f in shown))
    where = _(WHERE[region]) if regional else None
    title = _(TOPIC_TITLES[topic])
    header = _("{topic} {where}:").format(topic=title, where=where) if where else title + ":"
    sites = kb.websites_for(region, topic)

    if not shown:
        lines = [
            header,
            _("I have no verified information on this yet. Please check the official websites:"),
            *website_lines(sites, lang, limit=3),
        ]
        return Reply("\n".join(lines))

    lines = [header, *(_bullet(f, lang) for f in shown)]
    if len(facts) > len(shown):
        lines.append(_("I know more about this topic: ask a more precise question."))
    statistics = [f for f in shown if f.is_statistic]
    if statistics:
        oldest = min((f.as_of for f in statistics), key=lambda a: a.date)
        if today is None or (today - oldest.date).days > 180:
            lines.append(
                _("These figures date from {date} or later and may have changed since.").format(
                    date=format_as_of(oldest, lang)
                )
            )
    lines.extend(source_lines(kb, shown, lang))
    lines.extend(website_lines(sites, lang))
    return Reply("\n".join(lines))


def ask_region(lang: str, unknown_place: bool = False) -> Reply:
    """Ask which region the user lives in, with a button per region."""
    _ = translator(lang)
    if unknown_place:
        text = _("I don't know that place. Which region of Belgium do you live in?")
    else:
        text = _("The answer depends on the region. Where in Belgium do you live?")
    return Reply(text, region_buttons(lang))

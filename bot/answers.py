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
from bot.knowledge.render import format_as_of, format_day, render_text
from bot.payloads import more_payload, region_payload
from bot.taxonomy import LIVING_REGIONS, REGION_NAMES, TOPIC_TITLES, WHERE


#: How many facts one chat answer shows at most: the one that answers first, then close ones.
MAX_FACTS = 3

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
    #: "answer" (facts from the knowledge), "question" (a question back), or "message".
    kind: str = "message"


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


def _source_line_for(kb: KnowledgeBase, fact: Fact, lang: str) -> str:
    """"Source: …" for one fact: the document and section, or the page, its publisher, address and date."""
    _ = translator(lang)
    source = kb.sources[fact.source.doc]
    title, publisher = source.title[lang], source.publisher[lang]
    if fact.source.section:
        section = _("“{section}”").format(section=source.sections[fact.source.section][lang])
        return _("Source: {title}, section {section} ({publisher}).").format(
            title=title, section=section, publisher=publisher
        )
    if source.url and source.date:
        return _("Source: {title}, {publisher}, {url} (page dated {date}).").format(
            title=title, publisher=publisher, url=source.url, date=format_day(source.date, lang)
        )
    if source.url and source.accessed:
        return _("Source: {title}, {publisher}, {url} (read on {date}).").format(
            title=title, publisher=publisher, url=source.url, date=format_day(source.accessed, lang)
        )
    return _("Source: {title} ({publisher}).").format(title=title, publisher=publisher)


def answer_sources(kb: KnowledgeBase, facts: Sequence[Fact], lang: str) -> list[str]:
    """One source line per document or page the facts come from (sections of one document merged)."""
    review = [f for f in facts if f.source.section]
    lines = source_lines(kb, review, lang) if review else []
    seen: set[str] = set()
    for fact in facts:
        if fact.source.section or fact.source.doc in seen:
            continue
        seen.add(fact.source.doc)
        lines.append(_source_line_for(kb, fact, lang))
    return lines


def more_button(topic: str, lang: str) -> Button:
    """"More about <topic>": the next facts of the topic."""
    _ = translator(lang)
    return Button(_("More about: {topic}").format(topic=_(TOPIC_TITLES[topic])), more_payload(topic))


def compose_facts(
    kb: KnowledgeBase,
    facts: Sequence[Fact],
    lang: str,
    region: Optional[str] = None,
    topic: Optional[str] = None,
    more: bool = False,
    today: Optional[dt.date] = None,
) -> Reply:
    """An answer that leads with the facts that answer the question, each with its date, then their
    sources and one official website; "More about <topic>" when the topic has more."""
    _ = translator(lang)
    lines = [_bullet(f, lang) for f in facts]
    statistics = [f for f in facts if f.is_statistic]
    if statistics:
        oldest = min((f.as_of for f in statistics), key=lambda a: a.date)
        if today is None or (today - oldest.date).days > 180:
            lines.append(
                _("These figures date from {date} or later and may have changed since.").format(
                    date=format_as_of(oldest, lang)
                )
            )
    lines.extend(answer_sources(kb, facts, lang))
    lines.extend(website_lines(kb.websites_for(region, topic), lang, limit=1))
    buttons = (more_button(topic, lang),) if more and topic else ()
    return Reply("\n".join(lines), buttons, kind="answer")


def no_information(kb: KnowledgeBase, lang: str, region: Optional[str] = None, topic: Optional[str] = None) -> Reply:
    """Honest: nothing verified on this; where to look, and the nearest topic to browse."""
    _ = translator(lang)
    lines = [
        _("I have no verified information on this yet. Please check the official websites:"),
        *website_lines(kb.websites_for(region, topic), lang, limit=3),
    ]
    buttons = (more_button(topic, lang),) if topic in TOPIC_TITLES else ()
    return Reply("\n".join(lines), buttons, kind="no_answer")


def compose_answer(
    kb: KnowledgeBase,
    topic: str,
    lang: str,
    region: Optional[str] = None,
    province: Optional[str] = None,
    question: str = "",
    today: Optional[dt.date] = None,
) -> Reply:
    """The facts of a topic for a reader's region (guidance first), at most MAX_FACTS of them."""
    facts = kb.facts_for(topic, region, province)
    facts = sorted(facts, key=lambda f: 0 if f.is_guidance else 1)
    if not facts:
        return no_information(kb, lang, region, topic)
    shown = facts[:MAX_FACTS]
    return compose_facts(kb, shown, lang, region, topic, more=len(facts) > len(shown), today=today)


def ask_region(lang: str, unknown_place: bool = False) -> Reply:
    """Ask which region the user lives in, with a button per region."""
    _ = translator(lang)
    if unknown_place:
        text = _("I don't know that place. Which region of Belgium do you live in?")
    else:
        text = _("The answer depends on the region. Where in Belgium do you live?")
    return Reply(text, region_buttons(lang), kind="question")

"""The printable fact sheets tell the truth about dates: the range of their facts' dates (not only the
newest), each fact's own as-of date, and for a fact taken from a web page, that page and its date."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from bot.knowledge.render import format_as_of, format_day, render_text
from bot.staff.sheets import data_stamp, render_sheet, sheet_facts

PRINTED = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "lang,words",
    [
        ("en", "Facts dated from {oldest} to {newest}. Printed on {today}."),
        ("nl", "Feiten van {oldest} tot {newest}. Afgedrukt op {today}."),
        ("fr", "Dates des faits : de la plus ancienne ({oldest}) à la plus récente ({newest}). Imprimé le {today}."),
        ("uk", "Дати фактів: від найдавнішої ({oldest}) до найновішої ({newest}). Надруковано {today}."),
    ],
)
def test_the_stamp_gives_the_range_of_the_facts_dates(project_knowledge, lang, words) -> None:
    facts = sheet_facts(project_knowledge, "wallonia")
    oldest = min(facts, key=lambda f: f.as_of.date).as_of
    newest = max(facts, key=lambda f: f.as_of.date).as_of
    assert oldest.date.year <= 2023 < newest.date.year, "the knowledge spans several years"
    page = html.unescape(render_sheet(project_knowledge, lang, "wallonia", today=PRINTED))
    expected = words.format(oldest=format_as_of(oldest, lang), newest=format_as_of(newest, lang), today=format_day(PRINTED, lang))
    assert expected in page


def test_one_date_only_reads_data_as_of(project_knowledge) -> None:
    [fact] = [f for f in project_knowledge.facts if f.id == "tp.duration.current"]
    assert data_stamp([fact], "en", PRINTED).startswith(f"Data as of {format_as_of(fact.as_of, 'en')}. Printed on")


@pytest.mark.parametrize("lang", ["uk", "nl", "fr", "en"])
def test_each_fact_shows_its_own_date_and_a_page_its_address_and_date(project_knowledge, lang) -> None:
    for region in ("belgium", "flanders", "wallonia", "brussels"):
        page = render_sheet(project_knowledge, lang, region, today=PRINTED)
        items = {}
        for item in re.findall(r"<li>(.*?)</li>", page, flags=re.S):
            items[html.unescape(re.sub(r"<[^>]+>", " ", item))] = item
        for fact in sheet_facts(project_knowledge, region):
            text = render_text(fact.text[lang], fact.values, lang)
            [shown] = [plain for plain in items if text in plain]
            assert format_as_of(fact.as_of, lang) in shown, (region, fact.id)
            source = project_knowledge.sources[fact.source.doc]
            if fact.is_guidance:
                assert source.url in shown, (region, fact.id)
                assert format_day(source.date or source.accessed, lang) in shown, (region, fact.id)

"""Printable fact sheets from the knowledge file: HTML and PDF, per language and per region.

Each sheet is stamped with the range of its facts' dates (the oldest to the newest as-of date of the
facts on it) and the day it was printed, and lists the official websites, the facts by topic, each
with its own as-of date (and, for a fact taken from a web page, that page with its date), and the
documents the other facts come from. PDFs are printed from the HTML by headless Chromium (Debian's `chromium` package).
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from bot.answers import answer_sources, source_lines, website_lines
from bot.taxonomy import SHEET_REGIONS, TOPIC_TITLES, WHERE
from bot.i18n import N_, translator
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact, as_of_range
from bot.knowledge.render import format_as_of, format_day, render_text
from bot.languages import LANGUAGES

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-pdf-header-footer",
]

PROVINCE_NAMES = {
    "antwerp": N_("Province of Antwerp"),
    "limburg": N_("Province of Limburg"),
    "east_flanders": N_("Province of East Flanders"),
    "west_flanders": N_("Province of West Flanders"),
    "flemish_brabant": N_("Province of Flemish Brabant"),
    "walloon_brabant": N_("Province of Walloon Brabant"),
    "hainaut": N_("Province of Hainaut"),
    "liege": N_("Province of Liège"),
    "luxembourg": N_("Province of Luxembourg"),
    "namur": N_("Province of Namur"),
}
STYLE = """
body{font:11pt/1.45 "DejaVu Sans",system-ui,sans-serif;color:#111;max-width:48em;margin:1.5em auto;padding:0 1em}
h1{font-size:16pt;margin:0 0 .2em} h2{font-size:12.5pt;margin:1.2em 0 .3em;border-bottom:2px solid #0b57a4}
.stamp{color:#333;margin:0 0 1em} ul{padding-left:1.2em} li{margin:.25em 0} .as-of{color:#444;white-space:nowrap}
.sources,.source{font-size:9pt;color:#333} .source{display:block;overflow-wrap:anywhere} .province{font-weight:600}
@media print{body{margin:0 auto} h2{break-after:avoid} li{break-inside:avoid}}
"""


def sheet_facts(kb: KnowledgeBase, region: str) -> list[Fact]:
    """Current facts for a sheet: the EU's and Belgium's, and the region's own (with provinces)."""
    regions = {"eu", "belgium"} | ({region} if region != "belgium" else set())
    return [f for f in kb.facts if f.current and f.region in regions and f.topic != "coordination"]


def render_sheet(kb: KnowledgeBase, lang: str, region: str, today: Optional[dt.date] = None) -> str:
    """The HTML of one sheet."""
    _ = translator(lang)
    today = today or dt.date.today()
    facts = sheet_facts(kb, region)
    escape = html.escape
    title = escape(_("Facts for people from Ukraine {where}").format(where=_(WHERE[region])))
    stamp = data_stamp(facts, lang, today)
    sites = website_lines(kb.websites_for(region if region != "belgium" else None), lang, limit=4)
    parts = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="stamp">{escape(stamp)}</p>',
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in sites) + "</ul>",
    ]
    for topic in TOPIC_TITLES:
        on_topic = [f for f in facts if f.topic == topic]
        if not on_topic:
            continue
        heading = escape(_(TOPIC_TITLES[topic]))
        parts.append(f"<h2>{heading}</h2><ul>")
        for fact in sorted(on_topic, key=lambda f: (f.region != region, f.province or "")):
            province = ""
            if fact.province:
                province = f'<span class="province">{escape(_(PROVINCE_NAMES[fact.province]))}:</span> '
            text = escape(render_text(fact.text[lang], fact.values, lang))
            as_of = escape(_("as of {date}").format(date=format_as_of(fact.as_of, lang)))
            # A fact from a web page names the page and its date; the review's sections are listed
            # once under the topic.
            page = ""
            if not fact.source.section:
                page = "".join(f'<span class="source">{escape(line)}</span>' for line in answer_sources(kb, [fact], lang))
            parts.append(f'<li>{province}{text} <span class="as-of">({as_of})</span>{page}</li>')
        parts.append("</ul>")
        documents = [f for f in on_topic if f.source.section]
        if documents:
            parts.append('<p class="sources">' + "<br>".join(escape(s) for s in source_lines(kb, documents, lang)) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def data_stamp(facts: Iterable[Fact], lang: str, today: dt.date) -> str:
    """"Facts dated from March 2022 to 1 December 2026. Printed on …": the range of the facts' own
    dates, not only the newest (most facts may be much older than the newest one)."""
    _ = translator(lang)
    dates = as_of_range(facts)
    printed = format_day(today, lang)
    if dates is None or dates[0] == dates[1]:
        date = format_as_of(dates[0], lang) if dates else format_day(today, lang)
        return _("Data as of {date}. Printed on {today}. Check the official websites for later changes.").format(
            date=date, today=printed
        )
    return _(
        "Facts dated from {oldest} to {newest}. Printed on {today}. Check the official websites for later changes."
    ).format(oldest=format_as_of(dates[0], lang), newest=format_as_of(dates[1], lang), today=printed)


def chromium_path() -> Optional[str]:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def print_pdf(html_path: Path, pdf_path: Path, chromium: Optional[str] = None) -> None:
    """Print an HTML file to PDF with headless Chromium."""
    browser = chromium or chromium_path()
    if not browser:
        raise RuntimeError("PDF needs Chromium (Debian: apt-get install chromium); the HTML sheets are written")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no PDF for {html_path}")


def write_sheets(
    kb: KnowledgeBase,
    out: Path,
    languages: Iterable[str] = LANGUAGES,
    regions: Iterable[str] = SHEET_REGIONS,
    pdf: bool = True,
    today: Optional[dt.date] = None,
) -> list[Path]:
    """Write `<out>/<lang>/<region>.html` (and `.pdf`) for every language and region."""
    written = []
    for lang in languages:
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        for region in regions:
            html_path = folder / f"{region}.html"
            html_path.write_text(render_sheet(kb, lang, region, today), encoding="utf-8")
            written.append(html_path)
            if pdf:
                pdf_path = html_path.with_suffix(".pdf")
                print_pdf(html_path, pdf_path)
                written.append(pdf_path)
    return written

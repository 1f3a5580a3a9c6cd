"""Re-verifying facts on the staff page: "still correct", the stale report, writing verifications
into the knowledge files.

    GET  /stale[?days=180]              facts not verified for `days` days: guidance first
    GET  /api/stale[?days=180]          the same as JSON (tools)
    POST /api/facts/{id}/verified       {}: the signed-in operator checked the fact today
    POST /api/verifications/write       {}: recorded verifications into data/knowledge/*.yml

The POSTs are for the page's own script only: a signed-in session (SameSite=Strict cookie) or the
token, a JSON body (a form on another site cannot send one without the browser asking first) and, when
the browser says where the request comes from (Sec-Fetch-Site, Origin), this page itself.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
from aiohttp import web

from bot.i18n import N_, translator
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact
from bot.knowledge.render import format_as_of, render_text
from bot.staff.verified import (
    DEFAULT_STALE_DAYS,
    ExportError,
    Verification,
    VerificationStore,
    describe,
    pending_exports,
    stale_report,
    write_verified,
)
from bot.taxonomy import TOPIC_TITLES, WHERE

logger = logging.getLogger(__name__)

MAX_DAYS = 36500

VERIFY_STRINGS = {
    "still_correct": N_("Still correct"),
    "still_correct_hint": N_("Record that you checked this fact against its source today"),
    "verified_now": N_("Recorded: verified today by {name}."),
    "verify_failed": N_("The verification could not be recorded. Try again."),
    "replaced_cannot_verify": N_("A replaced fact is not verified; verify the fact that replaces it."),
    "unknown_fact": N_("There is no such fact (the knowledge file may have changed). Reload the page."),
    "stale": N_("Facts to re-check"),
    "stale_intro": N_(
        "Facts not verified for more than {days} days, or never. Check each against its source: if it "
        "still holds, press “Still correct”; if not, correct the knowledge file."
    ),
    "stale_days": N_("Days since the last verification"),
    "stale_show": N_("Show"),
    "stale_count": N_("{count} of {total} current facts to re-check."),
    "stale_bad_days": N_("The number of days must be a whole number from 0 to {max}."),
    "stale_guidance": N_("Guidance: what a person can do"),
    "stale_other": N_("Figures and background"),
    "stale_none": N_("Nothing to re-check."),
    "pending_title": N_("Verifications not yet in the knowledge files"),
    "pending_intro": N_(
        "Recorded on this page but not yet in data/knowledge/*.yml. Write them into the files, then "
        "review and commit the change (python -m bot.staff verified --write does the same)."
    ),
    "pending_none": N_("Every recorded verification is in the knowledge files."),
    "write": N_("Write into the knowledge files"),
    "written": N_("Written into the knowledge files: {count}. Review and commit the change."),
    "write_failed": N_("Nothing was written: {reason}"),
    "store_unavailable": N_(
        "The recorded verifications cannot be read right now; the dates shown come from the knowledge files."
    ),
}


def _run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() == request.host.lower()
    return origin != "null"


def _href(url: str) -> str:
    """A link to a source's address ("www.belgium.be" is a site, not a path of this page)."""
    return url if url.startswith(("https://", "http://")) else "https://" + url


def verification_json(verification: Optional[Verification], lang: str) -> dict:
    return {
        "date": verification.day.isoformat() if verification else None,
        "operator": verification.operator if verification else None,
        "text": describe(verification, lang),
    }


async def read_latest(store: VerificationStore, fact_ids: Optional[list[str]] = None) -> Optional[dict[str, Verification]]:
    """The latest recorded verifications, or None when the database cannot be read (logged)."""
    try:
        return await _run(store.latest, fact_ids)
    except sa.exc.SQLAlchemyError as exc:
        logger.warning("staff.verifications.unavailable: %s", " ".join(str(exc).split())[:300])
        return None


def add_verification_routes(
    app: web.Application,
    *,
    auth: Any,
    page: Callable[..., web.Response],
    language: Callable[[web.Request], str],
    strings: Callable[[str], dict],
    knowledge: Any,
    store: VerificationStore,
) -> None:
    def text_of(lang: str, key: str) -> str:
        return translator(lang)(VERIFY_STRINGS[key])

    def error(lang: str, key: str, status: int, **values: Any) -> web.Response:
        return web.json_response({"error": text_of(lang, key).format(**values)}, status=status)

    async def checked_post(request: web.Request) -> Optional[web.Response]:
        """None when the POST may go on, else the refusal."""
        if not same_origin(request):
            return web.json_response({"error": "cross-site request refused"}, status=403)
        if request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "body must be an object"}, status=400)
        return None

    def days_of(request: web.Request) -> Optional[int]:
        raw = request.query.get("days", "").strip()
        if not raw:
            return DEFAULT_STALE_DAYS
        if not raw.isdigit() or int(raw) > MAX_DAYS:
            return None
        return int(raw)

    async def verified(request: web.Request) -> web.Response:
        lang = language(request)
        refused = await checked_post(request)
        if refused is not None:
            return refused
        kb: KnowledgeBase = knowledge.get()
        fact = kb.by_id.get(request.match_info["id"])
        if fact is None:
            return error(lang, "unknown_fact", 404)
        if not fact.current:
            return error(lang, "replaced_cannot_verify", 409)
        operator = auth.operator(request)
        try:
            done = await _run(store.record, fact.id, operator)
        except sa.exc.SQLAlchemyError as exc:
            logger.warning("staff.verifications.unavailable: %s", " ".join(str(exc).split())[:300])
            return error(lang, "verify_failed", 503)
        logger.info("staff.fact.verified: %s", fact.id)
        return web.json_response(
            {
                "fact_id": fact.id,
                "verified": verification_json(done, lang),
                "message": text_of(lang, "verified_now").format(name=done.operator),
            }
        )

    async def write(request: web.Request) -> web.Response:
        lang = language(request)
        refused = await checked_post(request)
        if refused is not None:
            return refused
        kb = knowledge.get()
        recorded = await read_latest(store)
        if recorded is None:
            return error(lang, "store_unavailable", 503)
        try:
            changes = await _run(write_verified, kb, recorded, knowledge.path)
        except (ExportError, OSError) as exc:
            logger.warning("staff.verifications.not_written: %s", exc)
            return error(lang, "write_failed", 409, reason=str(exc))
        logger.info("staff.verifications.written: %d", len(changes))
        return web.json_response(
            {
                "written": [{"fact_id": c.fact_id, "file": c.file.rsplit("/", 1)[-1], "date": c.new.isoformat()} for c in changes],
                "message": text_of(lang, "written").format(count=len(changes)),
            }
        )

    def row_json(kb: KnowledgeBase, fact: Fact, verification: Optional[Verification], age: Optional[int], lang: str) -> dict:
        source = kb.sources[fact.source.doc]
        return {
            "id": fact.id,
            "kind": fact.kind,
            "topic": fact.topic,
            "region": fact.region,
            "as_of": str(fact.as_of),
            "text": render_text(fact.text[lang], fact.values, lang),
            "source_url": source.url,
            "source": source.title[lang],
            "verified": verification_json(verification, lang),
            "age_days": age,
        }

    async def api_stale(request: web.Request) -> web.Response:
        lang = language(request)
        days = days_of(request)
        if days is None:
            return error(lang, "stale_bad_days", 400, max=MAX_DAYS)
        kb = knowledge.get()
        recorded = await read_latest(store)
        rows = stale_report(kb, recorded or {}, days)
        return web.json_response(
            {
                "days": days,
                "recorded_available": recorded is not None,
                "total": sum(1 for f in kb.facts if f.current),
                "facts": [row_json(kb, r.fact, r.verification, r.age_days, lang) for r in rows],
            }
        )

    async def stale_page(request: web.Request) -> web.Response:
        lang = language(request)
        _ = translator(lang)
        text = {**strings(lang), **{k: _(v) for k, v in VERIFY_STRINGS.items()}}
        e = html.escape
        days = days_of(request)
        shown_days = request.query.get("days", str(DEFAULT_STALE_DAYS))[:12] if days is None else str(days)
        form = (
            f'<form id="stale-form" method="get" action="/stale"><input type="hidden" name="lang" value="{e(lang)}">'
            f'<label for="days">{e(text["stale_days"])}</label> '
            f'<input id="days" name="days" type="number" min="0" max="{MAX_DAYS}" step="1" value="{e(shown_days)}" required> '
            f'<button type="submit">{e(text["stale_show"])}</button></form>'
        )
        if days is None:
            message = e(text["stale_bad_days"].format(max=MAX_DAYS))
            response = page(request, f'<h2>{e(text["stale"])}</h2>{form}<p class="error" role="alert">{message}</p>', lang)
            response.set_status(400)
            return response
        kb = knowledge.get()
        recorded = await read_latest(store)
        rows = stale_report(kb, recorded or {}, days)
        parts = [f'<h2>{e(text["stale"])}</h2>', f'<p>{e(text["stale_intro"].format(days=days))}</p>', form]
        if recorded is None:
            parts.append(f'<p class="error" role="alert">{e(text["store_unavailable"])}</p>')
        total = sum(1 for f in kb.facts if f.current)
        parts.append(f'<p class="status" id="stale-count">{e(text["stale_count"].format(count=len(rows), total=total))}</p>')
        pending = pending_exports(kb, recorded or {})
        parts.append(f'<section id="pending" aria-labelledby="pending-title"><h3 id="pending-title">{e(text["pending_title"])}</h3>')
        if recorded is None:
            parts.append(f"<p>{e(text['store_unavailable'])}</p>")
        elif pending:
            parts.append(f"<p>{e(text['pending_intro'])}</p><ul>")
            parts.extend(
                f'<li><code>{e(v.fact_id)}</code>: {e(describe(v, lang))}</li>' for v in pending
            )
            parts.append(
                f'</ul><button type="button" id="write-verified">{e(text["write"])}</button>'
                '<p id="write-status" role="status"></p>'
            )
        else:
            parts.append(f"<p>{e(text['pending_none'])}</p>")
        parts.append("</section>")
        groups = ((True, "stale_guidance", "stale-guidance"), (False, "stale_other", "stale-other"))
        for guidance, title_key, list_id in groups:
            group = [r for r in rows if r.fact.is_guidance == guidance]
            parts.append(f'<h3 id="{list_id}-title">{e(text[title_key])}</h3>')
            if not group:
                parts.append(f"<p>{e(text['stale_none'])}</p>")
                continue
            parts.append(f'<ol id="{list_id}" class="stale-list" aria-labelledby="{list_id}-title">')
            for row in group:
                parts.append(stale_item(kb, row.fact, row.verification, lang, text))
            parts.append("</ol>")
        return page(request, "".join(parts), lang)

    def stale_item(kb: KnowledgeBase, fact: Fact, verification: Optional[Verification], lang: str, text: dict) -> str:
        _ = translator(lang)
        e = html.escape
        source = kb.sources[fact.source.doc]
        place = _(WHERE[fact.region])
        as_of = _("as of {date}").format(date=format_as_of(fact.as_of, lang))
        if source.url:
            link = f'<a href="{e(_href(source.url))}" rel="noopener noreferrer">{e(source.url)}</a>'
            source_html = f"{e(source.title[lang])} ({e(source.publisher[lang])}), {link}"
        else:
            section = f" — {source.sections[fact.source.section][lang]}" if fact.source.section else ""
            source_html = e(f"{source.title[lang]}{section} ({source.publisher[lang]})")
        return (
            f'<li class="fact stale-fact" data-fact-id="{e(fact.id)}">'
            f'<p class="meta"><code>{e(fact.id)}</code> · {e(_(TOPIC_TITLES[fact.topic]))} · {e(place)} · {e(as_of)}</p>'
            f"<p>{e(render_text(fact.text[lang], fact.values, lang))}</p>"
            f'<p class="source">{e(text["source"])}: {source_html}</p>'
            f'<p class="verification"><span class="verified">{e(describe(verification, lang))}</span> '
            f'<button type="button" class="verify" data-fact-id="{e(fact.id)}" title="{e(text["still_correct_hint"])}">'
            f'{e(text["still_correct"])}</button> <span class="verify-status" role="status"></span></p></li>'
        )

    app.router.add_get("/stale", stale_page)
    app.router.add_get("/api/stale", api_stale)
    app.router.add_post("/api/facts/{id}/verified", verified)
    app.router.add_post("/api/verifications/write", write)


__all__ = ["VERIFY_STRINGS", "add_verification_routes", "read_latest", "same_origin", "verification_json"]

"""The helpline staff's page: search the knowledge, see each fact in four languages with its source
and date, copy it, print fact sheets, and see the questions the assistant could not answer.

    python -m bot.web.staff [--port 8081]

The page is not public: it needs the operator's token (STAFF_TOKEN; without it one is generated once
into var/staff_token, readable by the owner only). Staff sign in once with the token and get a signed,
HttpOnly, SameSite=Strict session cookie (8 hours; `Secure` when the page is served over HTTPS, also
behind a proxy in TRUSTED_PROXIES that sends `X-Forwarded-Proto: https`, or with
STAFF_COOKIE_SECURE=1). Signing out ends the session on the server too: the cookie is worthless
afterwards (sessions live in the server's memory: a restart signs everyone out). Tools may send
`Authorization: Bearer <token>`. Wrong tokens, by the form or by the header, count against the
client's address: after 10 in a minute that address is refused for a minute (other addresses are
not).
Knowledge edits show up without a restart; a broken edit is shown to staff with what is wrong, and
the last good knowledge keeps being searched.

Nothing slow runs on the event loop: the topic classifier of the search is trained when the server
starts, and building the search index, searching, rendering a fact sheet and reading the tracker
store for the missed questions run in a thread executor, so the page keeps answering meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import html
import json
import logging
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Optional

from aiohttp import web

from bot import frameworks, logs
from bot.clients import ClientResolver
from bot.taxonomy import SHEET_REGIONS, TOPIC_TITLES, WHERE
from bot.i18n import N_, translator
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import REGIONS, as_of_range
from bot.knowledge.provider import KnowledgeProvider
from bot.knowledge.render import format_as_of, format_day, render_text
from bot.languages import ENDONYMS, LANGUAGES
from bot.retrieval import retriever_for
from bot.staff.search import FactIndex, TopicPrior
from bot.staff.verified import Verification, VerificationStore, last_verification
from bot.web.chat import negotiate_language
from bot.web.headers import neutral_server_header
from bot.web.verify import VERIFY_STRINGS, add_verification_routes, read_latest, verification_json

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TOKEN_FILE = ROOT / "var" / "staff_token"
STATIC = Path(__file__).with_name("static")
COOKIE = "staff_session"
#: The start-up work of the search (the topic classifier), running in a thread.
WARM_UP = web.AppKey("warm_up", asyncio.Future)
SESSION_SECONDS = 8 * 3600
#: Wrong tokens an address may try in a minute (sign-in form and Authorization header together).
MAX_FAILED_ATTEMPTS = 10
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"

STRINGS = {
    "title": N_("Knowledge for helpline staff"),
    "login_title": N_("Sign in"),
    "token": N_("Access token"),
    "sign_in": N_("Sign in"),
    "bad_token": N_("This token is not valid."),
    "too_many": N_("Too many attempts. Wait a minute and try again."),
    "search": N_("Search"),
    "query": N_("Words, in any of the four languages"),
    "topic": N_("Topic"),
    "region": N_("Region"),
    "any": N_("All"),
    "history": N_("Include replaced facts"),
    "results": N_("Results"),
    "no_results": N_("No fact matches. Try other words, or another topic or region."),
    "copy": N_("Copy"),
    "copied": N_("Copied"),
    "as_of": N_("as of {date}"),
    "source": N_("Source"),
    "replaced": N_("Replaced by a later fact: {id}"),
    "data_date": N_("Facts dated from {oldest} to {newest}: {facts} facts."),
    "refused": N_("The last edit of the knowledge file was refused; the previous version is still in use. Problems:"),
    "sheets": N_("Printable fact sheets"),
    "missed": N_("Questions the assistant could not answer"),
    "times": N_("times"),
    "sign_out": N_("Sign out"),
    "your_name": N_("Your name (users see it next to your replies)"),
    "inbox": N_("Inbox"),
    "feedback": N_("Feedback"),
    "search_nav": N_("Search"),
    "page_dated": N_("page dated {date}"),
    "page_read": N_("read on {date}"),
}


def load_token(path: Path = TOKEN_FILE) -> str:
    """The operator's token: STAFF_TOKEN, or one generated once and kept on disk."""
    configured = os.environ.get("STAFF_TOKEN")
    if configured:
        return configured
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token + "\n")
        logger.warning("staff.token.generated: the staff token is in %s", path)
        return token


class StaffAuth:
    """Token sign-in, signed session cookies that sign-out revokes, and a lock-out per address."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._key = hashlib.sha256(b"staff-session:" + token.encode()).digest()
        self._failures: dict[str, deque] = defaultdict(deque)
        self._sessions: dict[str, float] = {}

    def check_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def locked(self, client: str, limit: int = MAX_FAILED_ATTEMPTS, window: float = 60.0) -> bool:
        """Whether `client` made `limit` wrong attempts in the last `window` seconds."""
        now = time.monotonic()
        failures = self._failures[client]
        while failures and now - failures[0] > window:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return len(failures) >= limit

    def failed(self, client: str) -> None:
        self._failures[client].append(time.monotonic())

    def cookie(self, operator: str = "") -> str:
        """A signed session: expiry, nonce (kept by the server until sign-out) and the operator's name
        (shown in transcripts)."""
        expires = int(time.time()) + SESSION_SECONDS
        nonce = secrets.token_hex(16)
        self._sessions = {n: e for n, e in self._sessions.items() if e > time.time()}
        self._sessions[nonce] = expires
        name = base64.urlsafe_b64encode(operator.encode()).decode().rstrip("=")
        body = f"{expires}.{nonce}.{name}"
        return body + "." + hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()

    def _session(self, value: Optional[str]) -> Optional[list[str]]:
        """The parts (expiry, nonce, name) of a valid cookie of a session not signed out, else None."""
        if not value or value.count(".") != 3:
            return None
        *body, mac = value.split(".")
        expected = hmac.new(self._key, ".".join(body).encode(), hashlib.sha256).hexdigest()
        expires = body[0]
        if not (hmac.compare_digest(mac, expected) and expires.isdigit() and int(expires) > time.time()):
            return None
        return body if body[1] in self._sessions else None

    def cookie_operator(self, value: Optional[str]) -> Optional[str]:
        """The operator's name of a valid session cookie ("" when none was given), else None."""
        body = self._session(value)
        if body is None:
            return None
        if not body[2]:
            return ""
        try:
            return base64.urlsafe_b64decode(body[2] + "=" * (-len(body[2]) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return ""

    def valid_cookie(self, value: Optional[str]) -> bool:
        return self._session(value) is not None

    def sign_out(self, value: Optional[str]) -> None:
        body = self._session(value)
        if body is not None:
            self._sessions.pop(body[1], None)

    def bearer(self, request: web.Request) -> Optional[str]:
        header = request.headers.get("Authorization", "")
        return header[7:].strip() if header.startswith("Bearer ") else None

    def authorised(self, request: web.Request) -> bool:
        given = self.bearer(request)
        if given is not None and self.check_token(given):
            return True
        return self.valid_cookie(request.cookies.get(COOKIE))

    def operator(self, request: web.Request) -> str:
        """Who is signed in: the name given at sign-in (tools: the X-Operator header), else "staff"."""
        name = self.cookie_operator(request.cookies.get(COOKIE))
        if not name:
            name = request.headers.get("X-Operator", "")
        name = " ".join(str(name).split())[:60]
        return name or "staff"


class SearchService:
    """The search index, rebuilt when the knowledge changes. Blocking: call it from a thread."""

    def __init__(self, knowledge: KnowledgeProvider, prior: Optional[TopicPrior] = None) -> None:
        self.knowledge = knowledge
        self._prior = prior
        self._index: Optional[FactIndex] = None
        self._lock = threading.Lock()

    def index(self) -> FactIndex:
        kb = self.knowledge.get()
        with self._lock:
            if self._index is None or self._index.kb is not kb:
                if self._prior is None:
                    self._prior = TopicPrior.from_training_data()
                self._index = FactIndex(kb, self._prior)
            return self._index

    def warm_up(self) -> None:
        """Train the topic classifier and build the index now (at start-up)."""
        try:
            self.index()
        except Exception:  # noqa: BLE001 - a broken knowledge file is shown on the page, not fatal
            logger.warning("staff.search.warm_up.failed", exc_info=True)


async def in_thread(function: Any, *args: Any) -> Any:
    """Run blocking work in the default thread executor, keeping the event loop free."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def fact_json(kb: KnowledgeBase, fact: Any, lang: str, verification: Optional[Verification] = None) -> dict:
    """A fact as the staff page shows it: four texts, its date, its source (for a web page: the
    address and the page's date), its last verification."""
    _ = translator(lang)
    source = kb.sources[fact.source.doc]
    section = source.sections[fact.source.section][lang] if fact.source.section else None
    source_text = source.title[lang] + (f" — {section}" if section else "") + f" ({source.publisher[lang]})"
    if source.url and source.date:
        source_text += ", " + _(STRINGS["page_dated"]).format(date=format_day(source.date, lang))
    elif source.url and source.accessed:
        source_text += ", " + _(STRINGS["page_read"]).format(date=format_day(source.accessed, lang))
    if verification is None and fact.last_verified:
        verification = Verification(fact.id, fact.last_verified)
    return {
        "id": fact.id,
        "kind": fact.kind,
        "source_url": source.url,
        "verified": verification_json(verification, lang),
        "topic": _(TOPIC_TITLES[fact.topic]),
        "region": _(WHERE[fact.region]),
        "province": fact.province,
        "as_of": str(fact.as_of),
        "as_of_text": _("as of {date}").format(date=format_as_of(fact.as_of, lang)),
        "source": source_text,
        "current": fact.current,
        "superseded_by": fact.superseded_by,
        "texts": {code: render_text(fact.text[code], fact.values, code) for code in LANGUAGES},
        "as_of_by_language": {code: format_as_of(fact.as_of, code) for code in LANGUAGES},
        # What "insert" puts into a reply to a user: the fact in their language, its date and source.
        "quotes": {code: quote_fact(kb, fact, code) for code in LANGUAGES},
    }


def quote_fact(kb: KnowledgeBase, fact: Any, lang: str) -> str:
    """A fact as a staff member sends it to a user: text (as of date), then its source, in `lang`."""
    from bot.answers import source_lines

    _ = translator(lang)
    text = _("{fact} (as of {date})").format(
        fact=render_text(fact.text[lang], fact.values, lang), date=format_as_of(fact.as_of, lang)
    )
    return "\n".join([text, *source_lines(kb, [fact], lang)])


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/staff.css"></head>
<body>
<header><h1>{title}</h1><nav><a href="/">{search_nav}</a> · <a href="/inbox">{inbox}</a> · <a href="/feedback">{feedback}</a> ·
<a href="/sheets">{sheets}</a> · <a href="/missed">{missed}</a> · <a href="/stale">{stale}</a> ·
<form method="post" action="/logout" class="inline"><button type="submit">{sign_out}</button></form></nav></header>
<main>{body}</main>
<script type="application/json" id="staff-config">{config}</script>
<script src="/static/staff.js"></script>{scripts}
</body></html>"""


def create_app(
    knowledge: Optional[KnowledgeProvider] = None,
    token: Optional[str] = None,
    tracker_db: Optional[str] = None,
    prior: Optional[TopicPrior] = None,
    handover_store: Any = None,
    delivery: Any = None,
    verification_store: Optional[VerificationStore] = None,
) -> web.Application:
    knowledge = knowledge or KnowledgeProvider(prepare=retriever_for)
    auth = StaffAuth(token or load_token())
    clients = ClientResolver()

    def client_of(request: web.Request) -> str:
        return clients.resolve(request.remote, request.headers).address

    def served_over_https(request: web.Request) -> bool:
        if request.secure or os.environ.get("STAFF_COOKIE_SECURE") == "1":
            return True
        return clients.trusts(request.remote) and request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    search = SearchService(knowledge, prior)
    tracker_db = tracker_db or os.environ.get("TRACKER_DB_URL") or f"sqlite:///{ROOT / 'var' / 'rasa.db'}"
    verifications = verification_store or VerificationStore(
        engine=handover_store.engine if handover_store is not None and handover_store.url == tracker_db else None,
        url=tracker_db,
    )

    def language(request: web.Request) -> str:
        chosen = request.query.get("lang")
        return chosen if chosen in LANGUAGES else negotiate_language(request.headers.get("Accept-Language"))

    def strings(lang: str) -> dict[str, str]:
        _ = translator(lang)
        return {key: _(message) for key, message in {**STRINGS, **VERIFY_STRINGS}.items()}

    def page(request: web.Request, body: str, lang: str, extra: Optional[dict] = None, scripts: tuple = ()) -> web.Response:
        text = strings(lang)
        config = {"lang": lang, "strings": text, "languages": ENDONYMS, **(extra or {})}
        rendered = PAGE.format(
            lang=lang,
            title=html.escape(text["title"]),
            sheets=html.escape(text["sheets"]),
            missed=html.escape(text["missed"]),
            sign_out=html.escape(text["sign_out"]),
            search_nav=html.escape(text["search_nav"]),
            inbox=html.escape(text["inbox"]),
            feedback=html.escape(text["feedback"]),
            stale=html.escape(text["stale"]),
            body=body,
            config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
            scripts="".join(f'\n<script src="/static/{name}"></script>' for name in scripts),
        )
        return web.Response(text=rendered, content_type="text/html", charset="utf-8")

    @web.middleware
    async def guard(request: web.Request, handler):  # type: ignore[no-untyped-def]
        public = request.path in ("/login", "/healthz") or request.path.startswith("/static/")
        if not public:
            given = auth.bearer(request)
            if given is not None:
                # The header is a sign-in too: the same lock-out as the form.
                client = client_of(request)
                if auth.locked(client):
                    return web.json_response({"error": "too many attempts; wait a minute"}, status=429)
                if not auth.check_token(given):
                    auth.failed(client)
            if not auth.authorised(request):
                if request.path.startswith("/api/"):
                    return web.json_response({"error": "sign in first"}, status=401)
                raise web.HTTPSeeOther("/login")
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def login_form(request: web.Request, error: str = "") -> web.Response:
        lang = language(request)
        text = strings(lang)
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(text['title'])}</title>
<link rel="stylesheet" href="/static/staff.css"></head><body><main class="login">
<h1>{html.escape(text['title'])}</h1><h2>{html.escape(text['login_title'])}</h2>{message}
<form method="post" action="/login"><label for="token">{html.escape(text['token'])}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<label for="name">{html.escape(text['your_name'])}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="60">
<button type="submit">{html.escape(text['sign_in'])}</button></form></main></body></html>"""
        return web.Response(text=body, content_type="text/html", charset="utf-8", status=401 if error else 200)

    async def login(request: web.Request) -> web.Response:
        client = client_of(request)
        text = strings(language(request))
        if auth.locked(client):
            response = await login_form(request, text["too_many"])
            response.set_status(429)
            return response
        try:
            form = await request.post()
        except Exception:  # noqa: BLE001 - a malformed form is the client's error
            response = await login_form(request, text["bad_token"])
            response.set_status(400)
            return response
        if not auth.check_token(str(form.get("token", "")).strip()):
            auth.failed(client)
            return await login_form(request, text["bad_token"])
        response = web.HTTPSeeOther("/")
        operator = " ".join(str(form.get("name", "")).split())[:60]
        response.set_cookie(
            COOKIE, auth.cookie(operator), max_age=SESSION_SECONDS, httponly=True, samesite="Strict",
            secure=served_over_https(request), path="/",
        )
        raise response

    async def logout(request: web.Request) -> web.Response:
        auth.sign_out(request.cookies.get(COOKIE))
        response = web.HTTPSeeOther("/login")
        response.del_cookie(COOKIE, path="/")
        raise response

    async def home(request: web.Request) -> web.Response:
        lang = language(request)
        _ = translator(lang)
        text = strings(lang)
        kb = knowledge.get()
        dates = as_of_range(f for f in kb.facts if f.current)
        status = text["data_date"].format(
            oldest=format_as_of(dates[0], lang) if dates else "?",
            newest=format_as_of(dates[1], lang) if dates else "?",
            facts=len(kb.facts),
        )
        refused = ""
        if knowledge.last_error is not None:
            items = "".join(f"<li>{html.escape(str(p))}</li>" for p in knowledge.last_error.problems[:30])
            refused = f'<div class="error" role="alert"><p>{html.escape(text["refused"])}</p><ul>{items}</ul></div>'
        topics = "".join(f'<option value="{t}">{html.escape(_(title))}</option>' for t, title in TOPIC_TITLES.items())
        regions = "".join(f'<option value="{r}">{html.escape(_(WHERE[r]))}</option>' for r in REGIONS)
        body = f"""<p class="status">{html.escape(status)}</p>{refused}
<form id="search" role="search"><label for="q">{html.escape(text['query'])}</label>
<input id="q" name="q" type="search" autocomplete="off">
<label for="topic">{html.escape(text['topic'])}</label><select id="topic" name="topic"><option value="">{html.escape(text['any'])}</option>{topics}</select>
<label for="region">{html.escape(text['region'])}</label><select id="region" name="region"><option value="">{html.escape(text['any'])}</option>{regions}</select>
<label class="check"><input id="history" name="history" type="checkbox"> {html.escape(text['history'])}</label>
<button type="submit">{html.escape(text['search'])}</button></form>
<h2 id="results-title">{html.escape(text['results'])}</h2>
<ol id="results" aria-labelledby="results-title" aria-live="polite"></ol>"""
        return page(request, body, lang)

    async def api_search(request: web.Request) -> web.Response:
        lang = language(request)
        query = request.query.get("q", "")[:500]
        topic = request.query.get("topic") or None
        region = request.query.get("region") or None
        if topic and topic not in TOPIC_TITLES or region and region not in REGIONS:
            return web.json_response({"error": "unknown topic or region"}, status=400)
        history = request.query.get("history") == "1"

        def run() -> tuple:
            started = time.perf_counter()
            index = search.index()
            hits = index.search(query, topic=topic, region=region, include_history=history, limit=30)
            return index, hits, (time.perf_counter() - started) * 1000

        index, hits, elapsed = await in_thread(run)
        recorded = await read_latest(verifications, [h.fact.id for h in hits]) or {}
        results = [fact_json(index.kb, h.fact, lang, last_verification(h.fact, recorded)) for h in hits]
        return web.json_response({"query": query, "took_ms": round(elapsed, 2), "results": results})

    async def sheets(request: web.Request) -> web.Response:
        lang = language(request)
        _ = translator(lang)
        links = []
        for code in LANGUAGES:
            for region in SHEET_REGIONS:
                where = translator(code)(WHERE[region])
                links.append(f'<li><a href="/sheets/{code}/{region}.html" lang="{code}">{html.escape(ENDONYMS[code])}: {html.escape(where)}</a></li>')
        return page(request, f"<h2>{html.escape(strings(lang)['sheets'])}</h2><ul>{''.join(links)}</ul>", lang)

    async def sheet(request: web.Request) -> web.Response:
        from bot.staff.sheets import SHEET_REGIONS, render_sheet

        code, region = request.match_info["lang"], request.match_info["region"]
        if code not in LANGUAGES or region not in SHEET_REGIONS:
            raise web.HTTPNotFound()
        text = await in_thread(render_sheet, knowledge.get(), code, region)
        response = web.Response(text=text, content_type="text/html", charset="utf-8")
        # The sheet carries its own style (it is also saved as a file): allowed by its hash.
        response.headers["Content-Security-Policy"] = CSP.replace("style-src 'self'", f"style-src 'self' '{sheet_style_hash()}'")
        return response

    async def missed(request: web.Request) -> web.Response:
        from bot.staff import missed as missed_report

        lang = language(request)
        text = strings(lang)
        try:
            groups = await in_thread(lambda: missed_report.missed_questions(tracker_db, days=90, limit=50))
        except Exception as exc:  # noqa: BLE001 - shown to staff, not a crash
            logger.warning("staff.missed.unavailable: %s", exc)
            groups = []
        rows = "".join(
            f"<li><strong>{g.count}</strong> {html.escape(text['times'])}: {html.escape(g.text)}</li>" for g in groups
        )
        return page(request, f"<h2>{html.escape(text['missed'])}</h2><ol>{rows}</ol>", lang)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def warm_up(app: web.Application) -> None:
        # Train the search's topic classifier and build the index in a thread as the server starts;
        # a search arriving meanwhile waits for it in its own thread, not on the event loop.
        app[WARM_UP] = asyncio.get_running_loop().run_in_executor(None, search.warm_up)

    app = web.Application(middlewares=[guard], client_max_size=16 * 1024)
    app.on_startup.append(warm_up)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", home)
    app.router.add_get("/api/search", api_search)
    app.router.add_get("/sheets", sheets)
    app.router.add_get("/sheets/{lang}/{region}.html", sheet)
    app.router.add_get("/missed", missed)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static/", STATIC, show_index=False)

    from bot.handover.store import HandoverStore
    from bot.web.inbox import add_inbox_routes

    handovers = handover_store or HandoverStore(tracker_db)
    add_inbox_routes(
        app, auth=auth, page=page, language=language, strings=strings, knowledge=knowledge,
        store=handovers, tracker_db=tracker_db, delivery=delivery,
    )
    add_verification_routes(
        app, auth=auth, page=page, language=language, strings=strings, knowledge=knowledge, store=verifications,
    )
    return neutral_server_header(app)


def sheet_style_hash() -> str:
    """The CSP source of the fact sheets' inline style."""
    from bot.staff.sheets import STYLE

    return "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("STAFF_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STAFF_PORT", "8081")))
    args = parser.parse_args(argv)
    frameworks.leave_out()
    logs.private_files()
    logs.install()
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=logs.AccessLogger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

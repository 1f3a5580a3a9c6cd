"""The web chat page, served by aiohttp: `python -m bot.web.chat [--port 8080]`.

Every asset is served from this server (`web/dist`, built from npm packages by the project's own
commands); nothing is loaded from a CDN. The page's language defaults to the browser's
(Accept-Language) and the user can change it; its text comes from the gettext catalogs.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import os
from pathlib import Path
from typing import Optional

from aiohttp import web
from babel import Locale

from bot import frameworks, logs
from bot.knowledge.provider import KnowledgeProvider
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.web.headers import neutral_server_header
from bot.web.strings import widget_strings

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/widget.css">
<style>html,body{{height:100%;margin:0}} body{{display:flex;flex-direction:column;height:100vh;height:100dvh}}
main{{flex:1 1 auto;display:flex;flex-direction:column;min-height:0}} #uabe-chat{{flex:1 1 auto;min-height:0}}
.intro{{margin:0 auto;padding:8px 12px;font:15px/1.4 system-ui,sans-serif;max-width:720px}}</style>
</head>
<body>
<main>
<p class="intro" data-uabe-string="page_intro">{intro}</p>
<div id="uabe-chat"></div>
<noscript><p class="intro">{noscript}</p></noscript>
</main>
<script type="application/json" id="uabe-config">{config}</script>
<script src="/static/widget.js"></script>
</body>
</html>
"""


def negotiate_language(accept_language: Optional[str]) -> str:
    """The page's default language from the browser's Accept-Language header."""
    preferred = []
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().replace("-", "_")
        if code:
            preferred.append(code)
    locale = Locale.negotiate(preferred, [*LANGUAGES, "ru"], sep="_")
    if locale is None:
        return DEFAULT_LANGUAGE
    return "uk" if locale.language == "ru" else locale.language


def create_app(socket_url: Optional[str] = None, knowledge: Optional[KnowledgeProvider] = None) -> web.Application:
    """The chat page application; `socket_url` is the Rasa server with the socket.io channel."""
    socket_url = socket_url or os.environ.get("ASSISTANT_SOCKET_URL", "http://127.0.0.1:5005")
    knowledge = knowledge or KnowledgeProvider()
    strings = widget_strings()

    def official_site() -> str:
        try:
            sites = knowledge.get().websites_for(None)
        except Exception:  # noqa: BLE001 - a broken knowledge file must not break the page
            return ""
        return sites[0].url if sites else ""

    async def load_knowledge(app: web.Application) -> None:
        # At start-up, in a thread: the first visitor does not wait for the knowledge file.
        await asyncio.get_running_loop().run_in_executor(None, official_site)

    async def page(request: web.Request) -> web.Response:
        lang = negotiate_language(request.headers.get("Accept-Language"))
        text = strings[lang]
        config = {"root": "uabe-chat", "socketUrl": socket_url, "language": lang, "strings": strings}
        body = PAGE.format(
            lang=lang,
            title=html.escape(text["title"]),
            intro=html.escape(text["page_intro"]),
            noscript=html.escape(text["noscript"].format(url=official_site())),
            # JSON inside <script>: "<" escaped so no text can close the element.
            config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
        )
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def strings_json(request: web.Request) -> web.Response:
        response = web.json_response({"socketUrl": socket_url, "strings": strings})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @web.middleware
    async def security_headers(request: web.Request, handler):  # type: ignore[no-untyped-def]
        response = await handler(request)
        socket_origin = socket_url.rstrip("/")
        ws_origin = socket_origin.replace("http://", "ws://").replace("https://", "wss://")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"connect-src 'self' {socket_origin} {ws_origin}; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app.on_startup.append(load_knowledge)
    app.router.add_get("/", page)
    app.router.add_get("/strings.json", strings_json)
    app.router.add_get("/healthz", health)
    if not DIST.exists():
        logger.warning("web.assets.missing: %s (run `make build`)", DIST)
    app.router.add_static("/static/", DIST if DIST.exists() else ROOT / "web", show_index=False)
    return neutral_server_header(app)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--socket-url", default=None)
    args = parser.parse_args(argv)
    frameworks.leave_out()
    logs.private_files()
    logs.install()
    logging.basicConfig(level=logging.INFO)
    web.run_app(create_app(args.socket_url), host=args.host, port=args.port, print=None, access_log_class=logs.AccessLogger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

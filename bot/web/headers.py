"""Response headers every page of the project sends."""

from __future__ import annotations

from aiohttp import web

#: Instead of aiohttp's `Server: Python/3.10 aiohttp/3.9.5`: no version for anyone to look up.
SERVER = "assistant"


async def _neutral_server(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER


def neutral_server_header(app: web.Application) -> web.Application:
    """Every response of `app`, errors and static files included, names no server software."""
    app.on_response_prepare.append(_neutral_server)
    return app

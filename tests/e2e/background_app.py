"""An aiohttp application served on loopback from its own thread and event loop: the stand-in
servers of the tests (Telegram's Bot API, a slow action server) run beside the code under test."""

from __future__ import annotations

import asyncio
import threading
from typing import Optional

from aiohttp import web


class BackgroundApp:
    """Serve `app` on 127.0.0.1:`port` (0: a free port, read back into `port`) until `stop()`."""

    def __init__(self, app: web.Application, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None

    def start(self) -> "BackgroundApp":
        ready = threading.Event()

        async def serve() -> None:
            self._runner = web.AppRunner(self.app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the stand-in server did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

"""The project's channels on a real Sanic server in the test's event loop, with a stand-in for Rasa's
agent: HTTP-level tests of access, limits and failures in seconds, without a trained model."""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

Behaviour = Callable[[UserMessage], Awaitable[None]]


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


class FakeAgent:
    """What the channels use of Rasa's agent: `handle_message`, `is_ready`, `tracker_store`."""

    def __init__(self, behaviour: Behaviour = echo) -> None:
        self.behaviour = behaviour
        self.received: list[UserMessage] = []
        self.tracker_store = None

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await self.behaviour(message)


@contextlib.asynccontextmanager
async def serve(channels: list[InputChannel], agent: Optional[FakeAgent] = None, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `channels` under /webhooks/ on a free port of `host`; yields the base URL."""
    Sanic.test_mode = True  # several apps in one process (Sanic's start-up rewrites a shared method otherwise)
    app = Sanic(f"channels_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = agent or FakeAgent()
    register(channels, app, route="/webhooks/")
    server = await app.create_server(host=host, port=0, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    port = server.server.sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


async def post(url: str, body: Any = None, raw: Optional[bytes] = None, source: Optional[str] = None,
               content_type: str = "application/json", headers: Optional[dict] = None) -> tuple[int, Any]:
    """POST JSON (or `raw` bytes) from the loopback address `source` (e.g. 127.0.0.2)."""
    import json

    connector = aiohttp.TCPConnector(local_addr=(source, 0) if source else None, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        data = raw if raw is not None else json.dumps(body).encode()
        async with session.post(url, data=data, headers={"Content-Type": content_type, **(headers or {})}) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


def quiet_sanic() -> None:
    for name in ("sanic.root", "sanic.error", "sanic.access"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

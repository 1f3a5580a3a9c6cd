"""Settings of the Rasa server's Sanic app that the project's channels need, applied once when the
first channel is registered (Rasa builds the app in rasa/core/run.py and registers the channels of
credentials.yml on it; this uses only Sanic's public interface):

- a request size limit that fits the channels (REST 256 KB, socket.io polling 64 KB, Telegram updates
  of a few KB): `REQUEST_MAX_BYTES`, default 512 KB, instead of Sanic's 100 MB. A larger body is
  refused with 413 from its Content-Length, before it is read into memory;
- a neutral answer on `GET /` (Rasa's says "Hello from Rasa: <version>");
- no start without a model: the model named by `rasa run --model` must exist and be readable
  (bot/tools/preflight.py), and once the server is up the agent must have loaded it; otherwise the
  server stops with a message that says what to run.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, Optional

from sanic import Blueprint, response

from bot.tools.preflight import model_problem

logger = logging.getLogger(__name__)

REQUEST_MAX_BYTES = 512 * 1024


def request_max_bytes() -> int:
    return int(os.environ.get("REQUEST_MAX_BYTES", REQUEST_MAX_BYTES))


def model_argument(argv: list[str]) -> Optional[Path]:
    """The model `rasa run` was asked to load (its default folder when not named), or None when
    this process is not `rasa run` (tests, other commands)."""
    if len(argv) < 2 or Path(argv[0]).name != "rasa" or argv[1] != "run" or (len(argv) > 2 and argv[2] == "actions"):
        return None
    for i, arg in enumerate(argv):
        if arg in ("--model", "-m") and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--model="):
            return Path(arg.split("=", 1)[1])
    return Path("models")


class ModelMissing(SystemExit):
    """The Rasa server must not start: it has no model to answer with."""


def check_model_argument(argv: Optional[list[str]] = None) -> None:
    model = model_argument(sys.argv if argv is None else argv)
    if model is None:
        return
    problem = model_problem(model)
    if problem:
        logger.critical("model.missing: %s", problem)
        raise ModelMissing(f"model.missing: {problem}")


async def _refuse_without_model(app: Any, _loop: Any) -> None:
    agent = getattr(app.ctx, "agent", None)
    try:
        ready = agent is not None and agent.is_ready()
    except Exception:  # noqa: BLE001 - an agent that cannot say is not ready
        ready = False
    if not ready:
        message = "model.missing: the Rasa server has no model loaded (see the error above): run `make build` (or `make train`)"
        logger.critical(message)
        print(message, file=sys.stderr, flush=True)
        raise ModelMissing(message)


async def _neutral_root(request: Any) -> Any:
    if request.path == "/" and request.method in ("GET", "HEAD"):
        return response.text("ok")
    return None


def prepare_app(app: Any) -> None:
    """Apply the settings once per app (each channel calls this when it is registered)."""
    if getattr(app.ctx, "bot_channels_prepared", False):
        return
    app.ctx.bot_channels_prepared = True
    check_model_argument()
    app.config.REQUEST_MAX_SIZE = request_max_bytes()
    app.register_middleware(_neutral_root, "request")
    app.register_listener(_refuse_without_model, "after_server_start")


class ChannelBlueprint(Blueprint):
    """A channel's blueprint that prepares the app it is registered on."""

    def register(self, app: Any, options: Any) -> None:
        prepare_app(app)
        super().register(app, options)

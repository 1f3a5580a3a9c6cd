"""Changes to hot paths of Rasa 3.6, installed when the Rasa server loads the project's channels.
Each was measured with a profiler under load (bench/RESULTS.md has the figures):

- the action server's response is checked against Rasa's schema with a validator built once, not
  with `jsonschema.validate`, which checks the schema itself again on every call: measured here, that
  was half of the Rasa server's time per message;
- an event's class is looked up by its type name from a table built once, instead of walking every
  subclass of Event for each stored event read back from the tracker store;
- one connection pool per endpoint, reused across calls (Rasa opens and closes a new HTTP session for
  every custom action, which costs a TCP connection per turn); a call that meets a pooled connection
  the action server has just closed is sent again once on a fresh one;
- the timeout set for the endpoint in endpoints.yml (`timeout: 10`, in seconds) instead of Rasa's
  fixed five minutes, so a slow or stuck action server makes the user wait seconds, not minutes,
  before the channel apologises.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Optional, Text

import aiohttp
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

logger = logging.getLogger(__name__)

_installed = False


def _shared_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session: Optional[aiohttp.ClientSession] = getattr(endpoint, "_shared_session", None)
    if session is None or session.closed or getattr(endpoint, "_shared_loop", None) is not loop:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            # Idle connections are dropped before the action server's own keep-alive (5 s) ends.
            connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=2),
        )
        endpoint._shared_session = session  # type: ignore[attr-defined]
        endpoint._shared_loop = loop  # type: ignore[attr-defined]
    return session


async def _request(
    self: EndpointConfig,
    method: Text = "post",
    subpath: Optional[Text] = None,
    content_type: Optional[Text] = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Optional[Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    configured = self.kwargs.get("timeout")
    if configured:
        kwargs["timeout"] = aiohttp.ClientTimeout(total=float(configured))
    elif isinstance(kwargs.get("timeout"), (int, float)):
        kwargs["timeout"] = aiohttp.ClientTimeout(total=float(kwargs["timeout"]))
    if self.cafile:
        import ssl

        kwargs["ssl"] = ssl.create_default_context(cafile=self.cafile)
    params = self.combine_parameters(kwargs)
    for attempt in (1, 2):
        session = _shared_session(self)
        try:
            async with session.request(
                method, concat_url(self.url, subpath), headers=headers, params=params, compress=compress, **kwargs
            ) as response:
                if response.status >= 400:
                    raise ClientResponseError(response.status, response.reason, await response.content.read())
                try:
                    return await response.json()
                except aiohttp.ContentTypeError:
                    return None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, ConnectionResetError):
            # A pooled connection the server had just closed. The project's actions only return
            # events (no side effects), so sending the call again on a fresh connection is safe.
            if attempt == 2:
                raise
            logger.debug("rasa_patches.retry: the action server closed a pooled connection")
    return None


def _validate_action_result(self: Any, result: Any) -> bool:
    """Rasa's check of an action server response, with the validator built once."""
    from jsonschema import ValidationError

    try:
        _response_validator(type(self)).validate(result)
        return True
    except ValidationError as error:
        error.message += ". Failed to validate Action server response from API."
        raise error


_validators: dict = {}


def _response_validator(action_class: Any) -> Any:
    validator = _validators.get(action_class)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_class.action_response_format_spec()
        validator = validator_for(schema)(schema)
        _validators[action_class] = validator
    return validator


def _install_event_lookup() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    table: dict = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        if not table:
            for cls in all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
        found = table.get(type_name)
        if found is not None:
            return found
        table.clear()  # a class defined since: rebuild once, then Rasa's own answer
        return original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


#: The changes by name, so the benchmark can measure Rasa without one of them
#: (BOT_RASA_PATCHES_SKIP=session,validator,events); production installs all.
PATCHES = ("session", "validator", "events")


def install(skip: Optional[set] = None) -> None:
    """Install the changes once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    from rasa.core.actions.action import RemoteAction

    if skip is None:
        skip = {name.strip() for name in os.environ.get("BOT_RASA_PATCHES_SKIP", "").split(",") if name.strip()}
    if "session" not in skip:
        EndpointConfig.request = _request  # type: ignore[method-assign]
    if "validator" not in skip:
        RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    if "events" not in skip:
        _install_event_lookup()
    installed = [name for name in PATCHES if name not in skip]
    logger.debug(f"rasa_patches.installed: {', '.join(installed)}")

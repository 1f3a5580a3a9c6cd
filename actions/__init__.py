"""Thin rasa_sdk actions: each adapts the Rasa tracker to a handler of `bot.dialogue`.

The action server imports this package when it starts: the knowledge, the gazetteer and the language
model are loaded then, so the first person to write does not wait for them.
"""

from bot.dialogue import warm_up
from bot.logs import install as _install_log_redaction

_install_log_redaction()
warm_up()

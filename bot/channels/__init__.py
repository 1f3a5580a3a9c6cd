"""Input channels of the Rasa server: REST, the web chat's socket.io and Telegram.

Importing this package changes nothing in Rasa: log redaction and the Rasa patches are installed by
the project's entry point, `python -m bot.rasa_runtime run ...` (see bot/rasa_runtime.py).
"""

"""Input channels of the Rasa server: REST, the web chat's socket.io and Telegram.

Importing this package (Rasa does, to load the channels of credentials.yml) installs the log
redaction and the action-server connection changes in the Rasa server process.
"""

import os

from bot import logs, rasa_patches

logs.install()
if os.environ.get("BOT_RASA_PATCHES", "1") != "0":  # 0 only to measure Rasa without them (bench/)
    rasa_patches.install()

"""Input channels of the Rasa server: REST, the web chat's socket.io and Telegram.

Importing this package (Rasa does, to load the channels of credentials.yml) installs the log
redaction and the action-server connection changes in the Rasa server process.
"""

from bot import logs, rasa_patches

logs.install()
rasa_patches.install()

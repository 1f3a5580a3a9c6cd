"""A chat with the running assistant in the terminal, over its REST channel.

    python -m bot.tools.chat [--url http://127.0.0.1:5005] [--language uk]

Type a message and press Enter. When the assistant offers buttons, type a button's number to press
it. Ctrl+D or Ctrl+C ends the chat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from typing import Any, Optional

import aiohttp


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, language: Optional[str]) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"sender": sender, "message": text}
    if language:
        body["metadata"] = {"language": language}
    token = os.environ.get("REST_API_TOKEN")  # REST needs it when the server has one
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with session.post(f"{url}/webhooks/rest/webhook", json=body, headers=headers) as response:
        if response.status >= 400:
            return [{"text": f"[HTTP {response.status}] {await response.text()}"}]
        return await response.json()


async def chat(url: str, language: Optional[str]) -> int:
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    buttons: list[dict[str, str]] = []
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            try:
                line = await loop.run_in_executor(None, lambda: input("you> "))
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            text = line.strip()
            if text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            try:
                messages = await send(session, url, sender, text, language)
            except aiohttp.ClientError as exc:
                print(f"[cannot reach {url}: {exc}]")
                continue
            buttons = []
            for message in messages:
                if message.get("text"):
                    print(f"bot> {message['text']}")
                for button in message.get("buttons") or []:
                    buttons.append(button)
                    print(f"     [{len(buttons)}] {button['title']}")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--language", default=None, help="starting language hint: uk, nl, fr or en")
    args = parser.parse_args(argv)
    return asyncio.run(chat(args.url.rstrip("/"), args.language))


if __name__ == "__main__":
    sys.exit(main())

"""A bounded load test on loopback: 50 concurrent conversations for two minutes (LOAD_TEST_SECONDS)
with no error and no lost event, checked against the tracker store afterwards.

This checks correctness under load; speed is measured by the benchmark under bench/, not here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections import defaultdict

import aiohttp
import pytest

from bot.channels.degraded import is_degraded
from tests.e2e.servers import start_servers, stop_servers, stored_sender

pytestmark = pytest.mark.e2e

CONVERSATIONS = 50
SECONDS = float(os.environ.get("LOAD_TEST_SECONDS", "120"))

SCRIPTS = {
    "uk": ["Привіт", "Скільки триває тимчасовий захист?", "Де знайти житло?", "у Генті", "А школа для дитини?", "дякую"],
    "nl": ["Hallo", "Hoe lang duurt de tijdelijke bescherming?", "Waar kan ik Nederlands leren?", "Antwerpen", "Hoe vind ik werk?", "bedankt"],
    "fr": ["Bonjour", "Combien de temps dure la protection temporaire ?", "Je cherche un logement", "à Liège", "Et l'école ?", "merci beaucoup"],
    "en": ["Hi", "How long does temporary protection last?", "Where can I find work?", "I live in Brussels", "Is there psychological support?", "thanks"],
}
APOLOGY_STARTS = (
    "Вибачте, зараз я не можу відповісти.",
    "Sorry, ik kan nu niet antwoorden.",
    "Désolé, je ne peux pas répondre pour le moment.",
    "Sorry, I cannot answer right now.",
)


@pytest.mark.timeout(int(SECONDS) + 300)
def test_fifty_conversations_for_two_minutes(tmp_path) -> None:
    servers = start_servers(tmp_path, extra_env={"RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_BURST": "1000"})
    sent: dict[str, list[str]] = defaultdict(list)
    errors: list[str] = []
    try:

        async def conversation(session: aiohttp.ClientSession, index: int, deadline: float) -> None:
            lang = list(SCRIPTS)[index % 4]
            sender = f"load-{index}"
            turn = 0
            while time.monotonic() < deadline:
                text = SCRIPTS[lang][turn % len(SCRIPTS[lang])]
                turn += 1
                try:
                    async with session.post(f"{servers.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
                        body = await response.json(content_type=None)
                        if response.status != 200 or not body:
                            errors.append(f"{sender}: HTTP {response.status} {body!r:.200}")
                            continue
                        if is_degraded(body):
                            errors.append(f"{sender}: degraded reply ({is_degraded(body)}) for {text!r}")
                        elif any((m.get("text") or "").startswith(APOLOGY_STARTS) for m in body):
                            errors.append(f"{sender}: apology for {text!r}")
                        sent[sender].append(text)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    errors.append(f"{sender}: {exc!r}")

        async def run() -> None:
            timeout = aiohttp.ClientTimeout(total=120)
            async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=CONVERSATIONS)) as session:
                deadline = time.monotonic() + SECONDS
                await asyncio.gather(*(conversation(session, i, deadline) for i in range(CONVERSATIONS)))

        asyncio.run(run())
    finally:
        stop_servers(servers)

    assert not errors, errors[:20]
    total = sum(len(v) for v in sent.values())
    assert len(sent) == CONVERSATIONS and total >= CONVERSATIONS * 2
    # Every message that got an answer is stored, once, in order, with its turn's actions.
    db = sqlite3.connect(servers.workdir / "rasa.db")
    for sender, texts in sent.items():
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (stored_sender(sender),)).fetchall()
        stored = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
        assert stored == texts, f"{sender}: {len(stored)} stored, {len(texts)} sent"
        kinds = [(kind, json.loads(data).get("name")) for kind, data in rows]
        listens = sum(1 for kind, name in kinds if kind == "action" and name == "action_listen")
        assert listens >= len(texts), f"{sender}: a turn did not finish"
    print(f"load test: {total} messages in {SECONDS:.0f} s over {CONVERSATIONS} conversations")

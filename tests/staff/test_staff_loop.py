"""The staff page keeps answering while slow work runs: training the search's topic classifier (at
start-up, in a thread), a search waiting for it, and the missed-questions report reading the tracker
store. Checked by ordering (the slow work is held until the other requests were answered), not timing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.knowledge.provider import KnowledgeProvider
from bot.staff import missed as missed_module
from bot.staff.search import TopicPrior
from bot.web import staff

TOKEN = "loop-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = {
    "ask_housing": ["where can I live", "housing", "a flat to rent", "житло"],
    "ask_work": ["a job", "work permit", "find work", "робота"],
}


async def _wait(event: threading.Event) -> bool:
    return await asyncio.get_running_loop().run_in_executor(None, event.wait, 30)


async def test_the_page_answers_while_the_search_classifier_trains(small_knowledge: Path, monkeypatch) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_training() -> TopicPrior:
        started.set()
        assert release.wait(60)
        return TopicPrior(EXAMPLES)

    monkeypatch.setattr(TopicPrior, "from_training_data", staticmethod(slow_training))
    app = staff.create_app(knowledge=KnowledgeProvider(small_knowledge, watch=False), token=TOKEN)
    async with TestClient(TestServer(app)) as client:
        assert await _wait(started), "the classifier was not trained at start-up"
        search = asyncio.ensure_future(client.get("/api/search?q=places", headers=AUTH))
        await asyncio.sleep(0)
        health = await client.get("/healthz")
        home = await client.get("/", headers=AUTH)
        assert health.status == 200 and home.status == 200
        assert not release.is_set() and not search.done()  # answered while the training is held
        release.set()
        response = await search
        assert response.status == 200
        assert [r["id"] for r in (await response.json())["results"]][0] == "housing.flanders.places"


async def test_the_page_answers_while_the_missed_questions_are_read(small_knowledge: Path, monkeypatch) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_report(db_url: str, days=None, limit: int = 50):  # type: ignore[no-untyped-def]
        started.set()
        assert release.wait(60)
        return missed_module.group_missed([("a", "where is the nearest food bank", 1.0)] * 2)

    monkeypatch.setattr(missed_module, "missed_questions", slow_report)
    app = staff.create_app(knowledge=KnowledgeProvider(small_knowledge, watch=False), token=TOKEN,
                           prior=TopicPrior(EXAMPLES))
    async with TestClient(TestServer(app)) as client:
        report = asyncio.ensure_future(client.get("/missed", headers=AUTH))
        assert await _wait(started)
        health = await client.get("/healthz")
        assert health.status == 200 and not release.is_set() and not report.done()
        release.set()
        response = await report
        assert response.status == 200 and "where is the nearest food bank" in await response.text()

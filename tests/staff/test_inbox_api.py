"""The staff inbox's API without a browser: signed in only, bad requests get a 4xx, one staff member
per conversation, replies handed to the delivery endpoint, the feedback report page; retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.handover.store import HandoverStore
from bot.knowledge.provider import KnowledgeProvider
from bot.web.staff import create_app

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "inbox-test-token"


class FakeDelivery:
    def __init__(self) -> None:
        self.delivered: list[int] = []

    async def deliver(self, message_id: int) -> dict:
        self.delivered.append(message_id)
        return {"delivered": True}


class Silent:
    def publish(self) -> None:
        pass


@pytest_asyncio.fixture(loop_scope="function")
async def staff(tmp_path):
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    store = HandoverStore(url, publisher=Silent())
    delivery = FakeDelivery()
    app = create_app(KnowledgeProvider(ROOT / "data" / "knowledge"), token=TOKEN, tracker_db=url,
                     handover_store=store, delivery=delivery)
    client = TestClient(TestServer(app))
    await client.start_server()
    client.store, client.delivery = store, delivery
    yield client
    await client.close()
    store.dispose()


def as_(name: str) -> dict:
    return {"Authorization": f"Bearer {TOKEN}", "X-Operator": name}


async def test_the_inbox_needs_a_signed_in_staff_member(staff) -> None:
    for path in ("/api/inbox", "/api/inbox/1", "/api/inbox/stream"):
        assert (await staff.get(path)).status == 401
    assert (await staff.post("/api/inbox/1/take")).status == 401
    response = await staff.get("/inbox", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"


async def test_take_reply_and_hand_back(staff) -> None:
    handover, _ = staff.store.request("telegram-9", "telegram", "nl", "flanders", open_now=True)
    inbox = await (await staff.get("/api/inbox?lang=en", headers=as_("Jan"))).json()
    [item] = inbox["waiting"]
    assert (item["language_name"], item["region_name"], item["channel"]) == ("Nederlands", "Flanders", "telegram")
    assert (await staff.post(f"/api/inbox/{handover.id}/take", headers=as_("Jan"))).status == 200
    taken = await staff.post(f"/api/inbox/{handover.id}/take", headers=as_("An"))
    assert taken.status == 409 and (await taken.json())["operator"] == "Jan"
    # Only Jan replies, with JSON, with a text.
    assert (await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("An"), json={"text": "hoi"})).status == 409
    assert (await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("Jan"), data="text=hoi")).status == 415
    assert (await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("Jan"), json={"text": " "})).status == 400
    assert (await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("Jan"), json=["x"])).status == 400
    assert (await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("Jan"), json={"text": "x" * 5000})).status == 413
    sent = await staff.post(f"/api/inbox/{handover.id}/reply", headers=as_("Jan"), json={"text": "Dag! Bel 02 123 45 67."})
    assert sent.status == 200 and (await sent.json())["delivered"]
    kinds = [(m.kind, m.operator, m.text) for m in staff.store.messages_for(handover.id)]
    assert kinds[0][0] == "system" and "Jan" in kinds[0][2]  # "Jan ... neemt deel aan het gesprek"
    assert kinds[1] == ("staff", "Jan", "Dag! Bel [phone].")
    assert staff.delivery.delivered == [m.id for m in staff.store.messages_for(handover.id)]
    assert (await staff.post(f"/api/inbox/{handover.id}/handback", headers=as_("Jan"))).status == 200
    assert staff.store.get(handover.id).status == "returned" and staff.store.open_for("telegram-9") is None
    assert (await staff.post(f"/api/inbox/{handover.id}/close", headers=as_("Jan"))).status == 409


@pytest.mark.parametrize("path", ["/api/inbox/999", "/api/inbox/abc", "/api/inbox/999/take"])
async def test_unknown_conversations_are_404(staff, path) -> None:
    method = staff.post if path.endswith("take") else staff.get
    assert (await method(path, headers=as_("Jan"))).status == 404


async def test_the_sign_in_name_is_the_operator(staff) -> None:
    response = await staff.post("/login", data={"token": TOKEN, "name": "  Olena   K. "}, allow_redirects=False)
    assert response.status == 303
    cookie = response.cookies["staff_session"].value
    page = await staff.get("/inbox?lang=en", cookies={"staff_session": cookie})
    assert page.status == 200 and '"operator": "Olena K."' in await page.text()


async def test_feedback_page(staff) -> None:
    staff.store.add_feedback("web-1", "down", "waar kan ik wonen", ["housing.flanders.vlot"], "housing", "nl", "flanders", "socketio")
    staff.store.add_comment("web-1", "een adres")
    page = await (await staff.get("/feedback?lang=nl", headers=as_("Jan"))).text()
    assert "housing.flanders.vlot" in page and "een adres" in page and "waar kan ik wonen" in page


def test_retention_forgets_old_hand_overs_and_feedback(tmp_path) -> None:
    import sqlalchemy as sa

    from bot.tools.retention import delete_older_than

    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    store = HandoverStore(url, publisher=Silent())
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=100)).timestamp()
    handover, _ = store.request("web-old", "socketio", "uk", None, open_now=True, now=old)
    store.take(handover.id, "Jan", now=old)
    store.add_message(store.get(handover.id), "staff", "hello", "Jan", now=old)
    store.end(handover.id, "closed", "Jan", now=old)
    store.add_feedback("web-old", "up", "q", [], None, "uk", None, "socketio", now=old)
    with store.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)"))
        connection.execute(sa.text("INSERT INTO events (sender_id, timestamp) VALUES ('web-old', :t)"), {"t": old})
    store.dispose()
    assert delete_older_than(url, 90) == (1, 1)
    store = HandoverStore(url, publisher=Silent())
    assert store.get(handover.id) is None and store.pending_for("web-old") == [] and store.feedback_rows(0) == []
    store.dispose()

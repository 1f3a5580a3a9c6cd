"""The staff page's "still correct" action, stale report and export, without a browser: signed in
only, refused from another site, four languages, the operator's name, the file written in place; and
the data dates (the range, not only the newest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.handover.store import HandoverStore
from bot.knowledge import load_knowledge
from bot.knowledge.provider import KnowledgeProvider
from bot.knowledge.render import format_as_of, format_day
from bot.staff.verified import VerificationStore
from bot.web.staff import create_app
from tests.staff.test_verified import KNOWLEDGE

TOKEN = "verify-test-token"

REPLACED = """\
  - id: stat.replaced
    topic: housing
    region: flanders
    as_of: "2022-06"
    superseded_by: stat.places
    source: {doc: review}
    text:
      uk: "Давній факт."
      nl: "Vroeger feit."
      fr: "Fait ancien."
      en: "Earlier fact."
"""


class Silent:
    def publish(self) -> None:
        pass


async def start(tmp_path: Path, verification_store=None):
    folder = tmp_path / "knowledge"
    folder.mkdir(exist_ok=True)
    (folder / "facts.yml").write_text(KNOWLEDGE + REPLACED, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    store = HandoverStore(url, publisher=Silent())
    app = create_app(KnowledgeProvider(folder, check_interval=0), token=TOKEN, tracker_db=url,
                     handover_store=store, verification_store=verification_store)
    client = TestClient(TestServer(app))
    await client.start_server()
    client.folder, client.store, client.url = folder, store, url
    return client


@pytest_asyncio.fixture(loop_scope="function")
async def staff(tmp_path):
    client = await start(tmp_path)
    yield client
    await client.close()
    client.store.dispose()


async def sign_in(client, name: str) -> None:
    response = await client.post("/login", data={"token": TOKEN, "name": name}, allow_redirects=False)
    assert response.status == 303


async def test_still_correct_needs_a_signed_in_operator(staff) -> None:
    assert (await staff.post("/api/facts/guide.old/verified", json={})).status == 401
    assert (await staff.post("/api/verifications/write", json={})).status == 401
    response = await staff.get("/stale", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"


async def test_still_correct_records_today_by_the_signed_in_operator(staff) -> None:
    await sign_in(staff, "  Olena   Koval ")
    response = await staff.post("/api/facts/guide.old/verified?lang=en", json={})
    assert response.status == 200, await response.text()
    body = await response.json()
    today = dt.date.today()
    assert body["verified"] == {
        "date": today.isoformat(), "operator": "Olena Koval",
        "text": f"Last verified on {format_day(today, 'en')} by Olena Koval",
    }
    assert body["message"] == "Recorded: verified today by Olena Koval."
    # The search shows it, and the stale report no longer lists the fact.
    found = await (await staff.get("/api/search?q=centre&lang=nl")).json()
    [fact] = [f for f in found["results"] if f["id"] == "guide.old"]
    assert fact["verified"]["text"] == f"Laatst gecontroleerd op {format_day(today, 'nl')} door Olena Koval"
    assert fact["source_url"] == "https://www.fedasil.be/nl/oekraine"
    assert "gelezen op" in fact["source"]  # the page gives no date: the day it was read
    stale = await (await staff.get("/api/stale?days=30")).json()
    assert "guide.old" not in [f["id"] for f in stale["facts"]] and stale["recorded_available"]
    # Appended, never overwritten: the file's own date stays until the verification is exported.
    assert load_knowledge(staff.folder).by_id["guide.old"].last_verified == dt.date(2025, 1, 10)


async def test_a_tool_names_its_operator_in_a_header(staff) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Operator": "Marc"}
    response = await staff.post("/api/facts/stat.places/verified", json={}, headers=headers)
    assert response.status == 200 and (await response.json())["verified"]["operator"] == "Marc"


@pytest.mark.parametrize(
    "headers,status",
    [
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "same-origin"}, 200),
    ],
)
async def test_a_request_from_another_site_is_refused(staff, headers, status) -> None:
    await sign_in(staff, "Olena")
    response = await staff.post("/api/facts/guide.old/verified", json={}, headers=headers)
    assert response.status == status
    assert (await staff.post("/api/verifications/write", json={}, headers=headers)).status == status


async def test_bad_requests_get_a_clear_4xx(staff) -> None:
    await sign_in(staff, "Olena")
    # A form post (what another site could send without asking) is not accepted.
    assert (await staff.post("/api/facts/guide.old/verified", data={"x": "1"})).status == 415
    assert (await staff.post("/api/facts/guide.old/verified", data="{", headers={"Content-Type": "application/json"})).status == 400
    assert (await staff.post("/api/facts/guide.old/verified", json=[1])).status == 400
    missing = await staff.post("/api/facts/no.such.fact/verified?lang=fr", json={})
    assert missing.status == 404 and "Ce fait n'existe pas" in (await missing.json())["error"]
    replaced = await staff.post("/api/facts/stat.replaced/verified?lang=uk", json={})
    assert replaced.status == 409 and "Замінений факт" in (await replaced.json())["error"]
    for days in ("-1", "abc", "99999999"):
        assert (await staff.get(f"/api/stale?days={days}")).status == 400
        page = await staff.get(f"/stale?days={days}&lang=nl")
        assert page.status == 400 and "Het aantal dagen moet een geheel getal" in await page.text()


STALE_PAGE = {
    "uk": ("Факти для повторної перевірки", "Досі правильно", "Ще не перевірено", "Поради: що людина може зробити"),
    "nl": ("Opnieuw te controleren feiten", "Klopt nog", "Nog nooit gecontroleerd", "Praktische info: wat iemand kan doen"),
    "fr": ("Faits à revérifier", "Toujours exact", "Jamais vérifié", "Démarches : ce qu'une personne peut faire"),
    "en": ("Facts to re-check", "Still correct", "Never verified", "Guidance: what a person can do"),
}


@pytest.mark.parametrize("lang", list(STALE_PAGE))
async def test_stale_page_in_four_languages(staff, lang) -> None:
    await sign_in(staff, "Olena")
    html = await (await staff.get(f"/stale?lang={lang}&days=180")).text()
    for words in STALE_PAGE[lang]:
        assert words in html, (lang, words)
    # Guidance first; the source's address and the last verification on each row.
    assert html.index('data-fact-id="guide.old"') < html.index('data-fact-id="stat.places"')
    assert 'data-fact-id="guide.fresh"' not in html  # verified 11 days before 1 December 2026
    assert 'href="https://www.fedasil.be/nl/oekraine"' in html
    assert html.count('class="verify"') == 3  # guide.old, stat.places, stat.older (not the replaced fact)


async def test_the_page_writes_verifications_into_the_files(staff) -> None:
    await sign_in(staff, "Olena")
    assert (await staff.post("/api/facts/stat.places/verified", json={})).status == 200
    page = await (await staff.get("/stale?lang=en")).text()
    assert "Verifications not yet in the knowledge files" in page and 'id="write-verified"' in page
    written = await staff.post("/api/verifications/write?lang=en", json={})
    assert written.status == 200, await written.text()
    body = await written.json()
    assert body["written"] == [{"fact_id": "stat.places", "file": "facts.yml", "date": dt.date.today().isoformat()}]
    assert body["message"] == "Written into the knowledge files: 1. Review and commit the change."
    text = (staff.folder / "facts.yml").read_text(encoding="utf-8")
    assert f'    as_of: "2023-02"\n    last_verified: "{dt.date.today().isoformat()}"\n' in text
    page = await (await staff.get("/stale?lang=en")).text()
    assert "Every recorded verification is in the knowledge files." in page


async def test_a_broken_database_gives_a_503_and_the_files_dates(tmp_path) -> None:
    import sqlalchemy as sa

    store = VerificationStore(engine=sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'rasa.db'}"))
    client = await start(tmp_path, verification_store=store)
    try:
        await sign_in(client, "Olena")
        response = await client.post("/api/facts/guide.old/verified?lang=nl", json={})
        assert response.status == 503 and "kon niet worden geregistreerd" in (await response.json())["error"]
        page = await client.get("/stale?lang=en")
        html = await page.text()
        assert page.status == 200 and "cannot be read right now" in html
        pending = html.split('id="pending"')[1].split("</section>")[0]
        assert "cannot be read right now" in pending and "Every recorded verification" not in pending
        found = await (await client.get("/api/search?q=centre&lang=en")).json()
        [fact] = [f for f in found["results"] if f["id"] == "guide.old"]
        assert fact["verified"]["text"] == f"Last verified on {format_day(dt.date(2025, 1, 10), 'en')}"
    finally:
        await client.close()
        client.store.dispose()


async def test_home_shows_the_range_of_the_facts_dates(staff) -> None:
    await sign_in(staff, "Olena")
    html = await (await staff.get("/?lang=en")).text()
    kb = load_knowledge(staff.folder)
    current = [f for f in kb.facts if f.current]
    oldest = min(current, key=lambda f: f.as_of.date).as_of
    newest = max(current, key=lambda f: f.as_of.date).as_of
    assert f"Facts dated from {format_as_of(oldest, 'en')} to {format_as_of(newest, 'en')}: 5 facts." in html
    assert "Facts to re-check" in html  # in the navigation

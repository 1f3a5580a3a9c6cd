"""The staff page in headless Chromium: sign-in, search in four languages, copy, sheets, and the
missed-questions report from a running assistant's tracker store (personal data removed)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, env, free_port, wait_for
from tests.e2e.test_web_chat import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

TOKEN = "staff-test-token-0123456789"


@pytest.fixture(scope="module")
def staff_url(servers, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("staff") / "staff.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web.staff", "--port", str(port)],
        cwd=ROOT, env=env(STAFF_TOKEN=TOKEN, TRACKER_DB_URL=f"sqlite:///{servers.workdir / 'rasa.db'}"),
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", process, 60, log)
    yield url
    process.terminate()
    process.wait(timeout=20)


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_page_is_not_public(staff_url) -> None:
    assert get(f"{staff_url}/api/search?q=housing")[0] == 401
    assert get(f"{staff_url}/api/search?q=housing", token="wrong")[0] == 401
    status, body = get(f"{staff_url}/api/search?q=housing", token=TOKEN)
    assert status == 200 and json.loads(body)["results"]


def test_sign_in_search_copy_and_sheets(staff_url) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=staff_url)
        page = context.new_page()
        page.goto(staff_url)
        assert page.url.endswith("/login")
        page.fill("#token", "not-the-token")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").inner_text() == "Dit token is niet geldig."
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.locator("#search").wait_for()
        assert page.locator("h1").inner_text() == "Kennis voor de medewerkers van de hulplijn"

        page.fill("#q", "тимчасове селище Гент")
        page.locator(".fact[data-fact-id='housing.flanders.ghent_village']").wait_for(timeout=10_000)
        fact = page.locator(".fact[data-fact-id='housing.flanders.ghent_village']")
        assert fact.locator(".text").count() == 4
        assert "600" in fact.locator(".text[lang=nl]").inner_text()
        assert "Bron:" in fact.locator(".source").inner_text()
        fact.locator(".text[lang=fr] .copy").click()
        fact.locator(".text[lang=fr] .copy", has_text="Gekopieerd").wait_for(timeout=5_000)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("En février 2023, la construction d'un troisième village d'urgence") and "février 2023" in copied
        assert float(page.locator("#results").get_attribute("data-took-ms")) < 1000
        page.screenshot(path=str(ARTIFACTS / "staff_page.png"))

        page.select_option("#topic", "schooling")
        page.select_option("#region", "wallonia")
        page.fill("#q", "")
        page.locator(".fact[data-fact-id='school.wallonia.pupils.liege']").wait_for(timeout=10_000)

        page.goto(f"{staff_url}/sheets/uk/wallonia.html")
        assert page.locator("h1").inner_text() == "Факти для людей з України у Валлонії"
        context.close()
        browser.close()


def test_missed_questions_grouped_without_personal_data(servers, staff_url) -> None:
    from bot.staff.missed import missed_questions

    for sender in ("missed-a", "missed-b", "missed-c"):
        servers.say(sender, "How do I exchange my Ukrainian driving licence?")
    servers.say("missed-d", "Tell me a joke about the weather, my number is +32 470 12 34 56")
    groups = missed_questions(f"sqlite:///{servers.workdir / 'rasa.db'}")
    licence = [g for g in groups if "driving licence" in g.text]
    assert licence and licence[0].count >= 3 and licence[0].conversations >= 3
    cat = [g for g in groups if "joke about the weather" in g.text]
    assert cat and "[phone]" in cat[0].text and "470" not in cat[0].text
    status, body = get(f"{staff_url}/missed", token=TOKEN)
    assert status == 200 and "driving licence" in body and "470 12" not in body

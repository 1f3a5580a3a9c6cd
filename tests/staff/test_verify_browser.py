"""Re-verifying facts in headless Chromium: a staff member signs in with their name, presses "Still
correct" on a search result and on the stale report, writes the verifications into (a copy of) the
knowledge files; the report page has no serious accessibility violation (axe-core)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys

import pytest

from bot.knowledge import load_knowledge
from tests.e2e.servers import ROOT, env, free_port, wait_for
from tests.e2e.test_handover_web import axe_violations, serious
from tests.e2e.test_web_chat import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

TOKEN = "verify-browser-token-0123"


@pytest.fixture(scope="module")
def staff_page(tmp_path_factory):
    work = tmp_path_factory.mktemp("verify")
    knowledge = work / "knowledge"
    shutil.copytree(ROOT / "data" / "knowledge", knowledge)
    # Every fact of the shipped file has been verified: one of the review's facts is made
    # never-verified in this copy, for the stale report to list it.
    arrival = knowledge / "temporary_protection.yml"
    arrival.write_text(re.sub(r"(  - id: tp\.activation\n(?:(?!  - id:).*\n)*?)    last_verified: .*\n", r"\1",
                              arrival.read_text(encoding="utf-8")), encoding="utf-8")
    port = free_port()
    log = work / "staff.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web.staff", "--port", str(port)],
        cwd=ROOT, env=env(STAFF_TOKEN=TOKEN, TRACKER_DB_URL=f"sqlite:///{work / 'rasa.db'}", BOT_KNOWLEDGE_PATH=str(knowledge)),
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", process, 60, log)
    yield url, knowledge
    process.terminate()
    process.wait(timeout=20)


def test_still_correct_stale_report_and_export(staff_page) -> None:
    from playwright.sync_api import sync_playwright

    url, knowledge = staff_page
    fact_id = "tp.activation"  # from the 2023 review: never verified
    assert load_knowledge(knowledge).by_id[fact_id].last_verified is None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        try:
            page.goto(url + "/login")
            page.fill("#token", TOKEN)
            page.fill("#name", "Olena")
            page.click("button[type=submit]")
            page.locator("#search").wait_for()
            assert "Dates des faits : de la plus ancienne" in page.locator(".status").inner_text()

            # On a search result.
            page.fill("#q", "VDAB")
            result = page.locator(".fact[data-fact-id='guide.work.flanders.vdab_register']")
            result.wait_for(timeout=90_000)
            assert "https://www.vlaanderen.be/vlaanderen-helpt-oekraine/werk" in result.locator(".source").inner_text()
            result.locator("button.verify").click()
            result.locator(".verify-status", has_text="Enregistré : vérifié aujourd'hui par Olena.").wait_for(timeout=10_000)
            assert "par Olena" in result.locator(".verified").inner_text()

            # On the stale report: guidance first (none is stale today), the review's facts after.
            page.goto(url + "/stale?days=180")
            row = page.locator(f".stale-fact[data-fact-id='{fact_id}']")
            assert row.locator(".verified").inner_text() == "Jamais vérifié"
            violations = axe_violations(page)
            assert not serious(violations), json.dumps(violations, ensure_ascii=False, indent=1)
            row.locator("button.verify").click()
            row.locator(".verify-status", has_text="Olena").wait_for(timeout=10_000)

            page.goto(url + "/stale?days=180")
            assert page.locator(f".stale-fact[data-fact-id='{fact_id}']").count() == 0
            assert page.locator("#pending li", has_text=fact_id).count() == 1
            page.click("#write-verified")
            page.locator("#write-status", has_text="Écrit dans les fichiers de connaissances").wait_for(timeout=20_000)
        finally:
            context.close()
            browser.close()
    assert load_knowledge(knowledge).by_id[fact_id].last_verified == dt.date.today()

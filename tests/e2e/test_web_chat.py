"""The web chat in real headless Chromium (Debian's package, driven by playwright, no download)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the README's test command installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    opened = context.new_page()
    yield opened
    context.close()


def bot_messages(page):
    return page.locator(".uabe-bot .uabe-bubble")


def wait_for_bot_text(page, fragment: str, timeout: float = 30_000) -> None:
    page.locator(".uabe-bot .uabe-bubble", has_text=fragment).first.wait_for(timeout=timeout)


def test_ukrainian_question_button_and_reload(servers, page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(servers.web_url)
    assert page.locator("html").get_attribute("lang") == "en"  # the browser's language
    page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)

    # Pick Ukrainian: the page's own text changes.
    page.select_option("#uabe-language", "uk")
    assert page.locator(".uabe-send").inner_text() == "Надіслати"
    assert page.locator(".intro").inner_text().startswith("Запитуйте про тимчасовий захист")
    assert page.locator("label[for=uabe-input]").inner_text() == "Ваше запитання"

    # Ask with the keyboard only.
    page.locator("#uabe-input").focus()
    page.keyboard.type("Скільки триває тимчасовий захист?")
    page.keyboard.press("Enter")
    wait_for_bot_text(page, "4 березня 2027")

    # A regional question: the answer offers region buttons; click one.
    page.locator("#uabe-input").fill("Де знайти житло?")
    page.locator(".uabe-send").click()
    page.locator(".uabe-button", has_text="Валлонія").wait_for(timeout=30_000)
    page.locator(".uabe-button", has_text="Валлонія").click()
    wait_for_bot_text(page, "Зрозуміло: Валлонія.")
    # The question asked before the region is answered for Wallonia: facts and Wallonia's website.
    links = page.locator(".uabe-bot a[href='https://www.wallonie.be/ukraine']")
    links.first.wait_for(timeout=30_000)
    answer = page.locator(".uabe-bot .uabe-bubble").filter(has=page.locator("a[href='https://www.wallonie.be/ukraine']")).last.inner_text()
    assert "• " in answer and "Валлон" in answer, answer
    assert links.count() >= 1 and links.first.get_attribute("rel") == "noopener noreferrer"

    # Fits a 360-pixel-wide phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "web_chat.png"))

    # Reload: the history and the language are still there, and the conversation goes on.
    count = bot_messages(page).count()
    page.reload()
    page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    assert bot_messages(page).count() == count
    assert page.locator("#uabe-language").input_value() == "uk"
    wallonia = page.locator(".uabe-bot .uabe-bubble", has_text="Валлон").count()
    page.locator("#uabe-input").fill("А робота?")
    page.keyboard.press("Enter")
    # The region was remembered by the server: a new answer for Wallonia, no region question.
    page.wait_for_function(
        "n => [...document.querySelectorAll('.uabe-bot .uabe-bubble')].filter(b => b.innerText.includes('Валлон')).length > n",
        arg=wallonia, timeout=30_000,
    )
    assert "Де в Бельгії" not in bot_messages(page).last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web_chat_after_reload.png"))


def test_accessibility_basics(servers, page) -> None:
    page.goto(servers.web_url)
    page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("aria-label")
    assert page.locator("label[for=uabe-language]").inner_text()
    # Tab reaches the language selector, the new-conversation button, the log, the input and Send.
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    assert "uabe-language" in focused and "uabe-input" in focused and "uabe-send" in focused


def test_browser_language_sets_the_default(servers, browser) -> None:
    context = browser.new_context(locale="nl-BE")
    page = context.new_page()
    page.goto(servers.web_url)
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator(".uabe-send").inner_text() == "Verzenden"
    context.close()


def test_assets_are_served_locally_with_a_strict_policy(servers, page) -> None:
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(servers.web_url)
    page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    foreign = [u for u in requests if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))]
    assert not foreign, foreign


def test_the_transcript_stays_in_the_tab_unless_the_user_keeps_it(servers, browser) -> None:
    """On a shared computer the next person must not read the conversation: by default it lives in the
    tab's sessionStorage; "Remember this conversation on this device" keeps it; "New conversation"
    forgets it everywhere."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(servers.web_url)
    page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    page.locator("#uabe-input").fill("How long does temporary protection last?")
    page.keyboard.press("Enter")
    wait_for_bot_text(page, "4 March 2027")
    assert page.evaluate("localStorage.getItem('uabe.history')") is None, "the transcript is kept on the device"
    assert page.evaluate("localStorage.getItem('uabe.session')") is None
    assert "4 March 2027" in page.evaluate("sessionStorage.getItem('uabe.history')")
    assert not page.is_checked("#uabe-remember")
    assert page.locator("label[for=uabe-remember]").inner_text() == "Remember this conversation on this device"

    # Another tab (the next person on this computer): nothing of it.
    other = context.new_page()
    other.goto(servers.web_url)
    other.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    assert bot_messages(other).count() == 0
    other.close()

    # Kept on this device when the user asks: a new tab shows it.
    page.check("#uabe-remember")
    assert "4 March 2027" in page.evaluate("localStorage.getItem('uabe.history')")
    kept = context.new_page()
    kept.goto(servers.web_url)
    kept.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
    assert kept.is_checked("#uabe-remember")
    wait_for_bot_text(kept, "4 March 2027")
    kept.select_option("#uabe-language", "uk")
    assert kept.locator("label[for=uabe-remember]").inner_text() == "Зберегти цю розмову на цьому пристрої"

    # "New conversation" forgets it in both places.
    kept.locator(".uabe-reset").click()
    kept.wait_for_function("document.querySelectorAll('.uabe-bot').length === 0")
    for place in ("localStorage", "sessionStorage"):
        assert "4 March" not in (kept.evaluate(f"{place}.getItem('uabe.history')") or ""), place
    # Unticked again: off this device.
    kept.uncheck("#uabe-remember")
    assert kept.evaluate("localStorage.getItem('uabe.session')") is None
    assert kept.evaluate("localStorage.getItem('uabe.remember')") is None
    context.close()

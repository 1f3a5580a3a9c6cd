"""The hand-over in headless Chromium with two browser contexts: a user on the web chat and a staff
member on the staff page; feedback with a comment from the web chat; axe-core on the web chat, the
staff inbox and the staff search (no serious or critical violation)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.handover_helpers import STAFF_TOKEN, start_staff, wait_until
from tests.e2e.servers import ROOT
from tests.e2e.test_web_chat import ARTIFACTS, browser  # noqa: F401 - the module's browser fixture

pytestmark = pytest.mark.e2e

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def staff(servers, tmp_path_factory):
    page = start_staff(servers, tmp_path_factory.mktemp("staff"))
    yield page
    page.stop()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page (WCAG 2.x A and AA and best practices)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/build_web.sh (npm ci)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => { const r = await axe.run(document); return r.violations.map(v => "
                           "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})); }")
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "axe.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"url": page.url, "violations": result}, ensure_ascii=False) + "\n")
    return result


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def bot_text(page, fragment: str, timeout: float = 30_000):
    locator = page.locator(".uabe-bot .uabe-bubble", has_text=fragment).last
    locator.wait_for(timeout=timeout)
    return locator


def test_web_chat_user_and_staff_member(servers, staff, browser) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    user_context = browser.new_context(locale="uk-UA", viewport={"width": 390, "height": 800}, bypass_csp=True)
    staff_context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    user = user_context.new_page()
    desk = staff_context.new_page()
    try:
        user.goto(servers.web_url)
        user.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)

        # A real answer, then 👎 with a comment; then a person through the offered button.
        user.locator("#uabe-input").fill("Де знайти житло?")
        user.keyboard.press("Enter")
        user.locator(".uabe-button", has_text="Валлонія").click()
        bot_text(user, "Зрозуміло: Валлонія.")
        bot_text(user, "Чи була ця відповідь корисною?")
        user.locator(".uabe-button", has_text="👎 Ні").click()
        bot_text(user, "Шкода, що відповідь не допомогла")
        user.locator(".uabe-comment-form textarea").fill("Бракує адреси центру в Льєжі")
        user.locator(".uabe-comment-form button").click()
        bot_text(user, "Дякуємо, ваш коментар збережено.")
        user.locator(".uabe-button", has_text="Поговорити з людиною").click()
        bot_text(user, "Невдовзі до цієї розмови приєднається працівник гарячої лінії.")
        before = user.locator(".uabe-bot").count()
        user.locator("#uabe-input").fill("Мене звати Ірина, маю питання про документи")
        user.keyboard.press("Enter")

        # The staff member signs in with a name and finds the conversation in the inbox.
        desk.goto(staff.url + "/login")
        desk.fill("#token", STAFF_TOKEN)
        desk.fill("#name", "Olena")
        desk.click("button[type=submit]")
        desk.locator("#search").wait_for()
        desk.goto(staff.url + "/inbox")
        item = desk.locator("#waiting .queue-item", has_text="маю питання про документи")
        item.wait_for(timeout=30_000)
        assert "Українська" in item.inner_text() and "Wallonia" in item.inner_text()
        item.locator("button.open").click()
        desk.locator("#transcript .turn-user", has_text="Де знайти житло?").wait_for(timeout=10_000)
        assert desk.locator("#transcript .turn-assistant", has_text="Зрозуміло: Валлонія.").count() >= 1
        assert user.locator(".uabe-bot").count() == before, "the assistant answered a message meant for staff"
        desk.click("#take")
        bot_text(user, "До розмови приєднався працівник гарячої лінії: Olena.")

        desk.fill("#reply", "Добрий день, Ірино! Я Олена з гарячої лінії.")
        desk.click("#reply-form button[type=submit]")
        staff_bubble = user.locator(".uabe-staff .uabe-bubble", has_text="Я Олена з гарячої лінії")
        staff_bubble.wait_for(timeout=30_000)
        assert "Olena · гаряча лінія" in staff_bubble.inner_text()
        assert user.locator(".uabe-staff [data-speaker=staff]").first.inner_text() == "Olena, працівник гарячої лінії, написав(-ла):"

        # The user's next message reaches the staff member live, and not the assistant.
        count = user.locator(".uabe-bot").count()
        user.locator("#uabe-input").fill("Дякую! Де записати дитину до школи?")
        user.keyboard.press("Enter")
        desk.locator("#transcript .turn-user", has_text="Де записати дитину до школи?").wait_for(timeout=30_000)
        user.locator(".uabe-status", has_text="Надіслано працівникам гарячої лінії.").wait_for(timeout=10_000)
        user.wait_for_timeout(1500)
        assert user.locator(".uabe-bot").count() == count, "the assistant answered while a person had the conversation"

        # Insert a fact from the search, in the user's language with its source.
        desk.fill("#fact-q", "школа Валлонія")
        desk.click("#fact-search button[type=submit]")
        desk.locator("#fact-results .insert").first.wait_for(timeout=10_000)
        desk.locator("#fact-results .insert").first.click()
        inserted = desk.input_value("#reply")
        assert "Джерело:" in inserted and "станом на" in inserted
        desk.click("#reply-form button[type=submit]")
        user.locator(".uabe-staff .uabe-bubble", has_text="Джерело:").wait_for(timeout=30_000)
        desk.locator("#transcript .turn-staff", has_text="Джерело:").wait_for(timeout=10_000)
        assert desk.locator("#transcript .turn-staff").count() == 2  # each reply recorded once
        desk.screenshot(path=str(ARTIFACTS / "staff_inbox.png"))
        inbox_violations = axe_violations(desk)
        assert not serious(inbox_violations), json.dumps(inbox_violations, ensure_ascii=False, indent=1)

        # Hand back: the assistant answers again, in the user's language and region.
        desk.click("#handback")
        bot_text(user, "Працівник передав розмову назад асистентові.")
        prompts = user.locator(".uabe-bot .uabe-bubble", has_text="Чи була ця відповідь корисною?").count()
        user.locator("#uabe-input").fill("А робота?")
        user.keyboard.press("Enter")
        user.locator(".uabe-bot .uabe-bubble", has_text="Чи була ця відповідь корисною?").nth(prompts).wait_for(timeout=30_000)
        answer = user.locator(".uabe-bot .uabe-bubble").nth(-2).inner_text()
        assert "Валлонії" in answer and "робот" in answer, answer
        user.screenshot(path=str(ARTIFACTS / "web_chat_handover.png"), full_page=True)
        chat_violations = axe_violations(user)
        assert not serious(chat_violations), json.dumps(chat_violations, ensure_ascii=False, indent=1)

        # A reload keeps the staff replies once (they are not replayed as new).
        staff_count = user.locator(".uabe-staff").count()
        user.reload()
        user.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
        user.wait_for_timeout(1000)
        assert user.locator(".uabe-staff").count() == staff_count

        # The staff search page.
        desk.goto(staff.url + "/")
        desk.fill("#q", "житло Гент")
        desk.locator(".fact").first.wait_for(timeout=10_000)
        search_violations = axe_violations(desk)
        assert not serious(search_violations), json.dumps(search_violations, ensure_ascii=False, indent=1)

        # The 👎 and its comment are in the feedback report, with the facts the answer showed.
        desk.goto(staff.url + "/feedback")
        desk.locator("#comments li", has_text="Бракує адреси центру в Льєжі").wait_for()
        assert desk.locator("#by-fact li[data-fact-id*='housing'][data-fact-id*='wallonia']").count() >= 1
        report_violations = axe_violations(desk)
        assert not serious(report_violations), json.dumps(report_violations, ensure_ascii=False, indent=1)
    finally:
        user_context.close()
        staff_context.close()


def test_staff_reply_reaches_a_web_user_who_was_away(servers, staff, browser) -> None:  # noqa: F811
    """Outside office hours on the web chat: the user leaves a question and closes the page; the
    answer is waiting for them when they come back."""
    from tests.e2e.handover_helpers import closed_today, set_hours
    from tests.e2e.servers import ALWAYS_OPEN

    context = browser.new_context(locale="fr-BE", bypass_csp=True)
    page = context.new_page()
    try:
        set_hours(servers, closed_today())
        page.goto(servers.web_url)
        page.locator("#uabe-chat[data-session=ready]").wait_for(timeout=30_000)
        page.locator("#uabe-input").fill("je voudrais parler à un conseiller")
        page.keyboard.press("Enter")
        bot_text(page, "L'équipe de la ligne d'aide n'est pas disponible pour le moment.")
        page.locator("#uabe-input").fill("Comment échanger mon permis de conduire ukrainien ?")
        page.keyboard.press("Enter")
        bot_text(page, "Merci. Votre question est enregistrée")
        # The session lives in the tab (sessionStorage) unless the user asked to keep it on the device.
        session = page.evaluate("window.sessionStorage.getItem('uabe.session')")
        page.goto("about:blank")  # the user leaves (the tab stays open)
        set_hours(servers, ALWAYS_OPEN)

        item = staff.conversation_of("web-" + session[:32])
        assert item["left_question"] and item["language"] == "fr"
        assert staff.call("POST", f"/api/inbox/{item['id']}/take", operator="Marie")[0] == 200
        code, sent = staff.call("POST", f"/api/inbox/{item['id']}/reply", operator="Marie",
                                body={"text": "Bonjour ! Adressez-vous à votre commune."})
        assert code == 200 and not sent["delivered"]

        page.goto(servers.web_url)  # the user comes back
        reply = page.locator(".uabe-staff .uabe-bubble", has_text="Adressez-vous à votre commune.")
        reply.wait_for(timeout=30_000)
        assert "Marie" in reply.inner_text()
        # The widget acknowledged it: its original text is no longer kept.
        wait_until(lambda: staff.pending("web-" + session[:32]) == [])
    finally:
        set_hours(servers, ALWAYS_OPEN)
        context.close()

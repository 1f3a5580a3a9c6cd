"""The staff page against an attacker: guessing the token by the header is limited like the form,
a lock-out stays on the guessing address, sign-out ends the session on the server, the cookie is
Secure over HTTPS, no server banner, and the fact sheets print styled under the page's policy."""

from __future__ import annotations

import http.client
import urllib.parse
from http.cookies import SimpleCookie

import pytest

from tests.e2e.background_app import BackgroundApp

TOKEN = "staff-security-token-0123456789"


@pytest.fixture
def staff(monkeypatch):
    from bot.knowledge.provider import KnowledgeProvider
    from bot.web.staff import ROOT, create_app

    monkeypatch.delenv("STAFF_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    server = BackgroundApp(create_app(KnowledgeProvider(ROOT / "data" / "knowledge"), token=TOKEN)).start()
    yield server
    server.stop()


def request(server, method: str, path: str, source: str = "127.0.0.1", headers: dict | None = None,
            body: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    data = urllib.parse.urlencode(body).encode() if body is not None else None
    all_headers = {**({"Content-Type": "application/x-www-form-urlencoded"} if data else {}), **(headers or {})}
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(server, source: str = "127.0.0.1", headers: dict | None = None) -> tuple[str, str]:
    """Sign in with the form; returns the session cookie's value and its Set-Cookie header."""
    response = request(server, "POST", "/login", source, headers, body={"token": TOKEN})
    assert response.status == 303, response.status
    header = response.getheader("Set-Cookie")
    return SimpleCookie(header)["staff_session"].value, header


def test_guessing_by_the_header_is_locked_out_per_address(staff) -> None:
    for i in range(10):
        assert request(staff, "GET", "/api/search?q=x", headers=bearer(f"guess-{i}")).status == 401
    # Locked: even the right token from the guessing address waits, the form too.
    assert request(staff, "GET", "/api/search?q=x", headers=bearer(TOKEN)).status == 429
    assert request(staff, "POST", "/login", body={"token": TOKEN}).status == 429
    # Another address is not locked out.
    assert request(staff, "GET", "/api/search?q=x", source="127.0.0.2", headers=bearer(TOKEN)).status == 200
    cookie, _ = sign_in(staff, source="127.0.0.3")
    assert cookie


def test_form_failures_lock_the_header_too_and_right_tokens_do_not_count(staff) -> None:
    for _ in range(20):  # a tool using the right token is never throttled
        assert request(staff, "GET", "/api/search?q=x", headers=bearer(TOKEN)).status == 200
    for i in range(10):
        assert request(staff, "POST", "/login", body={"token": f"guess-{i}"}).status == 401
    assert request(staff, "GET", "/api/search?q=x", headers=bearer(f"guess-x")).status == 429


def test_sign_out_ends_the_session_on_the_server(staff) -> None:
    cookie, _ = sign_in(staff)
    with_cookie = {"Cookie": f"staff_session={cookie}"}
    assert request(staff, "GET", "/api/search?q=x", headers=with_cookie).status == 200
    assert request(staff, "POST", "/logout", headers=with_cookie).status == 303
    # The same cookie, kept by someone (a copy, a shared computer): worthless now.
    assert request(staff, "GET", "/api/search?q=x", headers=with_cookie).status == 401
    assert request(staff, "GET", "/", headers=with_cookie).status == 303


def test_the_cookie_is_secure_over_https(staff, monkeypatch) -> None:
    _, plain = sign_in(staff)
    assert "Secure" not in plain and "HttpOnly" in plain and "SameSite=Strict" in plain
    # A proxy that is not trusted cannot claim HTTPS.
    _, claimed = sign_in(staff, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in claimed
    monkeypatch.setenv("STAFF_COOKIE_SECURE", "1")
    _, forced = sign_in(staff, source="127.0.0.2")
    assert "Secure" in forced


def test_https_behind_a_trusted_proxy_gives_a_secure_cookie(monkeypatch) -> None:
    from bot.knowledge.provider import KnowledgeProvider
    from bot.web.staff import ROOT, create_app

    monkeypatch.delenv("STAFF_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    server = BackgroundApp(create_app(KnowledgeProvider(ROOT / "data" / "knowledge"), token=TOKEN)).start()
    try:
        _, header = sign_in(server, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.4"})
        assert "Secure" in header
    finally:
        server.stop()


def test_no_server_banner(staff) -> None:
    for path in ("/login", "/static/staff.css", "/no-such-page"):
        server = request(staff, "GET", path).getheader("Server", "")
        assert "aiohttp" not in server and "Python" not in server, (path, server)


def test_the_chat_page_has_no_server_banner(tmp_path) -> None:
    import subprocess
    import sys
    from types import SimpleNamespace

    from tests.e2e.servers import ROOT, env, free_port, wait_for

    port = free_port()
    log = tmp_path / "web.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web.chat", "--port", str(port)], cwd=ROOT, env=env(),
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, 60, log)
        for path in ("/", "/healthz", "/static/widget.js", "/no-such-page"):
            banner = request(SimpleNamespace(port=port), "GET", path).getheader("Server", "")
            assert "aiohttp" not in banner and "Python" not in banner, (path, banner)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_fact_sheets_print_styled_under_the_page_policy(staff) -> None:
    """The sheet's own style is allowed by its hash: in Chromium it applies, no policy violation."""
    from tests.e2e.test_web_chat import CHROMIUM, CHROMIUM_ARGS

    from playwright.sync_api import sync_playwright

    cookie, _ = sign_in(staff)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_cookies([{"name": "staff_session", "value": cookie, "url": f"http://127.0.0.1:{staff.port}"}])
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
        page.goto(f"http://127.0.0.1:{staff.port}/sheets/nl/flanders.html")
        assert page.locator("h1").inner_text().startswith("Feiten")
        border = page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle")
        max_width = page.evaluate("getComputedStyle(document.body).maxWidth")
        browser.close()
    assert border == "solid" and max_width != "none", (border, max_width)
    assert not violations, violations


def test_trusted_proxy_resolution_for_the_lock_out() -> None:
    from bot.clients import ClientResolver, parse_networks

    resolver = ClientResolver(parse_networks("127.0.0.1"))
    assert resolver.trusts("127.0.0.1") and not resolver.trusts("127.0.0.2")

"""Personal data never reaches a log line: messages, exception texts, tracebacks and stack traces are
redacted in every handler; the pages' access log drops query strings; var/ is private."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot import logs
from tests.e2e.servers import ROOT, env, free_port, wait_for

SECRETS = ("0470 12 34 56", "olena.k@example.com", "BE71 0961 2345 6769", "Олена Коваль")


def _tracker_body() -> bytes:
    """What rasa-sdk sends back with a 500: the whole conversation, JSON with escaped Cyrillic."""
    return json.dumps({"error": "boom", "request_body": {"tracker": {"latest_message": {
        "text": "мене звати Олена Коваль, тел 0470 12 34 56, olena.k@example.com, IBAN BE71 0961 2345 6769"}}}}).encode()


@pytest.fixture
def captured():  # type: ignore[no-untyped-def]
    logs.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # added after install: gets the filter too
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_messages_are_redacted(captured) -> None:
    logger, stream = captured
    logger.info("user wrote %s", "bel me op 0470 12 34 56 of mail olena.k@example.com")
    assert "[phone]" in stream.getvalue() and "[email]" in stream.getvalue()
    assert not any(s in stream.getvalue() for s in SECRETS)


def test_exception_texts_and_tracebacks_are_redacted(captured) -> None:
    logger, stream = captured

    def fail(text: str) -> None:
        raise ValueError(f"could not parse {text!r}")

    try:
        fail("IBAN BE71 0961 2345 6769, olena.k@example.com")
    except ValueError:
        logger.exception("action failed")
    try:
        raise RuntimeError("500, Internal Server Error, body=" + repr(_tracker_body()))
    except RuntimeError:
        logger.error("Encountered an exception while running action", exc_info=True)
    logger.warning("here", stack_info=True, extra={"x": 1})
    output = stream.getvalue()
    assert "Traceback (most recent call last)" in output and "ValueError: could not parse" in output
    assert "[iban]" in output and "request_body" in output and "[removed]" in output
    assert not any(s in output for s in SECRETS), output
    assert "\\u041e" not in output  # escaped Cyrillic is not left behind either


def test_a_record_is_redacted_once_for_every_handler(captured) -> None:
    logger, stream = captured
    second = io.StringIO()
    handler = logging.StreamHandler(second)
    logger.addHandler(handler)
    try:
        try:
            raise KeyError("olena.k@example.com")
        except KeyError:
            logger.exception("lookup")
    finally:
        logger.removeHandler(handler)
    for output in (stream.getvalue(), second.getvalue()):
        assert "KeyError" in output and "olena" not in output


def test_cyrillic_names_in_json_escapes_are_found() -> None:
    text = json.dumps({"text": "мене звати Олена Коваль"})
    assert "Олена" not in logs.redact_log_text(text) and "\\u041e" not in logs.redact_log_text(text)


def test_private_files(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    (var / "rasa.log").write_text("old log")
    (var / "rasa.log").chmod(0o644)
    (var / "sheets").mkdir(mode=0o755)
    old = os.umask(0o022)
    try:
        logs.private_files(var)
        assert os.umask(0o022) == 0o077
        (var / "new.log").write_text("x")
        assert stat.S_IMODE((var / "new.log").stat().st_mode) == 0o644  # created after the umask was put back
    finally:
        os.umask(old)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "rasa.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "sheets").stat().st_mode) == 0o700


def test_files_created_by_the_entry_point_are_private(tmp_path: Path) -> None:
    code = ("from bot import logs; logs.private_files(__import__('pathlib').Path(%r)); "
            "open(%r, 'w').write('x')") % (str(tmp_path / "var"), str(tmp_path / "var" / "rasa.log"))
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "rasa.log").stat().st_mode) == 0o600


def test_run_sh_sets_the_umask_before_creating_any_log() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "umask 077" in script and "chmod -R go-rwx var" in script
    assert script.index("umask 077") < script.index("> var/")


def test_the_staff_pages_access_log_keeps_no_query(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "staff.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web.staff", "--port", str(port)], cwd=ROOT,
                               env=env(STAFF_TOKEN="access-log-token-123456"), stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", process, 120, log)
        query = "olena.k@example.com+0470123456+Kovalenko"
        request = urllib.request.Request(f"{url}/api/search?q={query}",
                                         headers={"Authorization": "Bearer access-log-token-123456"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    written = log.read_text()
    assert "GET /api/search 200" in written
    assert "olena" not in written and "Kovalenko" not in written and "q=" not in written
    assert stat.S_IMODE((ROOT / "var").stat().st_mode) == 0o700

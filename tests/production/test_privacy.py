"""Personal data is removed before events and logs are stored; old conversations can be deleted."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.privacy import redact
from bot.tools.retention import delete_older_than

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text,kept,removed",
    [
        ("call me on +32 470 12 34 56 please", "call me on [phone] please", "470"),
        ("mijn gsm is 0470/12.34.56", "mijn gsm is [phone]", "0470"),
        ("мій номер +380 67 123 4567", "мій номер [phone]", "380"),
        ("tel (02) 123 45 67", "tel [phone]", "123 45"),
        ("write to olena.k@example.com", "write to [email]", "olena"),
        ("IBAN BE68 5390 0754 7034", "IBAN [iban]", "5390"),
        ("UA213223130000026007233566001", "[iban]", "2132"),
        ("rijksregisternummer 85.07.30-033.28", "rijksregisternummer [national-number]", "033"),
        ("national number 85073003328", "national number [national-number]", "0733"),
        ("passport FA123456", "passport [document]", "123456"),
        ("card 592-1234567-89", "card [document]", "1234567"),
    ],
)
def test_redaction(text: str, kept: str, removed: str) -> None:
    assert redact(text) == kept
    assert removed not in redact(text)


@pytest.mark.parametrize(
    "text",
    ["1000 Brussel", "postcode 9000", "since 24 February 2022", "4 березня 2027", "I have 3 kids aged 5, 7 and 12", "Handelsstraat 44"],
)
def test_what_is_not_personal_stays(text: str) -> None:
    assert redact(text) == text


@pytest.mark.e2e
def test_the_tracker_store_keeps_no_personal_data(servers) -> None:
    servers.say("privacy-1", "Мій телефон +380 67 123 4567, email olena.k@example.com, IBAN BE68 5390 0754 7034. Де знайти житло?")
    rows = sqlite3.connect(servers.workdir / "rasa.db").execute(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (servers.stored_sender("privacy-1"),)
    ).fetchall()
    assert rows
    stored = " ".join(r[0] for r in rows)
    for secret in ("123 4567", "olena.k", "5390 0754"):
        assert secret not in stored
    assert "[phone]" in json.loads(rows[0][0])["text"]
    logs = (servers.workdir / "rasa.log").read_text() + (servers.workdir / "actions.log").read_text()
    assert "olena.k@example.com" not in logs and "5390 0754" not in logs


@pytest.mark.e2e
def test_a_rest_sender_that_is_personal_data_is_not_stored_in_clear(servers) -> None:
    for sender in ("+32470987654", "maryna.p@example.org"):
        servers.say(sender, "Привіт!")
    senders = [r[0] for r in sqlite3.connect(servers.workdir / "rasa.db").execute("SELECT DISTINCT sender_id FROM events")]
    assert servers.stored_sender("+32470987654") in senders
    assert not any("470987654" in s or "maryna" in s for s in senders), senders


def _events_db(path: Path, conversations: dict[str, float]) -> str:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)")
    for sender, last in conversations.items():
        for offset in (3600, 60, 0):
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')", (sender, last - offset))
    db.commit()
    db.close()
    return f"sqlite:///{path}"


def test_retention_deletes_only_old_conversations(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    day = 86400
    url = _events_db(tmp_path / "rasa.db", {
        "old": now.timestamp() - 100 * day,
        "ongoing": now.timestamp() - 1 * day,       # started long ago? its last message is recent
        "borderline": now.timestamp() - 89 * day,
    })
    assert delete_older_than(url, 90, now=now) == (1, 3)
    senders = {r[0] for r in sqlite3.connect(tmp_path / "rasa.db").execute("SELECT DISTINCT sender_id FROM events")}
    assert senders == {"ongoing", "borderline"}
    assert delete_older_than(url, 90, now=now) == (0, 0)  # safe to run again (cron)


def test_retention_command(tmp_path: Path) -> None:
    url = _events_db(tmp_path / "rasa.db", {"ancient": 1_000_000_000.0})
    result = subprocess.run([sys.executable, "-m", "bot.tools.retention", "--days", "30", "--db", url],
                            cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and "deleted 1 conversation(s), 3 event(s)" in result.stdout
    empty = subprocess.run([sys.executable, "-m", "bot.tools.retention", "--days", "30", "--db", f"sqlite:///{tmp_path / 'none.db'}"],
                           cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert empty.returncode == 0 and "deleted 0" in empty.stdout

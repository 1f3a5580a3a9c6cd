"""A hand-over store in a temporary SQLite file, and office hours with a fixed clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.handover.hours import parse_hours
from bot.handover.store import HandoverStore

BRUSSELS = dt.timezone(dt.timedelta(hours=1))  # winter time (CET)

HOURS = {
    "time_zone": "Europe/Brussels",
    "hours": {day: "09:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    "public_holidays": "belgium",
    "holidays": ["2026-12-24"],
    "silence_timeout_minutes": 20,
}


class NoPublisher:
    def __init__(self) -> None:
        self.published = 0

    def publish(self) -> None:
        self.published += 1


@pytest.fixture
def store(tmp_path: Path) -> HandoverStore:
    created = HandoverStore(f"sqlite:///{tmp_path / 'rasa.db'}", publisher=NoPublisher())
    yield created
    created.dispose()


@pytest.fixture
def hours():
    return parse_hours(HOURS)


@pytest.fixture
def hours_file(tmp_path: Path) -> Path:
    path = tmp_path / "helpline.yml"
    path.write_text(yaml.safe_dump(HOURS), encoding="utf-8")
    return path


def at(text: str) -> dt.datetime:
    """A Brussels winter-time moment: at('2026-12-01 10:00') (a Tuesday)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)

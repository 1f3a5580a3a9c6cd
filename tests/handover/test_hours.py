"""Office hours with a fixed clock: open or not, when staff are back, in four languages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.handover.hours import HoursError, HoursProvider, belgian_public_holidays, parse_hours
from tests.handover.conftest import HOURS, at


@pytest.mark.parametrize(
    "moment,is_open",
    [
        ("2026-12-01 10:00", True),  # Tuesday morning
        ("2026-12-01 08:59", False),  # before opening
        ("2026-12-01 17:00", False),  # closing time
        ("2026-12-05 11:00", False),  # Saturday
        ("2026-12-24 11:00", False),  # an extra closing day from the file
        ("2026-12-25 11:00", False),  # Christmas, a public holiday
        ("2026-11-11 11:00", False),  # Armistice Day
        ("2026-07-21 11:00", False),  # National Day
        ("2026-04-06 11:00", False),  # Easter Monday
    ],
)
def test_open_or_closed(hours, moment: str, is_open: bool) -> None:
    assert hours.is_open(at(moment)) is is_open


def test_summer_time_is_the_brussels_clock(hours) -> None:
    # 07:30 UTC on a June Monday is 09:30 in Brussels (CEST): open.
    assert hours.is_open(dt.datetime(2026, 6, 15, 7, 30, tzinfo=dt.timezone.utc))
    assert not hours.is_open(dt.datetime(2026, 6, 15, 6, 30, tzinfo=dt.timezone.utc))


def test_belgian_public_holidays_follow_easter() -> None:
    assert {dt.date(2027, 3, 29), dt.date(2027, 5, 6), dt.date(2027, 5, 17)} <= belgian_public_holidays(2027)
    assert len(belgian_public_holidays(2026)) == 10


@pytest.mark.parametrize(
    "moment,lang,expected",
    [
        ("2026-12-01 18:00", "en", "tomorrow at 09:00"),
        ("2026-12-01 07:00", "nl", "vandaag om 09:00"),
        ("2026-12-04 18:00", "en", "Monday 7 December at 09:00"),
        ("2026-12-04 18:00", "fr", "lundi 7 décembre à 09:00"),
        ("2026-12-04 18:00", "uk", "понеділок 7 грудня о 09:00"),
        ("2026-12-23 18:00", "en", "Monday 28 December at 09:00"),  # 24th closed, 25th Christmas, weekend
    ],
)
def test_when_staff_are_back(hours, moment: str, lang: str, expected: str) -> None:
    assert hours.when_back(at(moment), lang) == expected


def test_weekly_hours_in_words(hours) -> None:
    assert hours.describe("en") == "Monday–Friday 09:00–17:00"
    assert hours.describe("nl") == "maandag–vrijdag 09:00–17:00"
    split = parse_hours({**HOURS, "hours": {"monday": "09:00-12:30, 13:30-17:00", "wednesday": "10:00-12:00"}})
    assert split.describe("en") == "Monday 09:00–12:30, 13:30–17:00; Wednesday 10:00–12:00"
    assert split.is_open(at("2026-11-30 12:45")) is False and split.is_open(at("2026-11-30 13:45")) is True


@pytest.mark.parametrize(
    "change,field",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"hours": {"someday": "09:00-17:00"}}, "someday"),
        ({"hours": {"monday": "9 to 5"}}, "hours.monday"),
        ({"hours": {"monday": "17:00-09:00"}}, "ends before it starts"),
        ({"holidays": ["25/12/2026"]}, "holidays"),
        ({"silence_timeout_minutes": 0}, "silence_timeout_minutes"),
    ],
)
def test_a_broken_file_is_refused_naming_the_field(change: dict, field: str) -> None:
    with pytest.raises(HoursError, match=field):
        parse_hours({**HOURS, **change})


def test_an_edit_is_read_without_restart_and_a_broken_one_keeps_the_last_good(hours_file) -> None:
    provider = HoursProvider(hours_file)
    assert provider.get().silence_timeout == 20 * 60
    hours_file.write_text(hours_file.read_text().replace("silence_timeout_minutes: 20", "silence_timeout_minutes: 5"))
    assert provider.get().silence_timeout == 5 * 60
    hours_file.write_text("hours: {monday: nonsense}\n")
    assert provider.get().silence_timeout == 5 * 60

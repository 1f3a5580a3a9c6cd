"""The helpline's office hours (config/helpline.yml): open now? when back? in the user's language.

The file is read again when it changes (no restart). Times are in the helpline's time zone
(Europe/Brussels by default, read with zoneinfo, summer time included); every function takes the
current time as an argument so tests use a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_date, format_time, get_day_names

from bot.i18n import translator

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "helpline.yml"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")

Range = tuple[dt.time, dt.time]


class HoursError(ValueError):
    """config/helpline.yml is not valid; the message names the field."""


def belgian_public_holidays(year: int) -> set[dt.date]:
    """Belgium's ten public holidays of a year."""
    from dateutil.easter import easter

    sunday = easter(year)
    return {
        dt.date(year, 1, 1),
        sunday + dt.timedelta(days=1),  # Easter Monday
        dt.date(year, 5, 1),
        sunday + dt.timedelta(days=39),  # Ascension
        sunday + dt.timedelta(days=50),  # Whit Monday
        dt.date(year, 7, 21),
        dt.date(year, 8, 15),
        dt.date(year, 11, 1),
        dt.date(year, 11, 11),
        dt.date(year, 12, 25),
    }


@dataclass(frozen=True)
class OfficeHours:
    """When staff answer, and how long a paused conversation may stay silent."""

    time_zone: str = "Europe/Brussels"
    #: Weekday (0 = Monday) -> opening ranges.
    ranges: Mapping[int, tuple[Range, ...]] = field(default_factory=dict)
    public_holidays: Optional[str] = "belgium"
    holidays: frozenset[dt.date] = frozenset()
    silence_timeout: float = 20 * 60.0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now.astimezone(self.zone)

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return True
        return self.public_holidays == "belgium" and day in belgian_public_holidays(day.year)

    def day_ranges(self, day: dt.date) -> tuple[Range, ...]:
        return () if self.is_holiday(day) else tuple(self.ranges.get(day.weekday(), ()))

    def is_open(self, now: dt.datetime) -> bool:
        local = self.local(now)
        return any(start <= local.time() < end for start, end in self.day_ranges(local.date()))

    def next_opening(self, now: dt.datetime) -> Optional[dt.datetime]:
        """The next moment staff answer (now itself when open); None if the helpline never opens."""
        local = self.local(now)
        for offset in range(0, 400):
            day = local.date() + dt.timedelta(days=offset)
            for start, end in self.day_ranges(day):
                opening = dt.datetime.combine(day, start, tzinfo=self.zone)
                closing = dt.datetime.combine(day, end, tzinfo=self.zone)
                if closing > local:
                    return max(opening, local)
        return None

    # -- in words ----------------------------------------------------------------------------------

    def when_back(self, now: dt.datetime, lang: str) -> Optional[str]:
        """"tomorrow at 09:00", "Monday 7 December at 09:00", in `lang`; None if never."""
        opening = self.next_opening(now)
        if opening is None:
            return None
        _ = translator(lang)
        local = self.local(now)
        time_text = format_time(opening.time(), "HH:mm", locale=lang)
        days = (opening.date() - local.date()).days
        if days == 0:
            return _("today at {time}").format(time=time_text)
        if days == 1:
            return _("tomorrow at {time}").format(time=time_text)
        day_text = format_date(opening.date(), "EEEE d MMMM", locale=lang)
        return _("{day} at {time}").format(day=day_text, time=time_text)

    def describe(self, lang: str) -> str:
        """The weekly hours: "Monday–Friday 09:00–17:00", in `lang`."""
        names = get_day_names("wide", locale=lang)
        groups: list[tuple[int, int, tuple[Range, ...]]] = []
        for weekday in range(7):
            ranges = tuple(self.ranges.get(weekday, ()))
            if not ranges:
                continue
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == ranges:
                groups[-1] = (groups[-1][0], weekday, ranges)
            else:
                groups.append((weekday, weekday, ranges))
        parts = []
        for first, last, ranges in groups:
            days = names[first] if first == last else f"{names[first]}–{names[last]}"
            times = ", ".join(f"{s.strftime('%H:%M')}–{e.strftime('%H:%M')}" for s, e in ranges)
            parts.append(f"{days} {times}")
        return "; ".join(parts)


def parse_hours(data: object, source: str = "config/helpline.yml") -> OfficeHours:
    """Office hours from the YAML document; raises HoursError naming the field at fault."""
    if not isinstance(data, dict):
        raise HoursError(f"{source}: expected a mapping")
    zone = str(data.get("time_zone") or "Europe/Brussels")
    try:
        ZoneInfo(zone)
    except Exception as exc:  # noqa: BLE001 - any lookup failure is a configuration error
        raise HoursError(f"{source}: time_zone: unknown time zone {zone!r}") from exc
    ranges: dict[int, tuple[Range, ...]] = {}
    hours = data.get("hours") or {}
    if not isinstance(hours, dict):
        raise HoursError(f"{source}: hours: expected a mapping of days")
    for name, value in hours.items():
        day = str(name).lower()
        if day not in DAYS:
            raise HoursError(f"{source}: hours: unknown day {name!r}")
        found = []
        for part in str(value or "").split(","):
            if not part.strip():
                continue
            match = _RANGE.match(part)
            if not match:
                raise HoursError(f"{source}: hours.{day}: {part.strip()!r} is not HH:MM-HH:MM")
            h1, m1, h2, m2 = map(int, match.groups())
            try:
                start = dt.time(h1, m1)
                end = dt.time(23, 59, 59) if (h2, m2) == (24, 0) else dt.time(h2, m2)
            except ValueError as exc:
                raise HoursError(f"{source}: hours.{day}: {part.strip()!r}: {exc}") from exc
            if end <= start:
                raise HoursError(f"{source}: hours.{day}: {part.strip()!r} ends before it starts")
            found.append((start, end))
        ranges[DAYS.index(day)] = tuple(sorted(found))
    public = data.get("public_holidays", "belgium")
    if public in (None, False, "none"):
        public = None
    elif public != "belgium":
        raise HoursError(f"{source}: public_holidays: 'belgium' or 'none'")
    holidays = set()
    for value in data.get("holidays") or []:
        try:
            holidays.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError as exc:
            raise HoursError(f"{source}: holidays: {value!r} is not YYYY-MM-DD") from exc
    try:
        minutes = float(data.get("silence_timeout_minutes", 20))
    except (TypeError, ValueError) as exc:
        raise HoursError(f"{source}: silence_timeout_minutes: a number of minutes") from exc
    if minutes <= 0:
        raise HoursError(f"{source}: silence_timeout_minutes: must be more than 0")
    return OfficeHours(zone, ranges, public, frozenset(holidays), minutes * 60.0)


class HoursProvider:
    """The office hours of a file, read again when it changes; the last good ones if an edit is broken."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = Path(path or os.environ.get("HELPLINE_CONFIG") or DEFAULT_CONFIG)
        self._lock = threading.Lock()
        self._stamp: Optional[tuple[float, int]] = None
        self._hours = OfficeHours()

    def get(self) -> OfficeHours:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime, stat.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                if stamp is None:
                    logger.warning("helpline.config.missing: %s (closed every day)", self.path)
                else:
                    try:
                        self._hours = parse_hours(yaml.safe_load(self.path.read_text(encoding="utf-8")), str(self.path))
                    except (HoursError, yaml.YAMLError, OSError) as exc:
                        logger.error("helpline.config.refused: %s", exc)
            hours = self._hours
        override = os.environ.get("HANDOVER_SILENCE_SECONDS")
        if override:
            try:
                hours = OfficeHours(hours.time_zone, hours.ranges, hours.public_holidays, hours.holidays, float(override))
            except ValueError:
                pass
        return hours


_default: Optional[HoursProvider] = None


def office_hours() -> OfficeHours:
    """The process-wide office hours (HELPLINE_CONFIG or config/helpline.yml)."""
    global _default
    if _default is None:
        _default = HoursProvider()
    return _default.get()

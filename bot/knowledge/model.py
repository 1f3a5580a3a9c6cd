"""The knowledge the assistant answers from: facts, their sources and the official websites.

Everything here is immutable: a loaded knowledge base is shared between concurrent requests and
replaced as a whole when the file changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Union

from bot.taxonomy import FACT_KINDS, PROVINCES, REGIONS, TOPICS  # noqa: E402  (re-exported)

#: The kinds of language-neutral value a fact can carry.
VALUE_KINDS: tuple[str, ...] = ("number", "percent", "date", "month", "text", "url")

Scalar = Union[int, float, str, dt.date]


@dataclass(frozen=True)
class Value:
    """A language-neutral value of a fact: formatted per locale when the fact is shown."""

    kind: str
    value: Scalar
    #: Digits after the decimal separator for numbers and percentages.
    decimals: int = 0


@dataclass(frozen=True)
class AsOf:
    """The date a fact's data refers to; some sources give only a month."""

    date: dt.date
    precision: str = "day"  # "day" or "month"

    def __str__(self) -> str:
        return self.date.isoformat() if self.precision == "day" else self.date.strftime("%Y-%m")


@dataclass(frozen=True)
class Source:
    """A document facts are taken from, with its sections."""

    id: str
    title: Mapping[str, str]
    publisher: Mapping[str, str]
    url: Optional[str] = None
    sections: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The date the document or page gives for itself, if any.
    date: Optional[dt.date] = None
    #: The date the page was read, for a page that gives no date of its own.
    accessed: Optional[dt.date] = None

    @property
    def dated(self) -> Optional[dt.date]:
        """The page's own date, else the date it was read."""
        return self.date or self.accessed


@dataclass(frozen=True)
class SourceRef:
    """Where in which document a fact is stated."""

    doc: str
    section: Optional[str] = None


@dataclass(frozen=True)
class Fact:
    """One statement the assistant may make, in four languages, with its date and source."""

    id: str
    topic: str
    region: str
    as_of: AsOf
    source: SourceRef
    values: Mapping[str, Value]
    text: Mapping[str, str]
    province: Optional[str] = None
    superseded_by: Optional[str] = None
    file: str = ""
    #: "statistic" (a figure), "context" (what happened, who did what) or "guidance" (what a person
    #: can do). Facts without a kind in the file are statistics when they carry a number or a
    #: percentage, context otherwise.
    kind: str = "context"
    #: Words people use for this fact that its text does not, per language (for retrieval only).
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The last day someone checked the fact against its source.
    last_verified: Optional[dt.date] = None
    #: A municipality (an id of data/places/belgium.yml) for facts that apply only there.
    municipality: Optional[str] = None
    #: Other topics the fact also answers (a person looks for it there too).
    also_topics: tuple[str, ...] = ()

    @property
    def topics(self) -> tuple[str, ...]:
        """The fact's topic and the other topics it answers."""
        return (self.topic, *self.also_topics)

    @property
    def is_statistic(self) -> bool:
        """A fact that gives a figure."""
        return self.kind == "statistic"

    @property
    def is_guidance(self) -> bool:
        """A fact that says what a person can do."""
        return self.kind == "guidance"

    @property
    def current(self) -> bool:
        """False for a fact a later fact replaces (e.g. an earlier end date)."""
        return self.superseded_by is None


def as_of_range(facts: Iterable["Fact"]) -> Optional[tuple[AsOf, AsOf]]:
    """The oldest and the newest as-of date of some facts (None for none): the honest "data as of"."""
    dates = sorted((f.as_of for f in facts), key=lambda a: (a.date, a.precision == "day"))
    return (dates[0], dates[-1]) if dates else None


@dataclass(frozen=True)
class Website:
    """An official website and what it is for."""

    id: str
    url: str
    region: str
    name: Mapping[str, str]
    source: SourceRef
    topics: tuple[str, ...] = ()
    file: str = ""

    def serves(self, topic: Optional[str]) -> bool:
        """True when the site is meant for this topic (a site without topics serves all)."""
        return not self.topics or topic in self.topics


@dataclass(frozen=True)
class Problem:
    """Something wrong in a knowledge file, named precisely enough to fix it."""

    file: str
    fact_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.fact_id}: {self.field}: {self.message}"

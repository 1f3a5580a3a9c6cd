"""The knowledge the assistant answers from: facts, their sources and the official websites.

Everything here is immutable: a loaded knowledge base is shared between concurrent requests and
replaced as a whole when the file changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Optional, Union

#: Where a fact applies. "eu" is for facts about the European Union as a whole.
REGIONS: tuple[str, ...] = ("eu", "belgium", "flanders", "wallonia", "brussels")

#: Provinces, each in its region.
PROVINCES: Mapping[str, str] = {
    "antwerp": "flanders",
    "limburg": "flanders",
    "east_flanders": "flanders",
    "west_flanders": "flanders",
    "flemish_brabant": "flanders",
    "walloon_brabant": "wallonia",
    "hainaut": "wallonia",
    "liege": "wallonia",
    "luxembourg": "wallonia",
    "namur": "wallonia",
}

#: What a fact is about. Each question intent of the assistant maps to one topic.
TOPICS: tuple[str, ...] = (
    "protection_duration",
    "temporary_protection",
    "registration",
    "housing",
    "work",
    "schooling",
    "language_courses",
    "health",
    "psychological_support",
    "official_info",
    "statistics",
    "community_support",
    "coordination",
)

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

    @property
    def is_statistic(self) -> bool:
        """A fact that gives a number or a percentage."""
        return any(v.kind in ("number", "percent") for v in self.values.values())

    @property
    def current(self) -> bool:
        """False for a fact a later fact replaces (e.g. an earlier end date)."""
        return self.superseded_by is None


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

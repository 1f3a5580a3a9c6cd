"""Facts re-verified by staff: the "still correct" action, the stale report, and writing verifications
back into the knowledge files.

The knowledge files are edited by staff in git, so a verification made on the staff page is not
written into them at once: it is appended to a small table (`fact_verifications`) in the tracker
store's database, beside the hand-over tables (SQLite `var/rasa.db` by default, `TRACKER_DB_URL` in
production). Nothing is ever updated or deleted there. The effective last verification of a fact is
the later of its file's `last_verified:` and the latest recorded verification (with who made it).

`write_verified` copies recorded verifications that are newer than the files into them, changing only
the `last_verified:` lines (one is added under `as_of:` when a fact has none), so the change can be
reviewed and committed like any other edit.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

import sqlalchemy as sa

from bot.i18n import N_, translator
from bot.knowledge.loader import KnowledgeBase, validate_knowledge
from bot.knowledge.model import Fact
from bot.knowledge.render import format_day

#: Days after which a fact counts as not recently verified.
DEFAULT_STALE_DAYS = 180

LAST_VERIFIED_BY = N_("Last verified on {date} by {name}")
LAST_VERIFIED = N_("Last verified on {date}")
NEVER_VERIFIED = N_("Never verified")

metadata = sa.MetaData()

verifications = sa.Table(
    "fact_verifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fact_id", sa.String(255), nullable=False),
    #: The day the fact was checked against its source (ISO date).
    sa.Column("verified_on", sa.String(10), nullable=False),
    sa.Column("operator", sa.String(128), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("ix_fact_verifications_fact", "fact_id", "verified_on"),
)


@dataclass(frozen=True)
class Verification:
    """When a fact was last checked, and by whom (None: the date comes from the knowledge file)."""

    fact_id: str
    day: dt.date
    operator: Optional[str] = None

    @property
    def recorded(self) -> bool:
        """True when it was recorded on the staff page (not yet necessarily in the file)."""
        return self.operator is not None


class VerificationStore:
    """Append-only verifications in the tracker store's database (SQLAlchemy Core)."""

    def __init__(self, url: Optional[str] = None, engine: Optional[sa.engine.Engine] = None) -> None:
        if engine is None:
            from bot.handover.store import _engine, default_db_url

            url = url or default_db_url()
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            engine = _engine(url)
            self._owns_engine = True
        else:
            self._owns_engine = False
        self.engine = engine
        self._ready = False
        self._lock = threading.Lock()

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            for attempt in (1, 2, 3):
                try:
                    metadata.create_all(self.engine, checkfirst=True)
                    break
                except sa.exc.SQLAlchemyError:
                    # Another process created the table at the same moment.
                    if attempt == 3:
                        raise
                    time.sleep(0.2 * attempt)
            self._ready = True

    def record(self, fact_id: str, operator: str, day: Optional[dt.date] = None) -> Verification:
        """Record that `operator` checked the fact today (or on `day`); once per fact, day and operator."""
        self._ensure()
        day = day or dt.date.today()
        operator = " ".join(operator.split())[:128] or "staff"
        with self.engine.begin() as connection:
            exists = connection.execute(
                sa.select(verifications.c.id).where(
                    verifications.c.fact_id == fact_id,
                    verifications.c.verified_on == day.isoformat(),
                    verifications.c.operator == operator,
                )
            ).first()
            if exists is None:
                connection.execute(
                    verifications.insert().values(
                        fact_id=fact_id, verified_on=day.isoformat(), operator=operator, at=time.time()
                    )
                )
        return Verification(fact_id, day, operator)

    def latest(self, fact_ids: Optional[Iterable[str]] = None) -> dict[str, Verification]:
        """The latest recorded verification of each fact (of the given facts only, when named)."""
        self._ensure()
        query = verifications.select().order_by(verifications.c.verified_on, verifications.c.at, verifications.c.id)
        if fact_ids is not None:
            wanted = sorted(set(fact_ids))
            if not wanted:
                return {}
            query = query.where(verifications.c.fact_id.in_(wanted))
        latest: dict[str, Verification] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                try:
                    day = dt.date.fromisoformat(row.verified_on)
                except ValueError:
                    continue
                latest[row.fact_id] = Verification(row.fact_id, day, row.operator)
        return latest

    def dispose(self) -> None:
        if self._owns_engine:
            self.engine.dispose()


def describe(verification: Optional[Verification], lang: str) -> str:
    """"Last verified on 1 December 2026 by Olena", in `lang`."""
    _ = translator(lang)
    if verification is None:
        return _(NEVER_VERIFIED)
    date = format_day(verification.day, lang)
    if verification.operator:
        return _(LAST_VERIFIED_BY).format(date=date, name=verification.operator)
    return _(LAST_VERIFIED).format(date=date)


def last_verification(fact: Fact, recorded: Mapping[str, Verification]) -> Optional[Verification]:
    """The later of the file's `last_verified` and the latest recorded verification (on the same day,
    the recorded one, which names the operator)."""
    mine = recorded.get(fact.id)
    in_file = Verification(fact.id, fact.last_verified) if fact.last_verified else None
    if mine is None:
        return in_file
    if in_file is None or mine.day >= in_file.day:
        return mine
    return in_file


@dataclass(frozen=True)
class StaleRow:
    """A fact of the stale report and its last verification (None: never verified)."""

    fact: Fact
    verification: Optional[Verification]
    #: Days since the last verification; None when it was never verified.
    age_days: Optional[int]


def stale_report(
    kb: KnowledgeBase,
    recorded: Mapping[str, Verification],
    days: int = DEFAULT_STALE_DAYS,
    today: Optional[dt.date] = None,
) -> list[StaleRow]:
    """Current facts not verified for more than `days` days (or never): guidance facts first, then
    the others; within each, the longest unverified first (never verified before anything else)."""
    today = today or dt.date.today()
    rows = []
    for fact in kb.facts:
        if not fact.current:
            continue
        verification = last_verification(fact, recorded)
        age = (today - verification.day).days if verification else None
        if age is None or age > days:
            rows.append(StaleRow(fact, verification, age))

    def order(row: StaleRow) -> tuple:
        never = row.age_days is None
        return (not row.fact.is_guidance, not never, -(row.age_days or 0), row.fact.as_of.date, row.fact.id)

    return sorted(rows, key=order)


def pending_exports(kb: KnowledgeBase, recorded: Mapping[str, Verification]) -> list[Verification]:
    """Recorded verifications newer than the facts' `last_verified` in the files, in the files' order."""
    out = []
    for fact in kb.facts:
        mine = recorded.get(fact.id)
        if mine is not None and (fact.last_verified is None or mine.day > fact.last_verified):
            out.append(mine)
    return out


# -- writing back into the YAML files ----------------------------------------------------------

_ID_LINE = re.compile(r"^(?P<indent>\s*)-\s+id:\s*(?P<q>[\"']?)(?P<id>[^\"'\s#]+)(?P=q)\s*(?:#.*)?$")
_write_lock = threading.Lock()


@dataclass(frozen=True)
class WrittenChange:
    fact_id: str
    file: str
    old: Optional[dt.date]
    new: dt.date


class ExportError(RuntimeError):
    """The verifications could not be written (the files are left as they were)."""


def _field(line: str, indent: str, name: str) -> Optional[re.Match]:
    return re.match(
        rf"^{re.escape(indent)}{name}:(?P<space>\s*)(?P<q>[\"']?)(?P<value>[^\"'#\s]*)(?P=q)(?P<rest>\s*(?:#.*)?)$",
        line,
    )


def _edit_text(text: str, days: Mapping[str, dt.date]) -> tuple[str, set[str]]:
    """`text` with the `last_verified:` of the facts in `days` set; the ids it could change."""
    lines = text.splitlines(keepends=True)
    done: set[str] = set()
    index = 0
    while index < len(lines):
        match = _ID_LINE.match(lines[index].rstrip("\r\n"))
        if not match or match.group("id") not in days:
            index += 1
            continue
        fact_id = match.group("id")
        field_indent = match.group("indent") + "  "
        # The fact's block: up to the next item of the list or anything indented less than its fields.
        end = index + 1
        while end < len(lines):
            bare = lines[end].rstrip("\r\n")
            if bare.strip() and not bare.lstrip().startswith("#") and not bare.startswith(field_indent):
                break
            end += 1
        new_day = days[fact_id].isoformat()
        as_of_at = None
        for position in range(index + 1, end):
            bare = lines[position].rstrip("\r\n")
            newline = lines[position][len(bare):]
            found = _field(bare, field_indent, "last_verified")
            if found:
                quote = found.group("q")
                lines[position] = (
                    f"{field_indent}last_verified:{found.group('space') or ' '}{quote}{new_day}{quote}{found.group('rest')}{newline}"
                )
                done.add(fact_id)
                break
            if as_of_at is None and _field(bare, field_indent, "as_of"):
                as_of_at = position
        else:
            if as_of_at is not None:
                newline = lines[as_of_at][len(lines[as_of_at].rstrip("\r\n")):] or "\n"
                lines.insert(as_of_at + 1, f'{field_indent}last_verified: "{new_day}"{newline}')
                done.add(fact_id)
                end += 1
        index = end
    return "".join(lines), done


def write_verified(
    kb: KnowledgeBase, recorded: Mapping[str, Verification], knowledge_path: Optional[Path] = None
) -> list[WrittenChange]:
    """Write recorded verifications newer than the files into their `last_verified:` lines.

    Every file is edited in memory, the whole knowledge is validated with the edits, and only then
    are the files replaced (each atomically); on any problem nothing is written (ExportError).
    """
    pending = pending_exports(kb, recorded)
    if not pending:
        return []
    by_file: dict[str, dict[str, dt.date]] = {}
    for verification in pending:
        fact = kb.by_id[verification.fact_id]
        by_file.setdefault(fact.file, {})[fact.id] = verification.day
    with _write_lock:
        edited: dict[Path, str] = {}
        changes: list[WrittenChange] = []
        for file, days in by_file.items():
            path = Path(file)
            original = path.read_text(encoding="utf-8")
            text, done = _edit_text(original, days)
            missing = sorted(set(days) - done)
            if missing:
                raise ExportError(f"{file}: no 'as_of:' or 'last_verified:' line found for {', '.join(missing)}")
            edited[path] = text
            changes.extend(WrittenChange(fid, file, kb.by_id[fid].last_verified, day) for fid, day in days.items())
        # Validate the knowledge with the edits, in a copy, before touching the real files.
        source = Path(knowledge_path) if knowledge_path else _common_folder([Path(f) for f in kb.files])
        with tempfile.TemporaryDirectory() as scratch:
            copies = {}
            for file in kb.files:
                path = Path(file)
                copy = Path(scratch) / (path.relative_to(source) if source.is_dir() and path.is_relative_to(source) else path.name)
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(edited.get(path, path.read_text(encoding="utf-8")), encoding="utf-8")
                copies[path] = copy
            target = Path(scratch) if source.is_dir() else copies[Path(kb.files[0])]
            problems = validate_knowledge(target)
            if problems:
                raise ExportError("the edited knowledge would not load: " + "; ".join(str(p) for p in problems[:5]))
        for path, text in edited.items():
            _replace(path, text)
    return changes


def _common_folder(paths: list[Path]) -> Path:
    if len(paths) == 1:
        return paths[0]
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


def _replace(path: Path, text: str) -> None:
    """Replace a file's content at once (the running servers never read half a file)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_recorded(url: Optional[str] = None, store: Optional[VerificationStore] = None) -> dict[str, Verification]:
    """Every fact's latest recorded verification (a store of its own when none is given)."""
    own = store is None
    store = store or VerificationStore(url)
    try:
        return store.latest()
    finally:
        if own:
            store.dispose()


def source_url(kb: KnowledgeBase, fact: Fact) -> Optional[str]:
    """The address of the page or document a fact comes from, if it has one."""
    return kb.sources[fact.source.doc].url


__all__ = [
    "DEFAULT_STALE_DAYS",
    "ExportError",
    "StaleRow",
    "Verification",
    "VerificationStore",
    "WrittenChange",
    "describe",
    "last_verification",
    "pending_exports",
    "read_recorded",
    "source_url",
    "stale_report",
    "write_verified",
]

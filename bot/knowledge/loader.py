"""Loading and validating knowledge files.

A knowledge path is one YAML file or a folder of them (`data/knowledge/*.yml`), merged into one
knowledge base. Each file is checked against `schema.json`, then for what a schema cannot say: dates,
references between facts and sources, duplicate ids, and that every figure in every language's text
comes from the fact's values. A file with any problem is refused as a whole, with every problem named
by file, fact id and field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import yaml
from jsonschema import Draft202012Validator

from bot.knowledge.model import (
    FACT_KINDS,
    PROVINCES,
    REGIONS,
    TOPICS,
    AsOf,
    Fact,
    Problem,
    Source,
    SourceRef,
    Value,
    Website,
)
from bot.knowledge.render import doubled_words, format_value, literal_parts, placeholders
from bot.languages import LANGUAGES

SCHEMA_PATH = Path(__file__).with_name("schema.json")
_DIGIT = re.compile(r"\d")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used; `problems` names each fault."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge file:\n{shown}{more}")


class _StringDateLoader(yaml.SafeLoader):
    """A YAML loader that keeps dates as written, so they are checked here, not guessed by YAML."""


_StringDateLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def schema() -> dict:
    """The knowledge file's JSON schema, its enums filled from bot.taxonomy."""
    loaded = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = loaded["$defs"]
    defs["region"] = {"enum": list(REGIONS)}
    defs["topic"] = {"enum": list(TOPICS)}
    defs["fact"]["properties"]["kind"] = {"enum": list(FACT_KINDS)}
    defs["fact"]["properties"]["province"] = {"enum": list(PROVINCES)}
    return loaded


@lru_cache(maxsize=1)
def _schema_validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@dataclass(frozen=True)
class KnowledgeBase:
    """All facts, sources and websites of a knowledge path, validated."""

    facts: tuple[Fact, ...]
    sources: Mapping[str, Source]
    websites: tuple[Website, ...]
    files: tuple[str, ...] = ()
    by_id: Mapping[str, Fact] = field(default_factory=dict)

    @property
    def data_date(self) -> Optional[dt.date]:
        """The most recent as-of date of any fact: the date of the data as a whole."""
        return max((f.as_of.date for f in self.facts), default=None)

    def facts_for(
        self,
        topic: str,
        region: Optional[str] = None,
        province: Optional[str] = None,
        include_superseded: bool = False,
    ) -> list[Fact]:
        """Facts on a topic that apply to a region: the EU's, Belgium's, then the region's own.

        Province facts are included only for their province; with no region, regional facts of every
        region are included (for topics that do not depend on the region).
        """
        wanted = {"eu", "belgium"} | ({region} if region else {"flanders", "wallonia", "brussels"})
        # The reader's own region first; without one, from the widest to the regions.
        order = {"eu": 0, "belgium": 1, "flanders": 2, "wallonia": 3, "brussels": 4}
        if region:
            order = {region: 0, "belgium": 1, "eu": 2}
        found = [
            f
            for f in self.facts
            if topic in f.topics
            and f.region in wanted
            and (include_superseded or f.current)
            and (f.province is None or f.province == province)
        ]
        # Stable: within a region, the file's order (the editor's order of importance) is kept.
        return sorted(found, key=lambda f: (order[f.region], f.province is None))

    def websites_for(self, region: Optional[str], topic: Optional[str] = None) -> list[Website]:
        """Official websites for a region and topic, most specific first."""
        regional = [w for w in self.websites if region and w.region == region and w.serves(topic)]
        national = [w for w in self.websites if w.region in ("belgium", "eu") and w.serves(topic)]
        specific = [w for w in regional + national if w.topics]
        general = [w for w in regional + national if not w.topics]
        return specific + general


def load_knowledge(path: Union[str, Path]) -> KnowledgeBase:
    """Load and validate a knowledge file or folder; raises KnowledgeError naming every problem."""
    kb, problems = _load(Path(path))
    if problems:
        raise KnowledgeError(problems)
    assert kb is not None
    return kb


def validate_knowledge(path: Union[str, Path]) -> list[Problem]:
    """Every problem in a knowledge file or folder; an empty list means it is good."""
    return _load(Path(path))[1]


def knowledge_files(path: Path) -> list[Path]:
    """The YAML files a knowledge path stands for, in a stable order."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    return [path]


def _load(path: Path) -> tuple[Optional[KnowledgeBase], list[Problem]]:
    problems: list[Problem] = []
    files = knowledge_files(path)
    if not files:
        return None, [Problem(str(path), "-", "-", "no knowledge file (*.yml) found")]
    documents: list[tuple[str, dict]] = []
    for file in files:
        name = str(file)
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=_StringDateLoader)
        except FileNotFoundError:
            problems.append(Problem(name, "-", "-", "file not found"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, "-", "-", f"not UTF-8 text: {exc.reason}"))
            continue
        except yaml.YAMLError as exc:
            problems.append(Problem(name, "-", "-", f"not valid YAML: {_one_line(exc)}"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, "-", "-", "the file must be a mapping with 'version'"))
            continue
        schema_problems, bad_items = _schema_problems(name, data)
        problems.extend(schema_problems)
        if ("document", -1) in bad_items:
            continue
        # Items that passed the schema are still checked, so one run reports every problem.
        documents.append(
            (
                name,
                {
                    **data,
                    "facts": [f for i, f in enumerate(data.get("facts") or []) if ("facts", i) not in bad_items],
                    "websites": [
                        w for i, w in enumerate(data.get("websites") or []) if ("websites", i) not in bad_items
                    ],
                },
            )
        )

    sources: dict[str, Source] = {}
    source_files: dict[str, str] = {}
    for name, data in documents:
        for sid, raw in (data.get("sources") or {}).items():
            if sid in sources:
                problems.append(
                    Problem(name, sid, "sources", f"source id also defined in {source_files[sid]}")
                )
                continue
            dates: dict[str, Optional[dt.date]] = {}
            for key in ("date", "accessed"):
                try:
                    dates[key] = _parse_day(raw[key]) if raw.get(key) else None
                except ValueError as exc:
                    problems.append(Problem(name, sid, key, str(exc)))
                    dates[key] = None
            sources[sid] = Source(
                id=sid,
                title=raw["title"],
                publisher=raw["publisher"],
                url=raw.get("url"),
                sections=raw.get("sections") or {},
                date=dates["date"],
                accessed=dates["accessed"],
            )
            source_files[sid] = name

    facts: list[Fact] = []
    seen: dict[str, str] = {}
    for name, data in documents:
        for raw in data.get("facts") or []:
            fact, fact_problems = _build_fact(name, raw, sources)
            problems.extend(fact_problems)
            if raw["id"] in seen:
                problems.append(
                    Problem(name, raw["id"], "id", f"duplicate id (also in {seen[raw['id']]})")
                )
                continue
            seen[raw["id"]] = name
            if fact is not None:
                facts.append(fact)

    by_id = {f.id: f for f in facts}
    for fact in facts:
        if fact.superseded_by is not None and fact.superseded_by not in by_id:
            problems.append(
                Problem(fact.file, fact.id, "superseded_by", f"unknown fact '{fact.superseded_by}'")
            )
        if fact.superseded_by == fact.id:
            problems.append(Problem(fact.file, fact.id, "superseded_by", "a fact cannot supersede itself"))

    websites: list[Website] = []
    site_ids: set[str] = set()
    for name, data in documents:
        for raw in data.get("websites") or []:
            ref = SourceRef(**raw["source"])
            problems.extend(_source_ref_problems(name, raw["id"], ref, sources))
            if raw["id"] in site_ids:
                problems.append(Problem(name, raw["id"], "id", "duplicate website id"))
            site_ids.add(raw["id"])
            websites.append(
                Website(
                    id=raw["id"],
                    url=raw["url"],
                    region=raw["region"],
                    name=raw["name"],
                    source=ref,
                    topics=tuple(raw.get("topics") or ()),
                    file=name,
                )
            )

    if problems:
        return None, problems
    kb = KnowledgeBase(
        facts=tuple(facts),
        sources=sources,
        websites=tuple(websites),
        files=tuple(str(f) for f in files),
        by_id=by_id,
    )
    return kb, []


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _schema_problems(file: str, data: dict) -> tuple[list[Problem], set[tuple[str, int]]]:
    """Problems against schema.json, and which items they are in (("document", -1) for the rest)."""
    problems: list[Problem] = []
    bad: set[tuple[str, int]] = set()
    for error in sorted(_schema_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        owner, fields = "-", path
        if len(path) >= 2 and path[0] in ("facts", "websites") and isinstance(path[1], int):
            bad.add((path[0], path[1]))
            item = data[path[0]][path[1]]
            item_id = item.get("id") if isinstance(item, dict) else None
            owner = str(item_id) if item_id else f"{path[0]}[{path[1]}]"
            fields = path[2:]
        elif len(path) >= 2 and path[0] == "sources":
            bad.add(("document", -1))
            owner, fields = str(path[1]), path[2:]
        else:
            bad.add(("document", -1))
        message = error.message
        if error.validator == "required":
            missing = re.search(r"'([^']+)' is a required property", error.message)
            if missing:
                fields = [*fields, missing.group(1)]
                is_language = missing.group(1) in LANGUAGES
                message = "missing translation" if is_language else "missing"
        elif error.validator == "minLength" and error.instance == "":
            message = "empty translation" if fields and fields[-1] in LANGUAGES else "empty"
        elif error.validator == "enum":
            message = f"unknown value {error.instance!r}; expected one of {', '.join(map(str, error.validator_value))}"
        field_name = ".".join(str(p) for p in fields) or "-"
        problems.append(Problem(file, owner, field_name, message))
    return problems, bad


def _parse_day(text: str) -> dt.date:
    if not _DAY.match(text):
        raise ValueError(f"bad date {text!r}; expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r}; no such day") from None


def _parse_month(text: str) -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"bad month {text!r}; expected YYYY-MM")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _parse_as_of(text: str) -> AsOf:
    if _MONTH.match(text):
        return AsOf(_parse_month(text), "month")
    return AsOf(_parse_day(text), "day")


def _source_ref_problems(
    file: str, owner: str, ref: SourceRef, sources: Mapping[str, Source]
) -> list[Problem]:
    source = sources.get(ref.doc)
    if source is None:
        return [Problem(file, owner, "source.doc", f"unknown source '{ref.doc}'")]
    if ref.section is not None and ref.section not in source.sections:
        return [Problem(file, owner, "source.section", f"unknown section '{ref.section}' of '{ref.doc}'")]
    return []


def _build_value(raw: Mapping[str, Any]) -> Value:
    kinds = [k for k in raw if k != "decimals"]
    if len(kinds) != 1:
        raise ValueError("a value has exactly one of number, percent, date, month, text, url")
    kind = kinds[0]
    if "decimals" in raw and kind not in ("number", "percent"):
        raise ValueError("decimals only apply to a number or a percent")
    raw_value = raw[kind]
    if kind == "date":
        return Value(kind, _parse_day(str(raw_value)))
    if kind == "month":
        return Value(kind, _parse_month(str(raw_value)))
    if kind in ("number", "percent"):
        decimals = raw.get("decimals")
        if decimals is None:
            decimals = len(repr(raw_value).split(".")[1]) if isinstance(raw_value, float) else 0
        return Value(kind, raw_value, decimals)
    return Value(kind, str(raw_value))


def _build_fact(
    file: str, raw: Mapping[str, Any], sources: Mapping[str, Source]
) -> tuple[Optional[Fact], list[Problem]]:
    fid = raw["id"]
    problems: list[Problem] = []

    def problem(field_name: str, message: str) -> None:
        problems.append(Problem(file, fid, field_name, message))

    as_of: Optional[AsOf] = None
    try:
        as_of = _parse_as_of(str(raw["as_of"]))
        if as_of.date > dt.date.today():
            problem("as_of", f"date {raw['as_of']} is in the future")
    except ValueError as exc:
        problem("as_of", str(exc))

    province = raw.get("province")
    if province is not None and PROVINCES[province] != raw["region"]:
        problem("province", f"province '{province}' is in {PROVINCES[province]}, not {raw['region']}")

    ref = SourceRef(**raw["source"])
    problems.extend(_source_ref_problems(file, fid, ref, sources))

    values: dict[str, Value] = {}
    for name, raw_value in (raw.get("values") or {}).items():
        try:
            values[name] = _build_value(raw_value)
        except ValueError as exc:
            problem(f"values.{name}", str(exc))

    kind = raw.get("kind") or (
        "statistic" if any(v.kind in ("number", "percent") for v in values.values()) else "context"
    )
    last_verified: Optional[dt.date] = None
    if raw.get("last_verified"):
        try:
            last_verified = _parse_day(str(raw["last_verified"]))
            if last_verified > dt.date.today():
                problem("last_verified", f"date {raw['last_verified']} is in the future")
        except ValueError as exc:
            problem("last_verified", str(exc))
    if kind == "guidance":
        if last_verified is None:
            problem("last_verified", "missing: a guidance fact says when it was last checked")
        source = sources.get(ref.doc)
        if source is not None:
            if not source.url:
                problem("source.doc", f"guidance needs a source with a url; '{ref.doc}' has none")
            if source.dated is None:
                problem("source.doc", f"source '{ref.doc}' has neither a date nor an accessed date")
    keywords = {
        lang: tuple(str(w).strip() for w in words if str(w).strip())
        for lang, words in (raw.get("keywords") or {}).items()
    }

    texts: Mapping[str, str] = raw["text"]
    for lang in LANGUAGES:
        text = texts[lang]
        where = f"text.{lang}"
        try:
            used = list(placeholders(text))
        except ValueError as exc:
            problem(where, f"malformed placeholder: {exc}")
            continue
        for name, spec in used:
            if name not in values:
                if name not in (raw.get("values") or {}):
                    problem(where, f"placeholder {{{name}}} has no value")
                continue
            if spec and values[name].kind not in ("date", "month"):
                problem(where, f"placeholder {{{name}:{spec}}}: only dates take a pattern")
                continue
            try:
                format_value(values[name], lang, spec)
            except Exception as exc:  # noqa: BLE001 - any Babel error is a bad pattern
                problem(where, f"placeholder {{{name}:{spec}}}: {exc}")
        try:
            twice = doubled_words(text, values, lang)
        except Exception:  # noqa: BLE001 - a bad pattern is reported above
            twice = []
        for word in twice:
            problem(where, f"'{word}' written twice: the placeholder already ends with it")
        names = {name for name, _ in used}
        for name in values:
            if name not in names:
                problem(where, f"value '{name}' is not in this translation")
        stray = _DIGIT.findall(literal_parts(text))
        if stray:
            problem(
                where,
                "figure written in the text instead of a placeholder "
                f"({''.join(stray)!r}); every figure must come from `values`",
            )

    if problems or as_of is None:
        return None, problems
    return (
        Fact(
            id=fid,
            topic=raw["topic"],
            region=raw["region"],
            province=province,
            as_of=as_of,
            source=ref,
            values=values,
            text=dict(texts),
            superseded_by=raw.get("superseded_by"),
            file=file,
            kind=kind,
            keywords=keywords,
            last_verified=last_verified,
            municipality=raw.get("municipality"),
            also_topics=tuple(t for t in raw.get("also_topics") or () if t != raw["topic"]),
        ),
        [],
    )

"""The helpline staff's tools in the terminal: `python -m bot.staff <command>`.

  search QUERY [--topic T] [--region R] [--lang L]   facts matching words, in any language
  show FACT_ID                                       one fact, four languages, source and date
  list [--topic T] [--region R]                      facts by topic and region
  validate [PATH]                                    every problem in the knowledge file
  stale [--days N] [--db URL] [--lang L]             facts not verified for N days (180), guidance first
  verified [--db URL] [--write]                      verifications made on the staff page that are newer
                                                     than the files; --write puts them into the files
  sheets [--out DIR] [--no-pdf]                      printable fact sheets, HTML and PDF
  missed [--db URL] [--days N]                       questions the assistant could not answer
  feedback [--db URL] [--days N]                     answers rated unhelpful, comments, share of 👍
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional


from bot.knowledge.loader import load_knowledge, validate_knowledge
from bot.knowledge.model import REGIONS, TOPICS, Fact
from bot.knowledge.provider import DEFAULT_KNOWLEDGE_PATH
from bot.knowledge.render import format_as_of, render_text
from bot.languages import LANGUAGES
from bot.staff.verified import DEFAULT_STALE_DAYS

ROOT = Path(__file__).resolve().parents[2]


def default_tracker_db() -> str:
    """The tracker store of endpoints.yml when it is SQL, else the default SQLite file."""
    import os

    return os.environ.get("TRACKER_DB_URL") or f"sqlite:///{ROOT / 'var' / 'rasa.db'}"


def _print_fact(kb, fact: Fact, langs=LANGUAGES, out=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    source = kb.sources[fact.source.doc]
    section = f", {source.sections[fact.source.section]['en']}" if fact.source.section else ""
    status = "" if fact.current else f"  [replaced by {fact.superseded_by}]"
    place = fact.region + (f"/{fact.province}" if fact.province else "")
    print(f"{fact.id}  [{fact.topic} | {place} | as of {fact.as_of}]{status}", file=out)
    for lang in langs:
        print(f"  {lang}: {render_text(fact.text[lang], fact.values, lang)}", file=out)
    print(f"  source: {source.title['en']}{section} ({fact.file.rsplit('/', 1)[-1]})", file=out)


def _warn_unofficial(kb) -> None:  # type: ignore[no-untyped-def]
    """Guidance facts whose page is on no list of config/official_sources.yml (a warning: the tests fail)."""
    from bot.knowledge.official import host_of, load_allow_list

    try:
        allowed = load_allow_list()
    except (OSError, ValueError) as exc:
        print(f"warning: config/official_sources.yml: {exc}", file=sys.stderr)
        return
    for fact in kb.facts:
        url = kb.sources[fact.source.doc].url
        if fact.is_guidance and not allowed.official(url) and allowed.other(url) is None:
            print(
                f"warning: {fact.file}: {fact.id}: source.doc: {host_of(url)} is not in config/official_sources.yml",
                file=sys.stderr,
            )


def _recorded(db: Optional[str], lang: str) -> Optional[dict]:
    """Verifications recorded on the staff page, or None (said on stderr) when they cannot be read."""
    import sqlalchemy as sa

    from bot.i18n import translator
    from bot.staff.verified import read_recorded
    from bot.web.verify import VERIFY_STRINGS

    try:
        return read_recorded(db or default_tracker_db())
    except sa.exc.SQLAlchemyError as exc:
        print(translator(lang)(VERIFY_STRINGS["store_unavailable"]), f"({' '.join(str(exc).split())[:200]})", file=sys.stderr)
        return None


def _stale(kb, args) -> int:  # type: ignore[no-untyped-def]
    from bot.i18n import translator
    from bot.staff.verified import describe, stale_report
    from bot.web.staff import STRINGS
    from bot.web.verify import VERIFY_STRINGS

    _ = translator(args.lang)
    recorded = _recorded(args.db, args.lang)
    rows = stale_report(kb, recorded or {}, args.days)
    for row in rows:
        fact = row.fact
        source = kb.sources[fact.source.doc]
        place = fact.region + (f"/{fact.province}" if fact.province else "")
        print(f"{fact.id}  [{fact.kind} | {fact.topic} | {place} | {format_as_of(fact.as_of, args.lang)}]")
        print(f"  {render_text(fact.text[args.lang], fact.values, args.lang)}")
        section = f" — {source.sections[fact.source.section][args.lang]}" if fact.source.section else ""
        where = f"{source.url} ({source.title[args.lang]}{section})" if source.url else source.title[args.lang] + section
        print(f"  {_(STRINGS['source'])}: {where}")
        print(f"  {describe(row.verification, args.lang)}")
    total = sum(1 for f in kb.facts if f.current)
    print(_(VERIFY_STRINGS["stale_count"]).format(count=len(rows), total=total), file=sys.stderr)
    return 0


def _verified(kb, args) -> int:  # type: ignore[no-untyped-def]
    from bot.i18n import translator
    from bot.staff.verified import ExportError, describe, pending_exports, write_verified
    from bot.web.verify import VERIFY_STRINGS

    _ = translator(args.lang)
    recorded = _recorded(args.db, args.lang)
    if recorded is None:
        return 1
    pending = pending_exports(kb, recorded)
    if not pending:
        print(_(VERIFY_STRINGS["pending_none"]))
        return 0
    for verification in pending:
        fact = kb.by_id[verification.fact_id]
        before = fact.last_verified.isoformat() if fact.last_verified else "-"
        print(f"{fact.id}  {before} -> {verification.day.isoformat()}  ({describe(verification, args.lang)}; {fact.file.rsplit('/', 1)[-1]})")
    if not args.write:
        return 0
    try:
        changes = write_verified(kb, recorded, Path(args.knowledge))
    except ExportError as exc:
        print(_(VERIFY_STRINGS["write_failed"]).format(reason=exc), file=sys.stderr)
        return 1
    for file in sorted({c.file for c in changes}):
        print(file)
    print(_(VERIFY_STRINGS["written"]).format(count=len(changes)), file=sys.stderr)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE_PATH), help="knowledge file or folder")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search")
    search.add_argument("query", nargs="+")
    search.add_argument("--topic", choices=TOPICS)
    search.add_argument("--region", choices=REGIONS)
    search.add_argument("--lang", choices=LANGUAGES, action="append")
    search.add_argument("--limit", type=int, default=5)
    show = sub.add_parser("show")
    show.add_argument("fact_id")
    listing = sub.add_parser("list")
    listing.add_argument("--topic", choices=TOPICS)
    listing.add_argument("--region", choices=REGIONS)
    check = sub.add_parser("validate")
    check.add_argument("path", nargs="?")
    stale = sub.add_parser("stale")
    stale.add_argument("--days", type=int, default=DEFAULT_STALE_DAYS, help="days since the last verification")
    stale.add_argument("--db", default=None, help="SQLAlchemy URL of the tracker store (verifications)")
    stale.add_argument("--lang", choices=LANGUAGES, default="en")
    verified = sub.add_parser("verified")
    verified.add_argument("--db", default=None, help="SQLAlchemy URL of the tracker store (verifications)")
    verified.add_argument("--write", action="store_true", help="write them into the knowledge files")
    verified.add_argument("--lang", choices=LANGUAGES, default="en")
    sheets = sub.add_parser("sheets")
    sheets.add_argument("--out", default=str(ROOT / "var" / "sheets"))
    sheets.add_argument("--no-pdf", action="store_true")
    missed = sub.add_parser("missed")
    missed.add_argument("--db", default=None, help="SQLAlchemy URL of the tracker store")
    missed.add_argument("--days", type=int, default=None)
    missed.add_argument("--limit", type=int, default=30)
    feedback = sub.add_parser("feedback")
    feedback.add_argument("--db", default=None, help="SQLAlchemy URL of the tracker store")
    feedback.add_argument("--days", type=int, default=30)
    feedback.add_argument("--limit", type=int, default=30)
    args = parser.parse_args(argv)

    if args.command == "validate":
        path = args.path or args.knowledge
        problems = validate_knowledge(path)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
            return 1
        kb = load_knowledge(path)
        print(f"ok: {len(kb.facts)} facts, {len(kb.websites)} websites, {len(kb.sources)} sources in {path}")
        _warn_unofficial(kb)
        return 0

    if args.command == "missed":
        from bot.staff.missed import missed_questions

        groups = missed_questions(args.db or default_tracker_db(), days=args.days, limit=args.limit)
        if not groups:
            print("no missed questions")
        for group in groups:
            seen = group.last_seen.strftime("%Y-%m-%d") if group.last_seen else "?"
            print(f"{group.count:5d}x  {group.conversations:4d} conversation(s)  last {seen}  {group.text}")
        return 0

    if args.command == "feedback":
        from bot.handover.feedback import feedback_report, format_report
        from bot.handover.store import HandoverStore

        store = HandoverStore(args.db or default_tracker_db())
        try:
            kb = load_knowledge(args.knowledge)
        except Exception:  # noqa: BLE001 - the report still shows fact ids
            kb = None
        print(format_report(feedback_report(store, kb, days=args.days, limit=args.limit)))
        store.dispose()
        return 0

    kb = load_knowledge(args.knowledge)
    if args.command == "search":
        from bot.staff.search import FactIndex, TopicPrior

        index = FactIndex(kb, TopicPrior.from_training_data())
        started = time.perf_counter()
        hits = index.search(" ".join(args.query), topic=args.topic, region=args.region, limit=args.limit)
        elapsed = (time.perf_counter() - started) * 1000
        for hit in hits:
            _print_fact(kb, hit.fact, args.lang or LANGUAGES)
            print()
        print(f"{len(hits)} result(s) in {elapsed:.1f} ms", file=sys.stderr)
        return 0 if hits else 1
    if args.command == "show":
        fact = kb.by_id.get(args.fact_id)
        if fact is None:
            print(f"no fact {args.fact_id!r}", file=sys.stderr)
            return 1
        _print_fact(kb, fact)
        return 0
    if args.command == "list":
        for fact in kb.facts:
            if (args.topic and fact.topic != args.topic) or (args.region and fact.region != args.region):
                continue
            print(f"{fact.id:55s} {fact.topic:22s} {fact.region:9s} {fact.as_of}")
        return 0
    if args.command == "stale":
        if args.days < 0:
            print("--days must be 0 or more", file=sys.stderr)
            return 2
        return _stale(kb, args)
    if args.command == "verified":
        return _verified(kb, args)
    if args.command == "sheets":
        from bot.staff.sheets import write_sheets

        written = write_sheets(kb, Path(args.out), pdf=not args.no_pdf)
        for path in written:
            print(path)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())




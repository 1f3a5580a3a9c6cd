"""Command line for the knowledge file: `python -m bot.knowledge validate [PATH]`."""

from __future__ import annotations

import argparse
import sys

from bot.knowledge.loader import load_knowledge, validate_knowledge
from bot.knowledge.render import render_text
from bot.languages import LANGUAGES

DEFAULT_PATH = "data/knowledge"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("validate", help="report every problem in the knowledge file")
    check.add_argument("path", nargs="?", default=DEFAULT_PATH)
    show = sub.add_parser("show", help="print one fact in the four languages")
    show.add_argument("fact_id")
    show.add_argument("--path", default=DEFAULT_PATH)
    args = parser.parse_args(argv)

    if args.command == "validate":
        problems = validate_knowledge(args.path)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s)", file=sys.stderr)
            return 1
        kb = load_knowledge(args.path)
        print(f"ok: {len(kb.facts)} facts, {len(kb.websites)} websites, {len(kb.sources)} sources")
        return 0

    kb = load_knowledge(args.path)
    fact = kb.by_id.get(args.fact_id)
    if fact is None:
        print(f"no fact {args.fact_id!r}", file=sys.stderr)
        return 1
    print(f"{fact.id}  topic={fact.topic} region={fact.region} as_of={fact.as_of}")
    for lang in LANGUAGES:
        print(f"  [{lang}] {render_text(fact.text[lang], fact.values, lang)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How well personal data is removed: `python -m bot.tools.privacy_eval [--leniencies]`.

Recall per type and overall on the frozen test set tests/privacy/pii.yml (a value counts as removed
when neither it nor any of its words or digit groups of three or more characters is left, unless that
word occurs elsewhere in the message), what must stay and did not, and the false-positive rate on the
NLU training lines (data/nlu/**: the share of lines that redaction changes). Prints the figures and the
file's SHA-256 for the README's privacy section.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests" / "privacy" / "pii.yml"
NLU_DATA = ROOT / "data" / "nlu"
_TOKEN = re.compile(r"[^\W_]{3,}")
_LABEL = re.compile(r"\[[a-z-]+\]")


@dataclass
class Measure:
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # what had to stay and did not
    items: int = 0
    languages: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def recall(self, kind: Optional[str] = None) -> float:
        found = self.found[kind] if kind else sum(self.found.values())
        total = self.total[kind] if kind else sum(self.total.values())
        return found / total if total else 1.0


def sha256(path: Path = TEST_SET) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_items(path: Path = TEST_SET) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["items"]


def removed(value: str, original: str, redacted: str) -> bool:
    """Whether `value` is gone from `redacted`: the value itself, and each of its words and digit
    groups (three characters or more) that does not also occur elsewhere in the original message."""
    if value in redacted:
        return False
    redacted = _LABEL.sub(" ", redacted)
    start = original.find(value)
    elsewhere = original[:start] + " " + original[start + len(value) :] if start >= 0 else original
    for token in _TOKEN.findall(value):
        if token in redacted and token not in elsewhere:
            return False
    return True


def measure(redact: Callable[[str], str], items: Optional[list[dict]] = None) -> Measure:
    result = Measure()
    for item in items if items is not None else load_items():
        text, kind = item["text"], item["type"]
        result.items += 1
        result.languages[item["lang"]] += 1
        redacted = redact(text)
        for value in item.get("remove") or []:
            result.total[kind] += 1
            if removed(value, text, redacted):
                result.found[kind] += 1
            else:
                result.missed.append(f"{kind}: {value!r} in {redacted!r}")
        for value in item.get("keep") or []:
            if value not in redacted:
                result.broken.append(f"{value!r} lost in {redacted!r}")
    return result


def nlu_lines(folder: Path = NLU_DATA) -> list[str]:
    lines = []
    for file in sorted(folder.glob("**/*.yml")):
        for block in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    lines.append(line.strip()[2:])
    return lines


def false_positives(redact: Callable[[str], str], lines: Optional[list[str]] = None) -> tuple[float, list[str]]:
    """The share of NLU training lines (no personal data in them) that redaction changes, and those lines."""
    lines = nlu_lines() if lines is None else lines
    changed = [f"{line!r} -> {redact(line)!r}" for line in lines if redact(line) != line]
    return (len(changed) / len(lines) if lines else 0.0), changed


def report(redact: Callable[[str], str]) -> str:
    result = measure(redact)
    rate, changed = false_positives(redact)
    kinds = sorted(result.total)
    rows = [f"| {kind} | {result.total[kind]} | {result.recall(kind):.3f} |" for kind in kinds]
    languages = ", ".join(f"{lang} {n}" for lang, n in sorted(result.languages.items()))
    lines = [
        f"test set: {TEST_SET.relative_to(ROOT)}, {result.items} messages ({languages}), SHA-256 {sha256()}",
        "",
        "| type | values | recall |",
        "| --- | ---: | ---: |",
        *rows,
        f"| **all** | {sum(result.total.values())} | {result.recall():.3f} |",
        "",
        f"kept as they must: {'all' if not result.broken else len(result.broken)}",
        f"false positives on the NLU training lines: {len(changed)} of {len(nlu_lines())} ({rate:.2%})",
    ]
    lines += [f"  missed {m}" for m in result.missed] + [f"  lost {b}" for b in result.broken]
    lines += [f"  changed {c}" for c in changed]
    return "\n".join(lines)


def leniency_table() -> str:
    """Phone recall and false positives with each libphonenumber leniency (how it was chosen)."""
    from bot import privacy

    items = [i for i in load_items() if i["type"] in ("phone", "none")]
    lines = ["| leniency | phone recall | dates or amounts read as phones | NLU lines changed |", "| --- | ---: | ---: | ---: |"]
    saved = (privacy.PHONE_LENIENCY, privacy.PHONE_CUE_LENIENCY)
    try:
        for name in ("POSSIBLE", "VALID", "STRICT_GROUPING", "EXACT_GROUPING"):
            privacy.PHONE_LENIENCY = privacy.PHONE_CUE_LENIENCY = name
            result = measure(privacy.redact, items)
            rate, _changed = false_positives(privacy.redact)
            lines.append(f"| {name} | {result.recall('phone'):.3f} | {len(result.broken)} | {rate:.2%} |")
        privacy.PHONE_LENIENCY, privacy.PHONE_CUE_LENIENCY = saved
        result = measure(privacy.redact, items)
        rate, _changed = false_positives(privacy.redact)
        lines.append(f"| {saved[0]}, {saved[1]} after a word such as \"tel\" (chosen) | {result.recall('phone'):.3f} | "
                     f"{len(result.broken)} | {rate:.2%} |")
    finally:
        privacy.PHONE_LENIENCY, privacy.PHONE_CUE_LENIENCY = saved
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leniencies", action="store_true", help="compare libphonenumber's leniencies")
    args = parser.parse_args(argv)
    from bot.privacy import redact

    print(report(redact))
    if args.leniencies:
        print()
        print(leniency_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Held-out NLU evaluation: `python -m bot.tools.evaluate [--threshold 0.9]`.

Parses every example of `tests/nlu/<lang>.yml` (never trained on) with the trained model and reports,
per language, intent accuracy and macro-F1, and the intents most often confused. A prediction of
`nlu_fallback` (confidence too low) counts as `out_of_scope`: the user gets the same reply; for an
in-scope question it counts as an error. Writes
`results/nlu_evaluation.json` and `results/nlu_evaluation.md`. Exits non-zero when a required
language is below the threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ROOT / "tests" / "nlu"
RESULTS = ROOT / "results"
#: Languages that must reach the threshold; others (Russian) are reported only.
REQUIRED = ("uk", "nl", "fr", "en")


@dataclass(frozen=True)
class Example:
    lang: str
    text: str
    intent: str


def load_examples(folder: Path = HELD_OUT) -> list[Example]:
    """The held-out examples of every language file in `folder`."""
    examples = []
    for file in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for block in data.get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(file.stem, line[2:].strip(), block["intent"]))
    return examples


@dataclass
class LanguageReport:
    lang: str
    n: int
    accuracy: float
    macro_f1: float
    confusions: list[tuple[str, str, int]]
    errors: list[tuple[str, str, str]]


def score(examples: list[Example], predicted: list[str]) -> dict[str, LanguageReport]:
    """Accuracy, macro-F1 and confusions per language."""
    from sklearn.metrics import accuracy_score, f1_score

    reports = {}
    for lang in sorted({e.lang for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        gold = [examples[i].intent for i in idx]
        pred = [predicted[i] for i in idx]
        labels = sorted(set(gold))
        confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p)
        reports[lang] = LanguageReport(
            lang=lang,
            n=len(idx),
            accuracy=float(accuracy_score(gold, pred)),
            macro_f1=float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
            confusions=[(g, p, n) for (g, p), n in confusions.most_common(10)],
            errors=[(examples[i].text, examples[i].intent, predicted[i]) for i in idx if examples[i].intent != predicted[i]],
        )
    return reports


#: What the user gets for nlu_fallback is what they get for out_of_scope (the same action).
SAME_REPLY = {"nlu_fallback": "out_of_scope"}


async def predict(model_path: Path, texts: Iterable[str]) -> list[str]:
    """The intent the model predicts for each text (after the fallback classifier); a fallback
    counts as out_of_scope, since both get the same reply."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        name = (parsed.get("intent") or {}).get("name") or ""
        out.append(SAME_REPLY.get(name, name))
    return out


def markdown(reports: dict[str, LanguageReport], threshold: float) -> str:
    lines = [
        "| language | examples | accuracy | macro-F1 | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for lang, r in reports.items():
        target = f">= {threshold:.2f}" if lang in REQUIRED else "reported only"
        lines.append(f"| {lang} | {r.n} | {r.accuracy:.3f} | {r.macro_f1:.3f} | {target} |")
    lines.append("")
    lines.append("Most frequent confusions (expected -> predicted, count):")
    for lang, r in reports.items():
        pairs = ", ".join(f"{g} -> {p} ({n})" for g, p, n in r.confusions[:5]) or "none"
        lines.append(f"- {lang}: {pairs}")
    return "\n".join(lines)


def evaluate(model_path: Path, threshold: float = 0.9, out: Optional[Path] = RESULTS) -> dict[str, LanguageReport]:
    examples = load_examples()
    predicted = asyncio.run(predict(model_path, [e.text for e in examples]))
    reports = score(examples, predicted)
    if out is not None:
        out.mkdir(exist_ok=True)
        (out / "nlu_evaluation.json").write_text(
            json.dumps({k: v.__dict__ for k, v in reports.items()}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        (out / "nlu_evaluation.md").write_text(markdown(reports, threshold) + "\n", encoding="utf-8")
    return reports


def main(argv: Optional[list[str]] = None) -> int:
    from bot.tools.model import MODEL_PATH

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args(argv)
    reports = evaluate(args.model, args.threshold)
    print(markdown(reports, args.threshold))
    failing = [lang for lang in REQUIRED if lang in reports and reports[lang].accuracy < args.threshold]
    if failing:
        print(f"below {args.threshold}: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

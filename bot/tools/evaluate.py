"""Evaluation of the assistant on frozen test sets: `python -m bot.tools.evaluate [--split test|dev]`.

- NLU (`tests/nlu/<split>/<lang>.yml`): intent accuracy and macro-F1 per language, in-scope accuracy
  (the lines of every intent but out_of_scope), and the most frequent confusions. A prediction of
  `nlu_fallback` (confidence too low) counts as `out_of_scope`: the user gets the same reply.
- Out of scope (`tests/nlu/out_of_scope/<lang>.yml`, near misses, plus the out_of_scope lines of the
  NLU set), measured on what the person gets, not on the model's label: each message is put to the
  assistant and counts as refused when the reply is the fallback (what the assistant can do and the
  official websites) or "no verified information", with no fact shown and no question back.
  Recall: the share of out-of-scope messages refused; precision: the share of refusals that were out
  of scope, against the NLU set's in-scope lines (greetings and other small talk included).
- Answers (`tests/answers/<split>/<lang>.yml`): each question is put to the assistant as a person
  would (the model reads it, the rules pick the action, the region is given when asked) and the facts
  it shows are compared with the facts that answer it: top-1 (the first fact shown answers) and top-3
  (one of the facts shown answers; an answer shows at most three).

The test split is frozen: never trained or tuned on; its SHA-256 digests are in the README next to
the figures, and tests/test_frozen_sets.py fails when a file changes without the README being
re-measured. Tune on the dev split. Writes results/evaluation.{json,md}; exits non-zero when a target
is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_SETS = ROOT / "tests" / "nlu"
ANSWER_SETS = ROOT / "tests" / "answers"
RESULTS = ROOT / "results"
#: Languages that must reach the targets; others (Russian, in the dev split) are reported only.
REQUIRED = ("uk", "nl", "fr", "en")

#: Targets (issue "Answer the question that was asked").
TARGETS = {"accuracy": 0.90, "in_scope_accuracy": 0.90, "oos_recall": 0.85, "top1": 0.85, "top3": 0.95}

#: The levels measured on the frozen test split (README), less two out-of-scope lines or two answer
#: questions: `make test` fails below them. Out-of-scope recall in three languages and answer
#: retrieval in most languages are still below TARGETS; these floors keep a change from making them
#: worse unnoticed. Raised on 2 December 2026 where the figures rose (where a target is met, the floor
#: is the target). Lowered once, by the same rule, where the second round of example questions cost
#: out-of-scope lines: French 0.76 -> 0.74 (measured 0.760), Ukrainian 0.83 -> 0.82 (0.840). Raise
#: them when the figures are measured again.
FLOORS = {
    "en": {"oos_recall": 0.85, "top1": 0.85, "top3": 0.95},
    "fr": {"oos_recall": 0.75, "top1": 0.85, "top3": 0.95},
    "nl": {"oos_recall": 0.83, "top1": 0.85, "top3": 0.90},
    "uk": {"oos_recall": 0.82, "top1": 0.85, "top3": 0.85},
}

#: What the user gets for nlu_fallback is what they get for out_of_scope (the same action).
SAME_REPLY = {"nlu_fallback": "out_of_scope"}


@dataclass(frozen=True)
class Example:
    lang: str
    text: str
    intent: str


def load_examples(folder: Path) -> list[Example]:
    """The examples of every language file in `folder` (Rasa NLU YAML)."""
    examples = []
    for file in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(file.stem, line[2:].strip(), block["intent"]))
    return examples


@dataclass(frozen=True)
class AnswerCase:
    lang: str
    question: str
    expect: tuple[str, ...]
    region: Optional[str] = None
    known_region: bool = False
    kind: str = "other"


def load_answer_cases(folder: Path) -> list[AnswerCase]:
    cases = []
    for file in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for item in data.get("questions") or []:
            cases.append(
                AnswerCase(
                    lang=file.stem,
                    question=str(item["q"]),
                    expect=tuple(item["expect"]),
                    region=item.get("region"),
                    known_region=bool(item.get("known_region", False)),
                    kind=str(item.get("type", "other")),
                )
            )
    return cases


def digests(paths: Iterable[Path]) -> dict[str, str]:
    """SHA-256 of each file, by path relative to the repository."""
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def frozen_files() -> list[Path]:
    """The frozen test files: the NLU test set, the out-of-scope set, the answer test set."""
    return sorted(
        [*(NLU_SETS / "test").glob("*.yml"), *(NLU_SETS / "out_of_scope").glob("*.yml"), *(ANSWER_SETS / "test").glob("*.yml")]
    )


# -- NLU -----------------------------------------------------------------------------------------


@dataclass
class NluReport:
    lang: str
    n: int
    accuracy: float
    macro_f1: float
    in_scope_accuracy: float
    confusions: list[tuple[str, str, int]]
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def score_nlu(examples: list[Example], predicted: list[str]) -> dict[str, NluReport]:
    from sklearn.metrics import accuracy_score, f1_score

    reports = {}
    for lang in sorted({e.lang for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        gold = [examples[i].intent for i in idx]
        pred = [predicted[i] for i in idx]
        in_scope = [(g, p) for g, p in zip(gold, pred) if g != "out_of_scope"]
        confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p)
        reports[lang] = NluReport(
            lang=lang,
            n=len(idx),
            accuracy=float(accuracy_score(gold, pred)),
            macro_f1=float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)),
            in_scope_accuracy=sum(g == p for g, p in in_scope) / max(len(in_scope), 1),
            confusions=[(g, p, n) for (g, p), n in confusions.most_common(10)],
            errors=[(examples[i].text, examples[i].intent, predicted[i]) for i in idx if examples[i].intent != predicted[i]],
        )
    return reports


@dataclass
class OosReport:
    lang: str
    out_of_scope: int
    in_scope: int
    recall: float
    precision: float
    missed: list[tuple[str, str]] = field(default_factory=list)


REFUSED = "refused"


def score_oos(near_misses: list[Example], near_outcome: list[str], nlu: list[Example], nlu_outcome: list[str]) -> dict[str, OosReport]:
    """Recall and precision of refusals; `*_outcome` is REFUSED or what the assistant did instead."""
    reports = {}
    for lang in sorted({e.lang for e in near_misses} | {e.lang for e in nlu}):
        positives = [(e, p) for e, p in zip(near_misses, near_outcome) if e.lang == lang]
        positives += [(e, p) for e, p in zip(nlu, nlu_outcome) if e.lang == lang and e.intent == "out_of_scope"]
        negatives = [(e, p) for e, p in zip(nlu, nlu_outcome) if e.lang == lang and e.intent != "out_of_scope"]
        caught = sum(p == REFUSED for _, p in positives)
        false_alarms = sum(p == REFUSED for _, p in negatives)
        reports[lang] = OosReport(
            lang=lang,
            out_of_scope=len(positives),
            in_scope=len(negatives),
            recall=caught / max(len(positives), 1),
            precision=caught / max(caught + false_alarms, 1),
            missed=[(e.text, p) for e, p in positives if p != REFUSED],
        )
    return reports


async def predict(agent: Any, texts: Iterable[str]) -> list[str]:
    """The intent the model predicts for each text, as the user experiences it (a fallback counts
    as out_of_scope)."""
    from bot.payloads import guard_text

    out = []
    for text in texts:
        parsed = await agent.parse_message(guard_text(text))
        name = (parsed.get("intent") or {}).get("name") or ""
        out.append(SAME_REPLY.get(name, name))
    return out


async def outcomes(agent: Any, assistant: Any, texts: Iterable[str]) -> list[str]:
    """What each message gets as the first message of a conversation: REFUSED (the fallback or "no
    verified information", nothing shown, nothing asked back), else the action that answered."""
    from bot.tools.converse import OfflineConversation

    out = []
    for text in texts:
        exchange = await OfflineConversation(agent, assistant).say(text)
        kinds = {getattr(r, "kind", "message") for r in exchange.replies}
        refused = exchange.shown is None and "question" not in kinds and bool(kinds & {"fallback", "no_answer"})
        out.append(REFUSED if refused else exchange.action)
    return out


# -- answers -------------------------------------------------------------------------------------


@dataclass
class AnswerReport:
    lang: str
    n: int
    top1: float
    top3: float
    by_kind: dict[str, tuple[int, float, float]]
    misses: list[dict[str, Any]] = field(default_factory=list)


async def run_answer_case(agent: Any, assistant: Any, case: AnswerCase) -> tuple[list[str], list[str]]:
    """The facts the assistant shows for a question (giving the region when it asks), and what it said."""
    from bot.payloads import region_payload
    from bot.tools.converse import OfflineConversation

    conversation = OfflineConversation(agent, assistant, metadata={})
    if case.known_region and case.region:
        conversation.slots.update({"region": case.region, "language": case.lang})
    exchange = await conversation.say(case.question)
    said = [r.text for r in exchange.replies]
    if exchange.shown is None and case.region and any(getattr(r, "kind", "") == "question" for r in exchange.replies):
        exchange = await conversation.say(region_payload(case.region))
        said += [r.text for r in exchange.replies]
    shown = list(exchange.shown.fact_ids) if exchange.shown is not None else []
    return shown, said


def score_answers(cases: list[AnswerCase], shown: list[list[str]], said: list[list[str]]) -> dict[str, AnswerReport]:
    reports = {}
    for lang in sorted({c.lang for c in cases}):
        idx = [i for i, c in enumerate(cases) if c.lang == lang]
        # A question the knowledge cannot answer (expect: []) is answered well when no fact is shown.
        hits1 = {i: (not shown[i]) if not cases[i].expect else (bool(shown[i]) and shown[i][0] in cases[i].expect) for i in idx}
        hits3 = {i: (not shown[i]) if not cases[i].expect else any(f in cases[i].expect for f in shown[i][:3]) for i in idx}
        kinds: dict[str, tuple[int, float, float]] = {}
        for kind in sorted({cases[i].kind for i in idx}):
            k_idx = [i for i in idx if cases[i].kind == kind]
            kinds[kind] = (len(k_idx), sum(hits1[i] for i in k_idx) / len(k_idx), sum(hits3[i] for i in k_idx) / len(k_idx))
        reports[lang] = AnswerReport(
            lang=lang,
            n=len(idx),
            top1=sum(hits1.values()) / max(len(idx), 1),
            top3=sum(hits3.values()) / max(len(idx), 1),
            by_kind=kinds,
            misses=[
                {"q": cases[i].question, "expect": list(cases[i].expect), "shown": shown[i], "said": said[i][-1][:200] if said[i] else ""}
                for i in idx
                if not hits1[i]
            ],
        )
    return reports


# -- the whole evaluation ------------------------------------------------------------------------


def evaluate(model_path: Path, split: str = "test", out: Optional[Path] = RESULTS) -> dict[str, Any]:
    from bot.dialogue import default_assistant
    from bot.tools.converse import load_agent

    agent = load_agent(model_path)
    nlu_examples = load_examples(NLU_SETS / split)
    near = load_examples(NLU_SETS / ("out_of_scope" if split == "test" else "dev_out_of_scope"))
    cases = load_answer_cases(ANSWER_SETS / split)

    async def run() -> tuple[list[str], list[str], list[str], list[tuple[list[str], list[str]]]]:
        nlu_pred = await predict(agent, [e.text for e in nlu_examples])
        nlu_outcome = await outcomes(agent, default_assistant(), [e.text for e in nlu_examples])
        near_outcome = await outcomes(agent, default_assistant(), [e.text for e in near])
        answers = [await run_answer_case(agent, default_assistant(), c) for c in cases]
        return nlu_pred, nlu_outcome, near_outcome, answers

    nlu_pred, nlu_outcome, near_outcome, answers = asyncio.run(run())
    result = {
        "split": split,
        "nlu": {k: asdict(v) for k, v in score_nlu(nlu_examples, nlu_pred).items()},
        "out_of_scope": {k: asdict(v) for k, v in score_oos(near, near_outcome, nlu_examples, nlu_outcome).items()},
        "answers": {k: asdict(v) for k, v in score_answers(cases, [a[0] for a in answers], [a[1] for a in answers]).items()},
        "digests": digests(frozen_files()) if split == "test" else {},
    }
    if out is not None:
        out.mkdir(exist_ok=True)
        (out / f"evaluation_{split}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        (out / f"evaluation_{split}.md").write_text(markdown(result) + "\n", encoding="utf-8")
    return result


def failures(result: dict[str, Any]) -> list[str]:
    """Targets missed, one line each (only the languages in REQUIRED)."""
    missed = []
    for lang, r in result["nlu"].items():
        if lang in REQUIRED:
            for key in ("accuracy", "in_scope_accuracy"):
                if r[key] < TARGETS[key]:
                    missed.append(f"{lang}: NLU {key} {r[key]:.3f} < {TARGETS[key]}")
    for lang, r in result["out_of_scope"].items():
        if lang in REQUIRED and r["out_of_scope"] and r["recall"] < TARGETS["oos_recall"]:
            missed.append(f"{lang}: out-of-scope recall {r['recall']:.3f} < {TARGETS['oos_recall']}")
    for lang, r in result["answers"].items():
        if lang in REQUIRED:
            for key in ("top1", "top3"):
                if r[key] < TARGETS[key]:
                    missed.append(f"{lang}: answers {key} {r[key]:.3f} < {TARGETS[key]}")
    return missed


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Split: {result['split']}",
        "",
        "| language | NLU lines | accuracy | in-scope accuracy | macro-F1 | out-of-scope lines | fallback recall | fallback precision | answer questions | top-1 | top-3 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for lang in sorted(set(result["nlu"]) | set(result["answers"])):
        n = result["nlu"].get(lang)
        o = result["out_of_scope"].get(lang)
        a = result["answers"].get(lang)
        cells = [
            lang,
            str(n["n"]) if n else "-",
            f"{n['accuracy']:.3f}" if n else "-",
            f"{n['in_scope_accuracy']:.3f}" if n else "-",
            f"{n['macro_f1']:.3f}" if n else "-",
            str(o["out_of_scope"]) if o else "-",
            f"{o['recall']:.3f}" if o else "-",
            f"{o['precision']:.3f}" if o else "-",
            str(a["n"]) if a else "-",
            f"{a['top1']:.3f}" if a else "-",
            f"{a['top3']:.3f}" if a else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Most frequent NLU confusions (expected -> predicted, count):")
    for lang, r in result["nlu"].items():
        pairs = ", ".join(f"{g} -> {p} ({c})" for g, p, c in r["confusions"][:5]) or "none"
        lines.append(f"- {lang}: {pairs}")
    if result["answers"]:
        lines.append("")
        lines.append("Answers by kind of question (questions, top-1, top-3):")
        for lang, r in result["answers"].items():
            kinds = "; ".join(f"{k} {n} {t1:.2f}/{t3:.2f}" for k, (n, t1, t3) in r["by_kind"].items())
            lines.append(f"- {lang}: {kinds}")
    if result.get("digests"):
        lines.append("")
        lines.append("Frozen files (SHA-256):")
        for path, digest in result["digests"].items():
            lines.append(f"- `{path}` `{digest}`")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    from bot.tools.model import MODEL_PATH

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    args = parser.parse_args(argv)
    result = evaluate(args.model, args.split)
    print(markdown(result))
    missed = failures(result)
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Personal data removal measured on the frozen test set (tests/privacy/pii.yml) and on the NLU
training lines; the README's privacy figures are those of this file and this code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.privacy import redact
from bot.tools import privacy_eval

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LANGUAGES = ("uk", "nl", "fr", "en")


@pytest.fixture(scope="module")
def measured():  # type: ignore[no-untyped-def]
    return privacy_eval.measure(redact)


def test_the_test_set_covers_every_type_in_the_four_languages() -> None:
    items = privacy_eval.load_items()
    assert len(items) >= 100
    for lang in LANGUAGES:
        assert sum(1 for i in items if i["lang"] == lang) >= 20, lang
    kinds = {i["type"] for i in items}
    assert {"phone", "email", "iban", "national-number", "document", "name", "address", "birth-date", "none"} <= kinds
    for item in items:
        assert set(item) <= {"lang", "type", "text", "remove", "keep"}, item
        for value in item.get("remove") or []:
            assert value in item["text"], item
        for value in item.get("keep") or []:
            assert value in item["text"], item
        assert bool(item.get("remove")) == (item["type"] != "none"), item


def test_recall_is_at_least_95_percent_and_nothing_that_must_stay_is_lost(measured) -> None:
    assert measured.recall() >= 0.95, "\n".join(measured.missed)
    for kind in measured.total:
        assert measured.recall(kind) >= 0.8, (kind, [m for m in measured.missed if m.startswith(kind)])
    assert not measured.broken, "\n".join(measured.broken)


def test_at_most_one_percent_of_the_nlu_training_lines_is_changed() -> None:
    rate, changed = privacy_eval.false_positives(redact)
    assert rate <= 0.01, "\n".join(changed)


def test_the_readme_gives_this_test_sets_checksum() -> None:
    """Changing the test set means measuring again: the README names the file's SHA-256."""
    digest = privacy_eval.sha256()
    assert digest in README, (
        f"tests/privacy/pii.yml changed (SHA-256 {digest}): run `python -m bot.tools.privacy_eval` and put its "
        "figures and checksum in the README's privacy section"
    )


def test_the_readme_figures_are_the_measured_ones(measured) -> None:
    section = README[README.index("### Personal data: what is removed") :]
    for kind, total in measured.total.items():
        row = re.search(rf"^\| {re.escape(kind)} \| (\d+) \| ([\d.]+) \|", section, re.M)
        assert row, f"no README row for {kind}"
        assert (int(row.group(1)), row.group(2)) == (total, f"{measured.recall(kind):.3f}"), (
            f"{kind}: README says {row.group(1)} values, recall {row.group(2)}; measured {total}, "
            f"{measured.recall(kind):.3f}: run `python -m bot.tools.privacy_eval` and update the README"
        )
    overall = re.search(r"^\| \*\*all\*\* \| (\d+) \| ([\d.]+) \|", section, re.M)
    assert overall and overall.group(2) == f"{measured.recall():.3f}"

"""The frozen test sets: intent accuracy, out-of-scope recall and answer retrieval reach their targets
in every language (`make evaluate` prints the same figures; the README records them)."""

from __future__ import annotations

import pytest

from bot.tools.evaluate import REQUIRED, TARGETS, evaluate
from bot.tools.model import MODEL_PATH


@pytest.fixture(scope="module")
def result():
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run the README's test command (it trains first)")
    return evaluate(MODEL_PATH, "test", out=None)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", REQUIRED)
def test_intent_accuracy(result, lang: str) -> None:
    report = result["nlu"][lang]
    assert report["n"] >= 15 * 22
    assert report["in_scope_accuracy"] >= TARGETS["in_scope_accuracy"], f"{lang}: {report['confusions'][:5]}"
    assert report["accuracy"] >= TARGETS["accuracy"], f"{lang}: {report['confusions'][:5]}"


@pytest.mark.parametrize("lang", REQUIRED)
def test_out_of_scope_recall(result, lang: str) -> None:
    report = result["out_of_scope"][lang]
    assert report["out_of_scope"] >= 60
    assert report["recall"] >= TARGETS["oos_recall"], f"{lang}: recall {report['recall']:.3f}"


@pytest.mark.parametrize("lang", REQUIRED)
def test_answer_retrieval(result, lang: str) -> None:
    report = result["answers"][lang]
    assert report["n"] >= 40
    assert report["top1"] >= TARGETS["top1"], f"{lang}: top-1 {report['top1']:.3f}"
    assert report["top3"] >= TARGETS["top3"], f"{lang}: top-3 {report['top3']:.3f}"

"""The held-out evaluation: intent accuracy of at least 0.90 in every language."""

from __future__ import annotations

import pytest

from bot.tools.evaluate import REQUIRED, evaluate
from bot.tools.model import MODEL_PATH

THRESHOLD = 0.90


@pytest.fixture(scope="module")
def reports():
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run the README's test command (it trains first)")
    return evaluate(MODEL_PATH, THRESHOLD)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("lang", REQUIRED)
def test_accuracy_per_language(reports, lang: str) -> None:
    report = reports[lang]
    assert report.n >= 15 * 20
    assert report.accuracy >= THRESHOLD, f"{lang}: accuracy {report.accuracy:.3f}; confusions {report.confusions[:5]}"

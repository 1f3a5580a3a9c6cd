"""The training data: enough varied examples per intent and language, and a held-out set kept apart."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("uk", "nl", "fr", "en")
#: Intents only channels and the bot's buttons send (a sticker, a location, 👍/👎): never typed, so not trained.
PAYLOAD_ONLY = {"share_media", "share_location", "feedback", "more_about"}
DOMAIN_INTENTS = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]) - PAYLOAD_ONLY


def _examples(files) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for file in files:
        for block in yaml.safe_load(file.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    found[block["intent"]].append(line.strip()[2:])
    return found


def _norm(text: str) -> str:
    """The form the classifier sees (case, accents, apostrophes and digits folded), words only: two
    lines with the same form are the same example to the model."""
    from bot.nlu_features import normalize

    return re.sub(r"[^\w]+", " ", normalize(text)).strip()


#: Every set the model is measured on: the frozen test set, the out-of-scope sets, the dev split.
HELD_OUT = sorted((ROOT / "tests" / "nlu").glob("*/*.yml"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_intent_has_25_training_and_15_test_examples(lang: str) -> None:
    train = _examples(sorted((ROOT / "data" / "nlu" / lang).glob("*.yml")))
    test = _examples([ROOT / "tests" / "nlu" / "test" / f"{lang}.yml"])
    assert set(train) == DOMAIN_INTENTS and set(test) == DOMAIN_INTENTS
    for intent in DOMAIN_INTENTS:
        assert len(set(map(_norm, train[intent]))) >= 25, f"{lang}/{intent}: too few distinct training examples"
        assert len(set(map(_norm, test[intent]))) >= 15, f"{lang}/{intent}: too few distinct test examples"


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda p: str(p.relative_to(ROOT / "tests" / "nlu")))
def test_held_out_examples_are_not_in_the_training_data(path: Path) -> None:
    train = {_norm(t) for texts in _examples(sorted((ROOT / "data" / "nlu").glob("*/*.yml"))).values() for t in texts}
    test = [t for texts in _examples([path]).values() for t in texts]
    leaked = [t for t in test if _norm(t) in train]
    assert not leaked, f"held-out examples also trained on: {leaked}"


def test_the_duplicate_check_sees_lines_that_differ_only_in_digits_or_accents() -> None:
    assert _norm("Ik heb 2 kinderen") == _norm("ik heb 3 kinderen!")
    assert _norm("école à Liège") == _norm("ecole a liege")


def test_no_user_text_in_training_data_starts_with_a_slash() -> None:
    for texts in _examples(sorted((ROOT / "data" / "nlu").glob("*/*.yml"))).values():
        assert not [t for t in texts if t.startswith("/")]


@pytest.mark.timeout(300)
def test_rasa_data_validate_passes() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("rasa")), "data", "validate", "--data", "data/nlu", "data/rules",
         "data/stories", "--domain", "domain.yml", "--config", "config.yml", "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True, env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin",
                                                       "PYTHONPATH": str(ROOT), "HOME": str(Path.home())},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

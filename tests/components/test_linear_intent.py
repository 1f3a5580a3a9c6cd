"""The linear intent classifier as Rasa drives it: train, persist, load, process; saved as plain data."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_intent import (
    MODEL_ARRAYS,
    MODEL_JSON,
    LinearIntentClassifier,
    ModelFormatError,
    load_model,
    save_model,
)
from bot.nlu_features import build_pipeline, normalize

EXAMPLES = {
    "ask_housing": ["where can I find housing", "I need a place to live", "Де знайти житло?", "je cherche un logement",
                    "waar vind ik een woning", "housing for refugees", "шукаю квартиру", "un appartement à louer"],
    "ask_work": ["how do I find a job", "where can I work", "Як знайти роботу?", "je cherche du travail",
                 "hoe vind ik werk", "job offers for Ukrainians", "шукаю роботу", "travailler en Belgique"],
    "greet": ["hello", "hi there", "Привіт", "bonjour", "hallo", "good morning", "добрий день", "salut"],
}
QUERIES = ["I am looking for an apartment", "роботу", "bonjour à tous", "Hoe vind ik werk in Gent?", "???", "0470 12 34 56"]


def _training_data(examples: dict[str, list[str]]) -> TrainingData:
    return TrainingData([Message({TEXT: text, INTENT: intent}) for intent, texts in examples.items() for text in texts])


def _component(tmp_path: Path, config: dict | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "storage").mkdir(exist_ok=True)
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("linear_intent")
    context = ExecutionContext(GraphSchema({}), "test-model")
    config = {**LinearIntentClassifier.get_default_config(), **(config or {})}
    return LinearIntentClassifier.create(config, storage, resource, context), storage, resource, context, config


def _parse(component, texts: list[str]) -> list[tuple]:  # type: ignore[no-untyped-def]
    messages = component.process([Message({TEXT: t}) for t in texts])
    return [(m.get(INTENT), m.get(INTENT_RANKING_KEY)) for m in messages]


@pytest.fixture
def trained(tmp_path: Path):  # type: ignore[no-untyped-def]
    component, storage, resource, context, config = _component(tmp_path)
    component.train(_training_data(EXAMPLES))
    return component, storage, resource, context, config


def test_trained_classifier_finds_the_intents(trained) -> None:
    component = trained[0]
    (housing, ranking), (work, _), (greet, _) = _parse(component, ["I need an apartment to live", "шукаю роботу", "hello"])[:3]
    assert (housing["name"], work["name"], greet["name"]) == ("ask_housing", "ask_work", "greet")
    assert [r["name"] for r in ranking][0] == "ask_housing" and abs(sum(r["confidence"] for r in ranking) - 1) < 1e-9


def test_predictions_after_save_and_load_are_identical(trained) -> None:
    component, storage, resource, context, config = trained
    before = _parse(component, QUERIES)
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    after = _parse(loaded, QUERIES)
    assert after == before  # the same intents and the same confidences, to the last bit


def test_the_saved_model_is_plain_data(trained) -> None:
    _component, storage, resource, _context, _config = trained
    with storage.read_from(resource) as directory:
        names = sorted(p.name for p in Path(directory).iterdir())
        assert names == sorted([MODEL_JSON, MODEL_ARRAYS])
        with np.load(Path(directory) / MODEL_ARRAYS, allow_pickle=False) as arrays:
            assert all(arrays[key].dtype.kind == "f" for key in arrays.files)
        assert (Path(directory) / MODEL_JSON).read_bytes().startswith(b"{")


class _Payload:
    """Unpickling this creates a file: the proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_a_pickled_model_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    model_dir = tmp_path / "old"
    model_dir.mkdir()
    (model_dir / "linear_intent.joblib").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelFormatError, match="pickle"):
        load_model(model_dir)
    assert not marker.exists()


def test_arrays_holding_a_pickle_are_refused_without_running_it(trained, tmp_path: Path) -> None:
    _component, storage, resource, _context, _config = trained
    marker = tmp_path / "payload-ran"
    with storage.read_from(resource) as directory:
        directory = Path(directory)
        with np.load(directory / MODEL_ARRAYS) as stored:
            arrays = {key: stored[key] for key in stored.files}
        payload = np.empty(1, dtype=object)
        payload[0] = _Payload(marker)
        with (directory / MODEL_ARRAYS).open("wb") as handle:
            np.savez(handle, **{**arrays, "coef": payload})
        with pytest.raises(ModelFormatError):
            load_model(directory)
    assert not marker.exists()


def test_rasa_loading_a_pickled_model_fails_with_what_to_do(trained) -> None:
    _component, storage, resource, context, config = trained
    with storage.read_from(resource) as directory:
        for name in (MODEL_JSON, MODEL_ARRAYS):
            (Path(directory) / name).unlink()
        (Path(directory) / "linear_intent.joblib").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ModelFormatError, match="make train"):
        LinearIntentClassifier.load(config, storage, resource, context)


def test_two_intents_save_and_load(tmp_path: Path) -> None:
    component, storage, resource, context, config = _component(tmp_path)
    component.train(_training_data({k: EXAMPLES[k] for k in ("ask_housing", "greet")}))
    before = _parse(component, QUERIES)
    assert {r["name"] for r in before[0][1]} == {"ask_housing", "greet"}
    assert _parse(LinearIntentClassifier.load(config, storage, resource, context), QUERIES) == before


def test_one_intent_is_not_trained_and_answers_no_intent(tmp_path: Path) -> None:
    component, storage, resource, context, config = _component(tmp_path)
    component.train(_training_data({"greet": EXAMPLES["greet"]}))
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    assert _parse(loaded, ["hello"]) == [({"name": None, "confidence": 0.0}, [])]


def test_save_and_load_match_scikit_learn_on_the_project_data() -> None:
    """The real training data, saved and rebuilt: the same probabilities as the fitted pipeline."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    texts, labels = [], []
    for file in sorted((root / "data" / "nlu").glob("*/*.yml")):
        for block in yaml.safe_load(file.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    texts.append(normalize(line.strip()[2:]))
                    labels.append(block["intent"])
    pipeline = build_pipeline({})
    pipeline.fit(texts, np.array(labels))
    queries = [normalize(t) for t in ["Скільки триває тимчасовий захист?", "Waar kan ik Nederlands leren?", "merci", "xyz"]]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        save_model(pipeline, Path(folder))
        model = load_model(Path(folder))
    assert list(model.classes_) == list(pipeline.classes_)
    assert np.array_equal(model.predict_proba(queries), pipeline.predict_proba(queries))

"""The question model: which fact a question asks for, learnt from the example questions, kept in a
cache that is read without training (and without scikit-learn) when the knowledge has not changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.questions import QuestionModel, question_model
from bot.retrieval import Query, retriever_for

ROOT = Path(__file__).resolve().parents[1]


def _examples() -> dict:
    return {
        "housing.flanders.places": {"en": ["how many beds are there for refugees in Flanders", "number of reception places flanders"]},
        "duration.end": {"en": ["until when can we stay", "when does the protection end"]},
    }


def test_probabilities_over_the_facts_sum_to_one_and_follow_the_examples(small_knowledge: Path, tmp_path: Path) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(small_knowledge)
    model = question_model(kb.facts, _examples(), tmp_path / "cache")
    assert sorted(model.fact_ids) == sorted(f.id for f in kb.facts)
    p = model.scores("how long may we stay here?", "en")
    assert p.shape == (len(kb.facts),) and abs(float(p.sum()) - 1.0) < 1e-5
    assert model.fact_ids[int(np.argmax(p))] == "duration.end"
    p = model.scores("beds for refugees", "en")
    assert model.fact_ids[int(np.argmax(p))] == "housing.flanders.places"


def test_the_cache_is_read_when_the_knowledge_is_the_same_and_trained_again_when_it_changes(
    small_knowledge: Path, tmp_path: Path, monkeypatch
) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(small_knowledge)
    cache = tmp_path / "cache"
    first = question_model(kb.facts, _examples(), cache)
    assert len(list(cache.glob("*.npz"))) == 1

    def no_training(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("trained again although the cache holds this model")

    monkeypatch.setattr(QuestionModel, "train", classmethod(no_training))
    again = question_model(kb.facts, _examples(), cache)
    text = "until when is the protection valid?"
    assert np.allclose(first.scores(text, "en"), again.scores(text, "en"))
    monkeypatch.undo()
    changed = {**_examples(), "duration.end": {"en": ["end date of the protection"]}}
    question_model(kb.facts, changed, cache)
    assert len(list(cache.glob("*.npz"))) == 2


def test_a_damaged_cache_file_is_trained_again(small_knowledge: Path, tmp_path: Path) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(small_knowledge)
    cache = tmp_path / "cache"
    question_model(kb.facts, _examples(), cache)
    (file,) = cache.glob("*.npz")
    file.write_bytes(b"not a model")
    model = question_model(kb.facts, _examples(), cache)
    assert model.fact_ids[int(np.argmax(model.scores("when does the protection end", "en")))] == "duration.end"


def test_the_project_model_is_read_from_the_cache_without_scikit_learn(project_knowledge) -> None:
    """`make build` trains it; the action server and the staff page only read it (13 MB, numpy)."""
    from bot.retrieval import QUESTION_CACHE, load_example_questions

    question_model(project_knowledge.facts, load_example_questions(), QUESTION_CACHE)  # as `make build` does
    code = (
        "import sys; from bot.knowledge import load_knowledge; from bot.retrieval import Retriever; "
        "from bot.knowledge.provider import DEFAULT_KNOWLEDGE_PATH; "
        "r = Retriever(load_knowledge(DEFAULT_KNOWLEDGE_PATH)); assert r.question_model is not None; "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_question_naming_belgium_gets_the_national_figure_first(project_knowledge) -> None:
    retriever = retriever_for(project_knowledge)
    for text, lang in (("how many Ukrainians in Belgium?", "en"), ("Скільки українців у Бельгії?", "uk"),
                       ("Combien d'Ukrainiens en Belgique ?", "fr"), ("Hoeveel Oekraïners wonen er in België?", "nl")):
        hits = retriever.search(Query(text=text, lang=lang, prior={"statistics": 0.9}), limit=3)
        assert hits[0].fact.id == "statistics.national_register.belgium", (text, [h.fact.id for h in hits])


def test_without_a_cache_folder_nothing_is_written(small_knowledge: Path, tmp_path: Path, monkeypatch) -> None:
    from bot.knowledge import load_knowledge

    monkeypatch.chdir(tmp_path)
    kb = load_knowledge(small_knowledge)
    question_model(kb.facts, _examples(), None)
    assert not list(tmp_path.rglob("*.npz"))

"""The action server and the pages run without TensorFlow, JAX and PyTorch (bot.frameworks), and
still detect languages, find places and answer questions; training keeps them (the Rasa server
leaves them out too: tests/test_rasa_patches.py, change 'tensorflow')."""

from __future__ import annotations

from tests.test_rasa_patches import run_python


def test_the_action_server_answers_without_tensorflow_jax_or_pytorch() -> None:
    result = run_python("""
        import sys
        from bot import rasa_runtime
        rasa_runtime.prepare(["run", "actions", "--actions", "actions"])
        from bot.dialogue import warm_up
        assistant = warm_up()
        from bot.knowledge.provider import KnowledgeProvider
        from bot.retrieval import Query, retriever_for
        hits = retriever_for(KnowledgeProvider().get()).search(Query(text="Скільки триває тимчасовий захист?"))
        print(assistant.detector.detect("Where can my children learn Dutch after school?").language)
        print(assistant.gazetteer.resolve("Gent") is not None)
        print(hits[0].fact.topic)
        print(*sorted(m for m in ("tensorflow", "jax", "torch") if sys.modules.get(m) is not None) or ["none"])
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["en", "True", "protection_duration", "none"]


def test_training_keeps_tensorflow() -> None:
    result = run_python("""
        import sys
        from bot import rasa_runtime
        rasa_runtime.prepare(["train", "--fixed-model-name", "x"])
        import tensorflow
        print(sys.modules["tensorflow"] is not None)
    """)
    assert result.returncode == 0 and result.stdout.split() == ["True"], result.stderr[-2000:]

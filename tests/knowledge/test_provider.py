"""The knowledge provider reloads edited files in its own thread: a request is answered from the last
good knowledge while a reload runs, and never waits for it (checked by ordering, not by timing)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from bot.knowledge import provider as provider_module
from bot.knowledge.loader import KnowledgeError
from bot.knowledge.provider import KnowledgeProvider


def _edit(folder: Path, old: str, new: str) -> None:
    facts = folder / "facts.yml"
    text = facts.read_text(encoding="utf-8")
    assert old in text
    facts.write_text(text.replace(old, new, 1), encoding="utf-8")


def _places_text(kb) -> str:  # type: ignore[no-untyped-def]
    return kb.by_id["housing.flanders.places"].text["en"]


def test_requests_are_answered_from_the_last_good_knowledge_while_a_reload_runs(small_knowledge: Path, monkeypatch) -> None:
    real_load = provider_module.load_knowledge
    started, release = threading.Event(), threading.Event()
    loader_threads: list[str] = []

    def slow_load(path):  # type: ignore[no-untyped-def]
        loader_threads.append(threading.current_thread().name)
        if len(loader_threads) > 1:  # every reload after the first load waits to be released
            started.set()
            assert release.wait(60)
        return real_load(path)

    monkeypatch.setattr(provider_module, "load_knowledge", slow_load)
    provider = KnowledgeProvider(small_knowledge, check_interval=0.05)
    try:
        first = provider.get()
        assert _places_text(first) == "Flanders has {places} places."
        _edit(small_knowledge, "Flanders has {places} places.", "Flanders now has {places} places.")
        assert started.wait(30), "the watcher did not start a reload"
        # The reload is blocked in the loader; a request meanwhile gets the last good knowledge at once.
        for _ in range(3):
            assert provider.get() is first
        assert not release.is_set()
        assert loader_threads[1].startswith("knowledge-watch"), loader_threads  # not the caller's thread
        checks = provider.checks
        release.set()
        assert provider.wait_for_checks(checks + 1)
        assert _places_text(provider.get()) == "Flanders now has {places} places."
    finally:
        release.set()
        provider.close()


def test_a_broken_edit_is_refused_and_the_last_good_knowledge_serves(small_knowledge: Path, caplog) -> None:
    provider = KnowledgeProvider(small_knowledge, check_interval=0.05)
    try:
        first = provider.get()
        checks = provider.checks
        _edit(small_knowledge, "Flanders has {places} places.", "Flanders has 53450 places.")
        assert provider.wait_for_checks(checks + 2)
        assert provider.get() is first and isinstance(provider.last_error, KnowledgeError)
        assert "knowledge.reload.refused" in caplog.text and "housing.flanders.places" in caplog.text
        _edit(small_knowledge, "Flanders has 53450 places.", "Flanders has {places} places!")
        assert provider.wait_for_checks(provider.checks + 2)
        assert _places_text(provider.get()) == "Flanders has {places} places!" and provider.last_error is None
    finally:
        provider.close()


def test_broken_at_start_then_fixed_without_a_restart(small_knowledge: Path) -> None:
    _edit(small_knowledge, "region: flanders", "region: atlantis")
    provider = KnowledgeProvider(small_knowledge, check_interval=0.05)
    try:
        with pytest.raises(KnowledgeError):
            provider.get()
        with pytest.raises(KnowledgeError):
            provider.get()  # still broken: the same error, the files are not re-read
        _edit(small_knowledge, "region: atlantis", "region: flanders")
        assert provider.wait_for_checks(provider.checks + 2)
        assert len(provider.get().facts) == 3
    finally:
        provider.close()


def test_the_watcher_ends_with_its_provider(small_knowledge: Path) -> None:
    provider = KnowledgeProvider(small_knowledge, check_interval=0.05)
    provider.get()
    watcher = provider._watcher
    assert watcher is not None and watcher.is_alive()
    del provider
    gc.collect()
    watcher.join(30)
    assert not watcher.is_alive()


def test_without_watching_nothing_runs_in_the_background(small_knowledge: Path) -> None:
    provider = KnowledgeProvider(small_knowledge, watch=False)
    provider.get()
    assert provider._watcher is None


def test_new_knowledge_is_prepared_in_the_loading_thread_before_it_serves(small_knowledge: Path) -> None:
    """The action server builds the retriever (and its question model) of edited knowledge in the
    watcher thread: a request gets either the old knowledge or the new one with its retriever ready."""
    prepared: list[tuple[str, object]] = []
    provider = KnowledgeProvider(small_knowledge, check_interval=0.05,
                                 prepare=lambda kb: prepared.append((threading.current_thread().name, kb)))
    try:
        first = provider.get()
        assert prepared == [(threading.current_thread().name, first)]
        checks = provider.checks
        _edit(small_knowledge, "Flanders has {places} places.", "Flanders now has {places} places.")
        assert provider.wait_for_checks(checks + 1)
        while provider.get() is first:
            assert provider.wait_for_checks(provider.checks + 1)
        assert prepared[-1][0].startswith("knowledge-watch") and prepared[-1][1] is provider.get()
    finally:
        provider.close()


def test_a_failing_preparation_does_not_stop_valid_knowledge(small_knowledge: Path, caplog) -> None:
    def fail(kb):  # type: ignore[no-untyped-def]
        raise RuntimeError("no memory left")

    provider = KnowledgeProvider(small_knowledge, watch=False, prepare=fail)
    try:
        assert _places_text(provider.get()) == "Flanders has {places} places."
        assert "knowledge.prepare.failure" in caplog.text
    finally:
        provider.close()

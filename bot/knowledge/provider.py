"""The knowledge a running server answers from, reloaded when its files change.

Staff edit `data/knowledge/*.yml` while the assistant runs. A watcher thread looks at the files (names,
sizes and modification times) every `check_interval` seconds; when they change it validates the new
files and swaps them in whole, in that thread: a request never waits for a reload (about 0.3 s) and
is answered from the last good knowledge meanwhile. A broken edit is refused and logged, and the last
good knowledge keeps serving. Only the very first load, when there is nothing to serve yet, is done
by the caller (at start-up: the action server, the staff page and the Rasa server load it then).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path
from typing import Callable, Optional, Union

from bot.knowledge.loader import KnowledgeBase, KnowledgeError, knowledge_files, load_knowledge

logger = logging.getLogger(__name__)

DEFAULT_KNOWLEDGE_PATH = Path(__file__).resolve().parents[2] / "data" / "knowledge"


def _fingerprint(path: Path) -> tuple:
    entries = []
    for file in knowledge_files(path):
        try:
            stat = file.stat()
        except FileNotFoundError:
            continue
        entries.append((str(file), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _watch(provider_ref: "weakref.ref[KnowledgeProvider]", stop: threading.Event, interval: float) -> None:
    """The watcher thread: ends when the provider is closed or garbage-collected."""
    while not stop.wait(interval):
        provider = provider_ref()
        if provider is None:
            return
        try:
            provider.check_now()
        except Exception:  # noqa: BLE001 - the watcher must survive anything a file edit does
            logger.exception("knowledge.watch.failure")
        del provider


class KnowledgeProvider:
    """Holds the current knowledge base; a watcher thread reloads it when the files change."""

    def __init__(
        self,
        path: Union[str, Path, None] = None,
        check_interval: float = 2.0,
        watch: bool = True,
        prepare: Optional[Callable[[KnowledgeBase], object]] = None,
    ) -> None:
        self.path = Path(path or os.environ.get("BOT_KNOWLEDGE_PATH") or DEFAULT_KNOWLEDGE_PATH)
        #: Called with new knowledge before it is swapped in (in the loading thread): the action
        #: server and the staff page build its retriever there, so no request waits for it.
        self.prepare = prepare
        self.check_interval = check_interval
        self.watch = watch
        self._lock = threading.Lock()  # held only to swap, never while loading
        self._loading = threading.Lock()  # one load at a time
        self._kb: Optional[KnowledgeBase] = None
        self._fingerprint: tuple = ()
        self.last_error: Optional[KnowledgeError] = None
        self._watcher: Optional[threading.Thread] = None
        self._watcher_pid = 0
        self._stop = threading.Event()
        #: Set each time a check finished (loaded, refused or unchanged): tests wait on it.
        self.checked = threading.Condition()
        self.checks = 0

    # ----------------------------------------------------------------------------------- reading

    def get(self) -> KnowledgeBase:
        """The current knowledge, without waiting for a reload. Loads it the first time (raises if
        that fails, and again while the files stay broken)."""
        self._ensure_watcher()
        kb = self._kb
        if kb is not None:
            return kb
        self.check_now()
        if self._kb is None:
            assert self.last_error is not None
            raise self.last_error
        return self._kb

    def load_now(self) -> KnowledgeBase:
        """Load at start-up (in the calling thread) and start watching; raises if the files are broken."""
        return self.get()

    # ---------------------------------------------------------------------------------- checking

    def check_now(self) -> bool:
        """Look at the files and reload them if they changed, in the calling thread; True if the
        knowledge was replaced."""
        with self._loading:
            replaced = self._check()
        with self.checked:
            self.checks += 1
            self.checked.notify_all()
        return replaced

    def _check(self) -> bool:
        fingerprint = _fingerprint(self.path)
        if fingerprint == self._fingerprint and (self._kb is not None or self.last_error is not None):
            return False
        try:
            kb = load_knowledge(self.path)
        except KnowledgeError as exc:
            with self._lock:
                self._fingerprint = fingerprint  # do not re-read the same broken files every time
                self.last_error = exc
            if self._kb is None:
                logger.error("knowledge.load.refused: %s; the assistant cannot answer until it is fixed", exc)
            else:
                logger.error(
                    "knowledge.reload.refused: %s; still serving the last good knowledge (%d facts)",
                    exc, len(self._kb.facts),
                )
            return False
        if self.prepare is not None:
            try:
                self.prepare(kb)
            except Exception:  # noqa: BLE001 - the knowledge is valid; what is not prepared is built on use
                logger.exception("knowledge.prepare.failure")
        with self._lock:
            changed = self._kb is not None
            self._kb, self._fingerprint, self.last_error = kb, fingerprint, None
        logger.info(
            "knowledge.%s: %d facts, %d websites from %s",
            "reloaded" if changed else "loaded", len(kb.facts), len(kb.websites), self.path,
        )
        return True

    def wait_for_checks(self, count: int, timeout: float = 60) -> bool:
        """Wait until `count` checks have finished in all (for tests and tools)."""
        with self.checked:
            return self.checked.wait_for(lambda: self.checks >= count, timeout)

    # ---------------------------------------------------------------------------------- watching

    def _ensure_watcher(self) -> None:
        if not self.watch or self._stop.is_set():
            return
        pid = os.getpid()
        if self._watcher is not None and self._watcher_pid == pid and self._watcher.is_alive():
            return
        if self._watcher_pid and self._watcher_pid != pid:
            # Forked while the parent's watcher may have held a lock: this process gets its own.
            self._lock, self._loading, self.checked = threading.Lock(), threading.Lock(), threading.Condition()
        with self._lock:
            if self._watcher is not None and self._watcher_pid == pid and self._watcher.is_alive():
                return
            # A new process (Sanic forks its workers) has no thread of its parent: start its own.
            self._watcher_pid = pid
            self._watcher = threading.Thread(
                target=_watch, args=(weakref.ref(self), self._stop, self.check_interval),
                name=f"knowledge-watch:{self.path.name}", daemon=True,
            )
            self._watcher.start()

    def close(self) -> None:
        """Stop watching the files."""
        self._stop.set()

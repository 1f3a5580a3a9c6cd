"""The knowledge a running server answers from, reloaded when its files change.

Staff edit `data/knowledge/*.yml` while the assistant runs. The provider notices a change (file names,
sizes and modification times, checked at most every `check_interval` seconds), validates the new files
and swaps them in whole. A broken edit is refused and logged, and the last good knowledge keeps serving.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Optional, Union

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


class KnowledgeProvider:
    """Holds the current knowledge base and reloads it when the files change."""

    def __init__(self, path: Union[str, Path, None] = None, check_interval: float = 2.0) -> None:
        self.path = Path(path or os.environ.get("BOT_KNOWLEDGE_PATH") or DEFAULT_KNOWLEDGE_PATH)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._kb: Optional[KnowledgeBase] = None
        self._fingerprint: tuple = ()
        self._checked_at = 0.0
        self.last_error: Optional[KnowledgeError] = None

    def get(self) -> KnowledgeBase:
        """The current knowledge; loads it the first time (raises if the first load fails)."""
        now = time.monotonic()
        if self._kb is not None and now - self._checked_at < self.check_interval:
            return self._kb
        with self._lock:
            self._checked_at = now
            fingerprint = _fingerprint(self.path)
            if self._kb is not None and fingerprint == self._fingerprint:
                return self._kb
            try:
                kb = load_knowledge(self.path)
            except KnowledgeError as exc:
                self._fingerprint = fingerprint  # do not re-read the same broken files every call
                self.last_error = exc
                if self._kb is None:
                    logger.error("knowledge.load.refused: %s; the assistant cannot answer until it is fixed", exc)
                    raise
                logger.error(
                    "knowledge.reload.refused: %s; still serving the last good knowledge (%d facts)",
                    exc,
                    len(self._kb.facts),
                )
                return self._kb
            changed = self._kb is not None
            self._kb, self._fingerprint, self.last_error = kb, fingerprint, None
            logger.info(
                "knowledge.%s: %d facts, %d websites from %s",
                "reloaded" if changed else "loaded",
                len(kb.facts),
                len(kb.websites),
                self.path,
            )
            return kb

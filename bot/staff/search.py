"""Search in the knowledge for helpline staff: by words in any of the four languages, topic and region.

Each fact is indexed with its text in all four languages, its topic and region names, its source
section and its values, so a query in Ukrainian finds the same facts as one in Dutch. Words are
reduced to rough stems (case and Latin accents folded, Cyrillic verb prefixes and case endings and
common Dutch, French and English endings removed) and ranked with BM25.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from bot.i18n import translator
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact
from bot.knowledge.render import render_text
from bot.languages import LANGUAGES

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_CYRILLIC_ENDINGS = sorted(
    "ями ами ові еві ого ому ими ій ий ої ою ею ом ем ах ях ів ам ям ія ії ію ия ии ию ой ей ых ые "
    "ы и а я у ю і ї е є о ь й".split(),
    key=len,
    reverse=True,
)
_CYRILLIC_PREFIXES = ("пере", "від", "за", "по", "ви", "з")
_LATIN_ENDINGS = sorted("ingen ing ions ion ées ée es en er s e".split(), key=len, reverse=True)
#: Words too common to help a search.
_STOP = frozenset(
    "the and for with from that this what how are was were have has into about where when which who "
    "de het een van en in op te voor met aan bij uit zijn wordt werd ook die dat er hoe wat waar "
    "le la les des du un une et en au aux pour par sur dans est sont qui que quoi comment où "
    "та і й в у на до з із за про що як де коли це є від для чи або "
    "и в на с по что как где это для или".split()
)


def stem(word: str) -> str:
    """A rough stem shared by a word's inflected forms."""
    word = word.casefold().replace("ё", "е").replace("ґ", "г")
    if _CYRILLIC.search(word):
        # Verbs take prefixes the nouns of the facts do not ("зареєструватися", "реєстрація"):
        # a long word loses one, then its ending, and six letters are kept.
        for prefix in _CYRILLIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 6:
                word = word[len(prefix):]
                break
        for ending in _CYRILLIC_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
        return word[:6]
    word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    for ending in _LATIN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            word = word[: -len(ending)]
            break
    return word[:8]


def terms(text: str) -> list[str]:
    """The search terms of a text."""
    return [stem(w) for w in _WORD.findall(text) if w.casefold() not in _STOP and (len(w) > 1 or w.isdigit())]


@dataclass(frozen=True)
class Hit:
    fact: Fact
    score: float


NLU_DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "nlu"


class TopicPrior:
    """How likely a query is about each topic, from a classifier trained on the assistant's own
    training examples (the questions people ask, in five languages): "how many Ukrainians" finds the
    figures although no fact says "how many"."""

    def __init__(self, examples: dict[str, list[str]]) -> None:
        from bot.nlu_features import build_pipeline, normalize
        from bot.taxonomy import INTENT_TOPICS

        texts, labels = [], []
        for intent, lines in examples.items():
            for line in lines:
                texts.append(normalize(line))
                labels.append(INTENT_TOPICS.get(intent, "other"))
        self._normalize = normalize
        self._pipeline = build_pipeline({})
        self._pipeline.fit(texts, __import__("numpy").array(labels))

    @classmethod
    def from_training_data(cls, folder=NLU_DATA) -> "TopicPrior":  # type: ignore[no-untyped-def]
        import yaml

        examples: dict[str, list[str]] = {}
        for file in sorted(folder.glob("*/*.yml")):
            for block in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu") or []:
                lines = str(block.get("examples", "")).splitlines()
                examples.setdefault(block["intent"], []).extend(l.strip()[2:] for l in lines if l.strip().startswith("- "))
        return cls(examples)

    def scores(self, query: str) -> dict[str, float]:
        """The probability of each topic for a query."""
        probabilities = self._pipeline.predict_proba([self._normalize(query)])[0]
        return {str(topic): float(p) for topic, p in zip(self._pipeline.classes_, probabilities)}


class FactIndex:
    """A BM25 index over the facts of one knowledge base (rebuilt when the knowledge changes)."""

    def __init__(
        self, kb: KnowledgeBase, prior: Optional[TopicPrior] = None, k1: float = 1.2, b: float = 0.75
    ) -> None:
        from bot.taxonomy import TOPIC_TITLES, WHERE

        self.kb = kb
        self.prior = prior
        self.k1, self.b = k1, b
        self._docs: list[Counter] = []
        for fact in kb.facts:
            parts = [fact.id.replace(".", " ").replace("_", " ")]
            for lang in LANGUAGES:
                _ = translator(lang)
                parts.append(render_text(fact.text[lang], fact.values, lang))
                parts.append(_(TOPIC_TITLES[fact.topic]))
                parts.append(_(WHERE[fact.region]))
                source = kb.sources[fact.source.doc]
                if fact.source.section:
                    parts.append(source.sections[fact.source.section][lang])
            parts.extend(str(v.value) for v in fact.values.values() if v.kind in ("text", "url"))
            self._docs.append(Counter(terms(" ".join(parts))))
        self._lengths = [sum(d.values()) for d in self._docs]
        self._average = sum(self._lengths) / max(len(self._lengths), 1)
        frequency: Counter = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def search(
        self,
        query: str = "",
        topic: Optional[str] = None,
        region: Optional[str] = None,
        include_history: bool = True,
        limit: int = 20,
    ) -> list[Hit]:
        """Facts matching the words (all facts when there are none), best first."""
        wanted = terms(query)
        topics = self.prior.scores(query) if (self.prior and wanted) else {}
        lexical: list[tuple[Fact, float]] = []
        for fact, doc, length in zip(self.kb.facts, self._docs, self._lengths):
            if topic and fact.topic != topic:
                continue
            if region and fact.region != region:
                continue
            if not include_history and not fact.current:
                continue
            score = 0.0
            for term in wanted:
                tf = doc.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self._average)
                    score += self._idf[term] * tf * (self.k1 + 1) / norm
            lexical.append((fact, score))
        best = max((score for _, score in lexical), default=0.0) or 1.0
        hits = []
        for fact, score in lexical:
            # Words matched (relative to the best match) and the query's topic as people ask it, with
            # equal weight: a heavier prior let the topic outrank a rare exact word ("Statbel"), a
            # lighter one lost the figures for "how many Ukrainians" (tests/staff/test_search.py).
            combined = score / best + 1.0 * topics.get(fact.topic, 0.0)
            if wanted and combined < 0.15:
                continue
            if not fact.current:
                combined *= 0.5  # history after what is valid now
            hits.append(Hit(fact, combined))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def search_facts(kb: KnowledgeBase, query: str, **filters: object) -> list[Hit]:
    """One-off search (builds an index; keep a FactIndex for many queries)."""
    return FactIndex(kb, TopicPrior.from_training_data()).search(query, **filters)  # type: ignore[arg-type]


def stale_facts(kb: KnowledgeBase, max_age_days: int, today: Optional[object] = None) -> list[Fact]:
    """Current facts whose as-of date is older than `max_age_days`, oldest first."""
    import datetime as dt

    day = today if isinstance(today, dt.date) else dt.date.today()
    old = [f for f in kb.facts if f.current and (day - f.as_of.date).days > max_age_days]
    return sorted(old, key=lambda f: (f.as_of.date, f.id))


__all__ = ["FactIndex", "Hit", "search_facts", "stale_facts", "stem", "terms"]

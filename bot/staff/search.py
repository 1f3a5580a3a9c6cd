"""Search in the knowledge for helpline staff: by words in any of the four languages, topic and region.

The same retriever as the assistant's (bot.retrieval): every fact's text in the four languages, its
keywords, topic titles and names, matched whatever the query's language, ranked with BM25 and the
kind of question (how/where questions find what to do first, how-many questions the figures). The
topic prior comes from a classifier trained on the assistant's own training examples, since staff
queries do not pass through the Rasa model.
"""

from __future__ import annotations

from typing import Optional

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact
from bot.retrieval import Hit, Query, Retriever, retriever_for

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
    """The staff search over one knowledge base (the assistant's retriever, built once per knowledge)."""

    def __init__(self, kb: KnowledgeBase, prior: Optional[TopicPrior] = None, retriever: Optional[Retriever] = None) -> None:
        self.kb = kb
        self.prior = prior
        self.retriever = retriever or retriever_for(kb)

    def search(
        self,
        query: str = "",
        topic: Optional[str] = None,
        region: Optional[str] = None,
        include_history: bool = True,
        limit: int = 20,
    ) -> list[Hit]:
        """Facts matching the words (all facts of the filters when there are none), best first."""
        has_words = bool(self.retriever.query_terms(query)) or bool(query.strip())
        prior = self.prior.scores(query) if (self.prior and query.strip()) else {}
        hits = self.retriever.search(
            Query(text=query, prior=prior),
            topic=topic,
            regions={region} if region else None,
            include_history=include_history,
            limit=len(self.kb.facts),
            min_score=-1.0,
        )
        if has_words:
            # Only facts the words point to, or that the query's topic makes likely.
            hits = [h for h in hits if h.lexical > 0 or h.prior >= 0.15]
        return hits[:limit]


def search_facts(kb: KnowledgeBase, query: str, **filters: object) -> list[Hit]:
    """One-off search (builds an index; keep a FactIndex for many queries)."""
    return FactIndex(kb, TopicPrior.from_training_data()).search(query, **filters)  # type: ignore[arg-type]


def stale_facts(
    kb: KnowledgeBase, max_age_days: int, today: Optional[object] = None, recorded: Optional[dict] = None
) -> list[Fact]:
    """Current facts not verified for more than `max_age_days` days, guidance first (the facts of
    bot.staff.verified.stale_report; `recorded`: verifications made on the staff page)."""
    import datetime as dt

    from bot.staff.verified import stale_report

    day = today if isinstance(today, dt.date) else None
    return [row.fact for row in stale_report(kb, recorded or {}, max_age_days, day)]


__all__ = ["FactIndex", "Hit", "TopicPrior", "search_facts", "stale_facts"]

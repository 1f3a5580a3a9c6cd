"""Which fact a question asks for, learnt from the example questions.

BM25 (bot/retrieval.py) ranks the facts by the words a question shares with them, each word weighted by
how rare it is in the whole knowledge file. It does not learn which words tell one fact from the facts
closest to it. The question model does: a linear support vector machine (scikit-learn's LinearSVC) trained on every fact's example
questions (data/retrieval/, about five per fact and language), its texts and its keywords, in the four
languages, over two kinds of features:

- the words' index terms, as the retriever reads them (stems, Ukrainian lemmas, coarse forms);
- character n-grams (3 and 4 letters, within words), which catch inflections, compounds and typos
  that the stems miss ("соцжитло", "huurwaarborglening").

Its probabilities (a softmax of the decision scores) are added to the retriever's score with
`Weights.question`. Measured on dev questions it was not trained on: on the 192 fresh ones of
2 December 2026, top-1/top-3 0.776/0.880 without it, 0.833/0.896 with it.

Training takes a few seconds and imports scikit-learn (about 35 MB), so the trained weights are kept
in `models/questions/<fingerprint>.npz` (float16, about 13 MB) and read with numpy alone: `make build`
trains them for the project's knowledge; a knowledge file edited while the assistant runs is trained
for in the thread that reloads it (`KnowledgeProvider(prepare=...)`), never in a request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from bot.knowledge.model import Fact
from bot.knowledge.render import render_text
from bot.languages import LANGUAGES

logger = logging.getLogger(__name__)

#: Changes whenever the features or the training change: older files are not read.
VERSION = 1
#: Files of other knowledge versions kept in the cache (tests write a few small ones).
KEEP_FILES = 6

#: Character n-gram lengths, and how many of the most frequent n-grams (seen twice or more) are kept.
NGRAMS = (3, 4)
MAX_CHAR_FEATURES = 20000
#: LinearSVC's regularisation, and how sharp the softmax over its decision scores is.
C = 1.0
TEMPERATURE = 8.0


def term_features(text: str, lang: Optional[str]) -> list[str]:
    """The question's words as the retriever indexes them; every reading of a Latin-script word when
    the language is not known (the staff search)."""
    from bot.retrieval import _CYRILLIC, alternatives, coarse, text_terms, words

    if lang in LANGUAGES or lang == "ru":
        return text_terms(text, "uk" if lang == "ru" else lang)
    out: list[str] = []
    for word in words(text):
        if word.isdigit():
            continue
        forms = alternatives(word)
        out.extend(forms[:1] if _CYRILLIC.search(word) else forms)  # a Cyrillic word: its lemma
        rough = coarse(word)
        if rough:
            out.append(rough)
    return out


def char_features(text: str) -> list[str]:
    """Character n-grams within each word, the word padded with a space on each side."""
    from bot.retrieval import _fold, _strip_accents

    out = []
    for token in _strip_accents(_fold(text.casefold())).split():
        padded = f" {token} "
        for n in NGRAMS:
            if len(padded) <= n:
                out.append(padded)
                continue
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def training_data(facts: Sequence[Fact], examples: Mapping[str, Mapping[str, Sequence[str]]]) -> tuple[list[tuple[str, str]], list[str]]:
    """(text, language) documents and the fact id each stands for."""
    docs: list[tuple[str, str]] = []
    labels: list[str] = []
    for fact in facts:
        for lang in LANGUAGES:
            texts = [render_text(fact.text[lang], fact.values, lang)]
            if fact.keywords.get(lang):
                texts.append("; ".join(fact.keywords[lang]))
            texts += list(examples.get(fact.id, {}).get(lang, ()))
            for text in texts:
                docs.append((text, lang))
                labels.append(fact.id)
    return docs, labels


def fingerprint(docs: Sequence[tuple[str, str]], labels: Sequence[str]) -> str:
    digest = hashlib.sha256(json.dumps([VERSION, NGRAMS, MAX_CHAR_FEATURES, C, list(docs), list(labels)], ensure_ascii=False).encode())
    return digest.hexdigest()[:24]


class _Block:
    """One kind of features: vocabulary and inverse document frequencies (as scikit-learn's
    TfidfVectorizer computes them: smooth idf, sublinear tf, each block normalised to length 1)."""

    def __init__(self, vocabulary: Sequence[str], idf: Sequence[float]) -> None:
        import numpy as np

        self.vocabulary = {term: i for i, term in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype="float32")

    @property
    def terms(self) -> list[str]:
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def __len__(self) -> int:
        return len(self.vocabulary)

    @classmethod
    def fit(cls, documents: Iterable[list[str]], min_df: int = 1, max_features: Optional[int] = None) -> "_Block":
        documents = list(documents)
        df: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for features in documents:
            df.update(set(features))
            total.update(features)
        kept = [t for t in df if df[t] >= min_df]
        if max_features is not None and len(kept) > max_features:
            kept = sorted(kept, key=lambda t: (-total[t], t))[:max_features]
        kept.sort()
        n = len(documents)
        return cls(kept, [math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])

    def vector(self, features: list[str]) -> dict[int, float]:
        counts = Counter(f for f in features if f in self.vocabulary)
        values = {self.vocabulary[f]: (1.0 + math.log(c)) * float(self.idf[self.vocabulary[f]]) for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {i: v / norm for i, v in values.items()}


class QuestionModel:
    """Probabilities over facts for a question (see the module's docstring)."""

    def __init__(self, terms: _Block, chars: _Block, weights, bias, fact_ids: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
        self.terms = terms
        self.chars = chars
        #: (features, facts), float16: the terms' block first, then the characters'.
        self.weights = weights
        self.bias = bias
        self.fact_ids = list(fact_ids)
        # One message may be searched for more than once (read as out of scope, then answered).
        self.scores = lru_cache(maxsize=256)(self._scores)

    # -- features -----------------------------------------------------------------------------------

    def _columns(self, text: str, lang: Optional[str]) -> tuple[list[int], list[float]]:
        cols: list[int] = []
        values: list[float] = []
        for i, v in self.terms.vector(term_features(text, lang)).items():
            cols.append(i)
            values.append(v)
        offset = len(self.terms)
        for i, v in self.chars.vector(char_features(text)).items():
            cols.append(offset + i)
            values.append(v)
        return cols, values

    def _scores(self, text: str, lang: Optional[str] = None):  # type: ignore[no-untyped-def]
        """The probability of each fact (in `fact_ids` order) being the one asked for (`scores`, the
        same cached; callers do not change the array)."""
        import numpy as np

        cols, values = self._columns(text, lang)
        decision = self.bias.astype("float32").copy()
        if cols:
            decision += np.asarray(values, dtype="float32") @ self.weights[cols].astype("float32")
        decision *= TEMPERATURE
        decision -= decision.max()
        probabilities = np.exp(decision)
        probabilities /= probabilities.sum()
        probabilities.flags.writeable = False
        return probabilities

    # -- training and the cache -----------------------------------------------------------------------

    @classmethod
    def train(cls, docs: Sequence[tuple[str, str]], labels: Sequence[str]) -> "QuestionModel":
        import numpy as np
        from scipy.sparse import csr_matrix
        from sklearn.svm import LinearSVC

        term_docs = [term_features(text, lang) for text, lang in docs]
        char_docs = [char_features(text) for text, _lang in docs]
        terms = _Block.fit(term_docs)
        chars = _Block.fit(char_docs, min_df=2, max_features=MAX_CHAR_FEATURES)
        model = cls(terms, chars, None, None, sorted(set(labels)))
        rows, cols, values = [], [], []
        offset = len(terms)
        for r, (t, c) in enumerate(zip(term_docs, char_docs)):
            for i, v in terms.vector(t).items():
                rows.append(r), cols.append(i), values.append(v)
            for i, v in chars.vector(c).items():
                rows.append(r), cols.append(offset + i), values.append(v)
        matrix = csr_matrix((values, (rows, cols)), shape=(len(docs), offset + len(chars)), dtype="float64")
        index = {fid: i for i, fid in enumerate(model.fact_ids)}
        y = np.array([index[label] for label in labels])
        if len(model.fact_ids) < 2:  # one fact: nothing to tell apart
            model.weights = np.zeros((matrix.shape[1], 1), dtype="float16")
            model.bias = np.zeros(1, dtype="float32")
            return model
        svm = LinearSVC(C=C, random_state=0).fit(matrix, y)
        coef = svm.coef_ if len(model.fact_ids) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]])
        bias = svm.intercept_ if len(model.fact_ids) > 2 else np.array([-svm.intercept_[0], svm.intercept_[0]])
        model.weights = np.ascontiguousarray(coef.T, dtype="float16")
        model.bias = np.asarray(bias, dtype="float32")
        return model

    def save(self, path: Path) -> None:
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        try:
            with open(tmp, "wb") as out:
                np.savez(
                    out,
                    weights=self.weights, bias=self.bias, fact_ids=np.array(self.fact_ids),
                    terms=np.array(self.terms.terms, dtype=str), term_idf=np.array(self.terms.idf),
                    chars=np.array(self.chars.terms, dtype=str), char_idf=np.array(self.chars.idf),
                )
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path) -> "QuestionModel":
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            return cls(
                _Block([str(t) for t in data["terms"]], data["term_idf"]),
                _Block([str(t) for t in data["chars"]], data["char_idf"]),
                data["weights"], data["bias"], [str(x) for x in data["fact_ids"]],
            )


def question_model(
    facts: Sequence[Fact],
    examples: Mapping[str, Mapping[str, Sequence[str]]],
    cache_dir: Optional[Path],
) -> QuestionModel:
    """The model for these facts and examples: read from the cache when it was trained for exactly
    them, else trained now and written to the cache (when it can be)."""
    docs, labels = training_data(facts, examples)
    key = fingerprint(docs, labels)
    path = cache_dir / f"{key}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            model = QuestionModel.load(path)
            os.utime(path)  # in use: the newest files are the ones kept
            return model
        except Exception:  # noqa: BLE001 - a damaged cache file is trained again
            logger.warning("questions.cache.unreadable: %s", path.name)
    model = QuestionModel.train(docs, labels)
    if path is not None:
        try:
            model.save(path)
            _prune(cache_dir)
        except OSError as exc:
            logger.warning("questions.cache.not_written: %s", exc)
    return model


def _prune(cache_dir: Path) -> None:
    files = sorted(cache_dir.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES:]:
        try:
            old.unlink()
        except OSError:
            pass


def main() -> int:
    """Train (or find) the question model of the project's knowledge: `python -m bot.questions`."""
    from bot.knowledge.provider import DEFAULT_KNOWLEDGE_PATH
    from bot.knowledge import load_knowledge
    from bot.retrieval import QUESTION_CACHE, load_example_questions

    kb = load_knowledge(DEFAULT_KNOWLEDGE_PATH)
    model = question_model(kb.facts, load_example_questions(), QUESTION_CACHE)
    print(f"question model: {len(model.fact_ids)} facts, {model.weights.shape[0]} features")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

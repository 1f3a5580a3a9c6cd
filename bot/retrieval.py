"""Finding the facts that answer a question: one retriever for the assistant and the staff search.

Each fact is indexed with its text in all four languages, its keywords (the words people use that the
text does not: "pupils", "nooddorp", "CPAS/OCMW", misspellings), its topics' titles and its text
values (names such as "Ariane" or "TempHoWal"). A question is matched against all of it, whatever its
language: a Ukrainian question can match the Dutch wording of a name.

Words are reduced to a shared form with libraries:

- Latin-script words: the Snowball stemmers for Dutch, French and English (PyStemmer, C code, no data
  to load), accents folded after stemming ("école" and "ecole" meet). A word of a question is tried in
  each of the three stemmings and its own form, and counts once, with its best match.
- Cyrillic words: simplemma's Ukrainian lemmatiser ("школу" -> "школа", "учнів" -> "учень"), reading
  its dictionary from the compressed stream on disk (StreamDictionaryFactory: about 9 MB in memory
  instead of 61 MB for the dictionary unpacked, the same lemmas, a few microseconds more per new word).
- Stop words: spaCy's lists for the four languages (question words are read before they go).
- Typos: a word of a question that is in no fact is matched to the closest word of the facts with
  rapidfuzz (similarity of at least 85 %, words of five letters or more).
- Ranking: BM25 (bm25s) over the facts, combined with

  * the topic prior: how likely the question is about each topic, from the intent classifier (a
    prior, not a filter: a "how many" question the model reads as statistics still finds the
    certificates fact under temporary protection);
  * the reader's region, province and municipality (facts of another region are left out once the
    region is known);
  * the kind of question: how / where / can-I questions prefer guidance (what to do), how-many
    questions prefer figures.

The retriever knows nothing about Rasa: the assistant passes the intent ranking it got from the
model, the staff search a topic prior of its own (bot.staff.search.TopicPrior).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.model import Fact
from bot.knowledge.render import render_text
from bot.languages import LANGUAGES
from bot.taxonomy import INTENT_TOPICS, LIVING_REGIONS, TOPIC_TITLES

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_DIGITS = re.compile(r"^\d+$")
_FOLD = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е", "ґ": "г"})

# -- words ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stemmers() -> dict:
    import Stemmer

    return {"nl": Stemmer.Stemmer("dutch"), "fr": Stemmer.Stemmer("french"), "en": Stemmer.Stemmer("english")}


def _spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop-word list of a language, read from its data file without importing spaCy
    (importing the package loads thinc and TensorFlow: seconds and hundreds of megabytes)."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(list(spec.submodule_search_locations)[0]) / "lang" / lang / "stop_words.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - a data file of an installed package
    return frozenset(namespace.get("STOP_WORDS", ()))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words too common to tell facts apart, in the four languages (spaCy's lists)."""
    EN, FR, NL, UK = (_spacy_stop_words(lang) for lang in ("en", "fr", "nl", "uk"))

    # Words of the assistant's subjects that the general lists count as stop words.
    keep = {"back", "move", "call", "name", "first", "last", "full", "part", "give", "show"}
    extra = {
        # Russian function words (Russian questions are answered in Ukrainian).
        "как", "где", "что", "это", "мне", "мы", "вы", "для", "или", "если", "можно", "нужно", "есть",
        "и", "в", "на", "с", "по", "у", "к", "о", "от", "из", "за", "до", "не", "ли", "мой", "моя",
        # The country: nearly every fact is about Belgium (the region is handled apart).
        "belgium", "belgian", "belgië", "belgie", "belgische", "belgisch", "belgique", "belge", "belges",
        "бельгія", "бельгії", "бельгію", "бельгією", "бельгійський", "бельгия", "бельгии", "бельгию",
        # Politeness and chat filler.
        "please", "pls", "hello", "hi", "svp", "stp", "aub", "alstublieft", "bonjour", "dag", "hallo",
        "будь", "ласка", "привіт", "добрий", "день", "дякую", "thanks", "merci", "bedankt",
    }
    words = {_fold(w) for w in (*EN, *FR, *NL, *UK, *extra)} - keep
    return frozenset(words)


def _fold(word: str) -> str:
    return word.casefold().translate(_FOLD)


def _strip_accents(word: str) -> str:
    if _CYRILLIC.search(word):
        # Cyrillic keeps its letters (й, ї): only Latin accents are folded.
        return unicodedata.normalize("NFC", word)
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _lemmatizer() -> "simplemma.Lemmatizer":  # type: ignore[name-defined]  # noqa: F821
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamDictionaryFactory

    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=StreamDictionaryFactory()))


@lru_cache(maxsize=65536)
def _lemma_uk(word: str) -> str:
    return _fold(_lemmatizer().lemmatize(word, lang="uk"))


@lru_cache(maxsize=65536)
def analyse(word: str, lang: str) -> str:
    """The index term of one word of a text written in `lang`."""
    word = _fold(word)
    if _CYRILLIC.search(word):
        return _lemma_uk(word)
    if lang in ("nl", "fr", "en"):
        word = _stemmers()[lang].stemWord(word)
    return _strip_accents(word)


@lru_cache(maxsize=65536)
def alternatives(word: str) -> tuple[str, ...]:
    """The index terms a word of a question may stand for, whatever the question's language."""
    folded = _fold(word)
    if _CYRILLIC.search(folded):
        return tuple(dict.fromkeys((_lemma_uk(folded), folded)))
    forms = [analyse(folded, lang) for lang in ("nl", "fr", "en")]
    return tuple(dict.fromkeys((*forms, _strip_accents(folded))))


#: Ukrainian verb prefixes the nouns of the facts do not have ("зареєструватися" / "реєстрація").
_CYRILLIC_PREFIXES = ("пере", "від", "за", "по", "ви", "з")
#: Letters a word keeps for the coarse match.
COARSE_LETTERS = 6


@lru_cache(maxsize=65536)
def coarse(word: str) -> Optional[str]:
    """A coarse form shared by derived words that stemming keeps apart ("register" and
    "registration", "inscrire" and "inscription", "зареєструватися" and "реєстрація"): the first six
    letters of a long word, after a Ukrainian verb prefix. None for short words."""
    folded = _strip_accents(_fold(word))
    if _CYRILLIC.search(folded):
        for prefix in _CYRILLIC_PREFIXES:
            if folded.startswith(prefix) and len(folded) - len(prefix) >= COARSE_LETTERS + 1:
                folded = folded[len(prefix):]
                break
    if len(folded) <= COARSE_LETTERS or _DIGITS.match(folded):
        return None
    return "~" + folded[:COARSE_LETTERS]


#: French and English elisions and clitics: "l'inscrire" is "inscrire", "children's" is "children".
_ELISION = re.compile(r"^(?:l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)'(?=[^\W\d_])|'(?:s|re|ve|ll|d|m|t)$", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The words of a text, without stop words (single letters only when they are digits)."""
    stop = stop_words()
    out = []
    for raw in _WORD.findall(text or ""):
        if "'" in raw or "’" in raw:
            raw = raw.replace("’", "'")
            if not _CYRILLIC.search(raw):
                raw = _ELISION.sub("", raw)
        folded = _fold(raw)
        if folded in stop or (len(folded) < 2 and not folded.isdigit()):
            continue
        out.append(raw)
    return out


def text_terms(text: str, lang: str) -> list[str]:
    """The index terms of a text written in `lang`: each word's stem or lemma, and its coarse form."""
    terms = []
    for w in words(text):
        if _DIGITS.match(w):
            continue
        terms.append(analyse(w, lang))
        rough = coarse(w)
        if rough:
            terms.append(rough)
    return terms


# -- questions ------------------------------------------------------------------------------------

#: How people ask for a figure, in the four languages and Russian.
_HOW_MANY = re.compile(
    r"\b(how many|how much|number of|percentage|share of|statistic|figures?|"
    r"скільки|кількість|відсот|статистик|сколько|количеств|"
    r"hoeveel|aantal|percent|cijfers?|statistiek|"
    r"combien|nombre de|pourcentage|chiffres?|statistique)",
    re.IGNORECASE,
)
#: How people ask what to do, where to go, whether they may.
_HOW_TO = re.compile(
    r"\b(how|where|can i|can we|may i|do i|do we|should i|must i|need to|what (?:do|should|must|can)|who|"
    r"is it possible|am i allowed|are we allowed|apply|register|enrol|sign up|find|get|"
    r"як |де |куди|чи можу|чи можна|можна|треба|потрібно|що робити|кому|до кого|"
    r"как |где |куда|можно ли|нужно|что делать|"
    r"hoe |waar|kan ik|kunnen we|mag ik|moet ik|wie |wat moet|aanvragen|inschrijven|"
    r"comment|où |ou puis|puis-je|peut-on|est-ce que (?:je|on|nous) peu|dois-je|faut-il|qui |que faire|s'inscrire|inscrire)",
    re.IGNORECASE,
)


#: How people ask until when, how long, since when.
_WHEN = re.compile(
    r"\b(since when|until when|till when|until what date|how long (?:does|will|is|can)|end date|expir|when does (?:\w+ )*(?:end|expire|stop)|"
    r"з якого часу|відколи|до якого|до коли|до якої дати|скільки (?:\w+ )?трива|як довго|коли закінч|коли спливає|"
    r"до какого|сколько (?:\w+ )?длит|как долго|когда закончи|"
    r"sinds wanneer|tot wanneer|tot welke datum|hoe lang|wanneer (?:loopt|eindigt|stopt)|einddatum|verloopt|"
    r"depuis quand|jusqu'(?:à|a) quand|jusqu'(?:à|a) quelle date|combien de temps|quand (?:se termine|expire|prend fin)|date de fin|expire)",
    re.IGNORECASE,
)


#: Month names that are also common words ("may I", "to march"): a month only beside a year.
_AMBIGUOUS_MONTHS = frozenset({"may", "march"})
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@lru_cache(maxsize=1)
def _month_forms() -> frozenset[str]:
    """The months' names in the four languages and Russian (Babel's locale data, both the form in a
    date and the form alone: "січня", "січень"), folded, with their Ukrainian lemmas."""
    from babel.dates import get_month_names

    forms: set[str] = set()
    for locale in (*LANGUAGES, "ru"):
        for context in ("format", "stand-alone"):
            for name in get_month_names("wide", context, locale).values():
                forms.add(_strip_accents(_fold(name)))
                if _CYRILLIC.search(name):
                    forms.add(_lemma_uk(_fold(name)))
    return frozenset(forms)


def names_a_month(text: str) -> bool:
    """True when a question names a month ("in January 2023", "у січні", "en mars") ("may" and
    "march" only beside a year)."""
    has_year = bool(_YEAR.search(text or ""))
    for raw in _WORD.findall(text or ""):
        folded = _strip_accents(_fold(raw))
        if folded in _AMBIGUOUS_MONTHS and not has_year:
            continue
        if folded in _month_forms():
            return True
        if _CYRILLIC.search(folded) and (
            _lemma_uk(folded) in _month_forms()
            # Russian after "в": "в декабре", "в мае" (Babel has "декабря", "мая")
            or (folded.endswith("е") and {folded[:-1] + "а", folded[:-1] + "я"} & _month_forms())
        ):
            return True
    return False


#: Belgium named as a country (not "Belgian"), in the four languages and Russian.
_BELGIUM = re.compile(r"\b(?:belgium|belgi[eë]|belgique|belgien)\b|бельгі[яїюєі]\w*|бельги[яиюе]\w*", re.IGNORECASE)


def names_belgium(text: str) -> bool:
    """True when the question names Belgium, the country ("in België", "у Бельгії")."""
    return bool(_BELGIUM.search(text))


def question_kind(text: str) -> Optional[str]:
    """'figure' for a how-many question, 'when' for until-when / how-long, 'howto' for a
    how/where/can-I question, else None."""
    if not text:
        return None
    padded = f" {text} "
    if _WHEN.search(padded):
        return "when"
    if _HOW_MANY.search(padded):
        return "figure"
    if _HOW_TO.search(padded):
        return "howto"
    return None


#: Question intents that say what KIND of answer is wanted rather than its subject (tried on the dev
#: split with ask_statistics -> "figure": top-1 fell from 0.74 to 0.70, so none for now).
KIND_INTENTS: dict[str, str] = {}


def topic_prior(intent_ranking: Iterable[Mapping[str, object]]) -> dict[str, float]:
    """How likely each topic is, from the model's intent ranking (question intents only)."""
    prior: dict[str, float] = {}
    for item in intent_ranking or ():
        if str(item.get("name")) in KIND_INTENTS:
            continue
        topic = INTENT_TOPICS.get(str(item.get("name")))
        confidence = item.get("confidence")
        if topic and isinstance(confidence, (int, float)):
            prior[topic] = prior.get(topic, 0.0) + float(confidence)
    return prior


# -- example questions ----------------------------------------------------------------------------

#: Where trained question models are kept (bot/questions.py).
QUESTION_CACHE = Path(__file__).resolve().parent.parent / "models" / "questions"
#: Example questions per fact and language (data/retrieval/<lang>.yml), indexed with the facts.
EXAMPLES_PATH = Path(__file__).resolve().parent.parent / "data" / "retrieval"


def load_example_questions(folder: Path = EXAMPLES_PATH) -> dict[str, dict[str, list[str]]]:
    """Fact id -> language -> example questions people ask that the fact answers."""
    import yaml

    found: dict[str, dict[str, list[str]]] = {}
    if not folder.is_dir():
        return found
    for file in sorted(folder.glob("*.yml")):
        lang = file.stem
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for fact_id, questions in (data.get("questions") or {}).items():
            found.setdefault(str(fact_id), {})[lang] = [str(q) for q in questions or () if str(q).strip()]
    return found


# -- the index ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """How the evidence is combined (tuned on the dev questions, tests/answers/dev/)."""

    #: BM25's term saturation and length normalisation.
    k1: float = 1.2
    b: float = 0.5
    lexical: float = 1.0
    prior: float = 0.8
    #: A coarse match (six first letters) counts this share of an exact one.
    coarse: float = 0.5
    #: A word of a Dutch, French or English question read with another of these languages' stemmers
    #: counts this share ("register" in an English question is not Dutch "regi", which only a few
    #: facts have and which outweighed every English match).
    foreign_stem: float = 0.5
    #: Keywords count this many times the fact's text.
    keywords: int = 2
    #: Example questions (data/retrieval/) count this many times.
    examples: int = 1
    #: The question model's probability that a fact is the one asked for (bot/questions.py). 0.5
    #: with five or six example questions per fact; 0.75 with eight or nine (dev top-1 0.884 -> 0.889)
    #: and with eleven or twelve (1.0: 0.898, 0.6: the same top-1 as 0.75).
    question: float = 0.75
    #: A question naming Belgium ("how many Ukrainians in Belgium"): the country's own figures gain
    #: this, as a region's facts do when the region is named.
    country: float = 0.25
    #: A question's kind matching the fact's kind (guidance for how-to, statistic for how-many).
    kind_match: float = 0.35
    #: A how-many question naming a month: figures given month by month (three months or more)
    #: before the totals that name the same month as their date.
    month_series: float = 0.35
    #: Figures shown for a how-to question, or guidance for a how-many question.
    kind_mismatch: float = -0.25
    #: Guidance slightly ahead of context and figures when the question says nothing of its kind.
    guidance_default: float = 0.1
    region: float = 0.25
    #: Taken from a region's facts when the person's region is not known (Query.prefer_national).
    other_region: float = 0.15
    province: float = 0.15
    #: Taken from a province's facts when the question names no province.
    other_province: float = 0.2
    municipality: float = 0.25
    #: Below this share of the best lexical score a fact is not a lexical match.
    lexical_floor: float = 2.0
    #: Similarity (0-100) a misspelt word needs to be read as a word of the facts.
    fuzzy_cutoff: float = 85.0
    #: Share of a question's words (weighted by rarity) a fact must speak of to count as a match.
    coverage: float = 0.5
    #: A BM25 score that counts as a match whatever the coverage (rare words shared). 3.0 until the
    #: example questions grew to five or six per fact (longer documents, higher scores); 4.0 on dev.
    strong_match: float = 4.0


@dataclass(frozen=True)
class Hit:
    """A fact and how well it answers the question."""

    fact: Fact
    score: float
    lexical: float = 0.0
    prior: float = 0.0
    #: The share of the question's words (weighted by rarity) that this fact speaks of.
    coverage: float = 0.0


@dataclass
class Query:
    """A question and what is known around it."""

    text: str = ""
    region: Optional[str] = None
    province: Optional[str] = None
    municipality: Optional[str] = None
    #: Topic -> probability (the intent classifier's, or the staff search's prior).
    prior: Mapping[str, float] = field(default_factory=dict)
    #: Words to leave out (place names: the region is handled apart).
    ignore: Sequence[str] = ()
    #: The kind of answer the model read in the question ("figure" for ask_statistics), if any.
    kind: Optional[str] = None
    #: The person's region is not known yet: a region's own facts weigh a little less than national
    #: ones (they are true for a third of the people who ask).
    prefer_national: bool = False
    #: The language the question is written in, when known: its own stemmer's form of a word counts
    #: fully, another language's (`Weights.foreign_stem`) less.
    lang: Optional[str] = None


class Retriever:
    """BM25 over every fact of a knowledge base, with topic, region and kind of question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        weights: Optional[Weights] = None,
        examples: Optional[Mapping[str, Mapping[str, Sequence[str]]]] = None,
        question_cache: Optional[Path] = QUESTION_CACHE,
    ) -> None:
        import bm25s

        self.kb = kb
        self.weights = weights or Weights()
        self.examples = load_example_questions() if examples is None else examples
        self.facts: tuple[Fact, ...] = kb.facts
        corpus = [self._document(f) for f in self.facts] or [["<empty>"]]
        bm25 = bm25s.BM25(k1=self.weights.k1, b=self.weights.b)
        bm25.index(corpus, show_progress=False)
        # Each term's BM25 score in every fact, as one dense row per term (a few MB): a question's
        # word costs an array lookup, not a call into bm25s.
        import numpy as np

        scores = bm25.scores
        self._term_row = dict(bm25.vocab_dict)
        self._rows = np.zeros((len(self._term_row), len(corpus)), dtype="float32")
        for term, row in self._term_row.items():
            if row + 1 >= len(scores["indptr"]):
                continue  # bm25s's placeholder for the empty token has no column
            start, end = scores["indptr"][row], scores["indptr"][row + 1]
            self._rows[row, scores["indices"][start:end]] = scores["data"][start:end]
        self._zeros = np.zeros(len(corpus), dtype="float32")
        self._vocab = frozenset(t for doc in corpus for t in doc)
        # Surface forms of the facts' words, for typo matching: folded word -> its term.
        self._surface: dict[str, str] = {}
        for fact in self.facts:
            for lang in LANGUAGES:
                for w in words(self._fact_text(fact, lang)):
                    folded = _strip_accents(_fold(w))
                    if len(folded) >= 5 and not _DIGITS.match(folded):
                        self._surface.setdefault(folded, analyse(w, lang))
        self._surface_list = list(self._surface)
        self._by_length: dict[int, list[str]] = {}
        for surface in self._surface_list:
            self._by_length.setdefault(len(surface), []).append(surface)
        self._fuzzy_cache: dict[str, Optional[str]] = {}
        self._fact_arrays()
        #: Which fact a question asks for, learnt from the example questions (bot/questions.py).
        self.question_model = None
        if self.weights.question > 0 and self.facts:
            from bot.questions import question_model

            self.question_model = question_model(self.facts, self.examples, cache_dir=question_cache)
            position = {fid: i for i, fid in enumerate(self.question_model.fact_ids)}
            self._question_order = np.array([position[f.id] for f in self.facts])
        self._position = {f.id: i for i, f in enumerate(self.facts)}
        self._guidance_regions: dict[str, set[str]] = {}
        for fact in self.facts:
            if fact.is_guidance and fact.current and fact.region in LIVING_REGIONS:
                for topic in fact.topics:
                    self._guidance_regions.setdefault(topic, set()).add(fact.region)

    def guidance_regions(self, topic: str) -> frozenset[str]:
        """The regions that have their own guidance on a topic."""
        return frozenset(self._guidance_regions.get(topic, ()))

    # -- indexing ---------------------------------------------------------------------------------

    @staticmethod
    def _fact_text(fact: Fact, lang: str) -> str:
        return render_text(fact.text[lang], fact.values, lang)

    def _document(self, fact: Fact) -> list[str]:
        from bot.i18n import translator

        terms: list[str] = []
        for lang in LANGUAGES:
            terms.extend(text_terms(self._fact_text(fact, lang), lang))
            for keyword in fact.keywords.get(lang, ()):
                terms.extend(text_terms(keyword, lang) * self.weights.keywords)
            for question in self.examples.get(fact.id, {}).get(lang, ()):
                terms.extend(text_terms(question, lang) * self.weights.examples)
            _ = translator(lang)
            for topic in fact.topics:
                terms.extend(text_terms(_(TOPIC_TITLES[topic]), lang))
        for value in fact.values.values():
            if value.kind in ("text", "url"):
                terms.extend(text_terms(re.sub(r"[./:-]", " ", str(value.value)), "en"))
        return terms or ["<empty>"]

    # -- matching ---------------------------------------------------------------------------------

    def _term_scores(self, term: str):  # type: ignore[no-untyped-def]
        row = self._term_row.get(term)
        return self._zeros if row is None else self._rows[row]

    def _fuzzy(self, word: str) -> Optional[str]:
        cached = self._fuzzy_cache.get(word)
        if cached is not None or word in self._fuzzy_cache:
            return cached
        found = self._fuzzy_match(word)
        if len(self._fuzzy_cache) > 20000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def _fuzzy_match(self, word: str) -> Optional[str]:
        from rapidfuzz import fuzz, process

        folded = _strip_accents(_fold(word))
        if len(folded) < 5 or _CYRILLIC.search(folded) and len(folded) < 6:
            return None
        # Words within two letters of the word's length: a similarity of 85 % allows no more.
        candidates = [w for n in range(len(folded) - 2, len(folded) + 3) for w in self._by_length.get(n, ())]
        found = process.extractOne(folded, candidates, scorer=fuzz.ratio, score_cutoff=self.weights.fuzzy_cutoff)
        return self._surface[found[0]] if found else None

    def query_terms(self, text: str, ignore: Sequence[str] = ()) -> list[tuple[tuple[str, ...], Optional[str]]]:
        """For each word of the question, the index terms it may stand for, and its coarse form."""
        ignored = {_fold(w) for phrase in ignore for w in _WORD.findall(phrase)}
        out: list[tuple[tuple[str, ...], Optional[str]]] = []
        for word in words(text):
            if _fold(word) in ignored or _DIGITS.match(word):
                continue
            options = tuple(t for t in alternatives(word) if t in self._vocab)
            if not options:
                guess = self._fuzzy(word)
                options = (guess,) if guess else ()
            rough = coarse(word)
            rough = rough if rough in self._vocab else None
            if options or rough:
                out.append((options, rough))
        return out

    def content_words(self, text: str, ignore: Sequence[str] = ()) -> list[str]:
        """The question's words that carry its content (no stop words, places or numbers)."""
        ignored = {_fold(w) for phrase in ignore for w in _WORD.findall(phrase)}
        return [w for w in words(text) if _fold(w) not in ignored and not _DIGITS.match(w)]

    def match(self, text: str, ignore: Sequence[str] = ()) -> tuple[list[float], list[float]]:
        lexical, coverage, _best = self._match(text, ignore)
        return lexical, coverage

    def _match(self, text: str, ignore: Sequence[str] = ()) -> tuple[list[float], list[float], float]:
        lexical, coverage, attainable = self._match_arrays(text, ignore)
        return [float(x) for x in lexical], [float(x) for x in coverage], attainable

    def _match_arrays(self, text: str, ignore: Sequence[str] = (), lang: Optional[str] = None):  # type: ignore[no-untyped-def]
        """BM25 of every fact for the question (each word counted once, with its best form), and the
        share of the question's words each fact speaks of, weighted by how rare the words are (a
        word no fact uses weighs most). With the question's language known (Dutch, French, English),
        another language's stem of a Latin-script word counts `foreign_stem`."""
        import numpy as np

        n = len(self.facts)
        total = np.zeros(n, dtype="float32")
        covered = np.zeros(n, dtype="float32")
        rarest = math.log(1 + (n + 0.5) / 0.5)
        weight_sum = 0.0
        attainable = 0.0
        matched = {w.casefold(): o for w, o in zip(self.content_words(text, ignore), self.query_terms_for(text, ignore))}
        for word in self.content_words(text, ignore):
            options, rough = matched.get(word.casefold(), ((), None))
            own: Optional[tuple[str, ...]] = None
            if lang in ("nl", "fr", "en") and not _CYRILLIC.search(word):
                own = (analyse(word, lang), _strip_accents(_fold(word)))
            best = None
            for term in options:
                scores = self._term_scores(term)
                if own is not None and term not in own:
                    scores = self.weights.foreign_stem * scores
                best = scores if best is None else np.maximum(best, scores)
            if rough:
                scores = self.weights.coarse * self._term_scores(rough)
                best = scores if best is None else np.maximum(best, scores)
            if best is None:
                weight_sum += rarest
                continue
            present = best > 0
            attainable += float(best.max())
            df = int(present.sum())
            weight = math.log(1 + (n - df + 0.5) / (df + 0.5))
            weight_sum += weight
            covered += weight * present
            total += best
        coverage = covered / weight_sum if weight_sum else covered
        return total, coverage, attainable

    def names_only_a_topic(self, text: str, ignore: Sequence[str] = (), min_facts: int = 8) -> bool:
        """True when the question is one common word and nothing else ("А робота?", "housing?"):
        it names a topic, like the topic's button, rather than asking something precise."""
        import numpy as np

        terms = self.query_terms_for(text, ignore)
        if len(terms) != 1 or not terms[0][0]:
            return False
        present = np.zeros(len(self.facts), dtype=bool)
        for term in terms[0][0]:
            present |= self._term_scores(term) > 0
        return int(present.sum()) >= min_facts

    def query_terms_for(self, text: str, ignore: Sequence[str] = ()) -> list[tuple[tuple[str, ...], Optional[str]]]:
        """query_terms, one entry per content word (empty when the word matches nothing)."""
        out = []
        for word in self.content_words(text, ignore):
            options = tuple(t for t in alternatives(word) if t in self._vocab)
            if not options:
                guess = self._fuzzy(word)
                options = (guess,) if guess else ()
            rough = coarse(word)
            out.append((options, rough if rough in self._vocab else None))
        return out

    def lexical_scores(self, text: str, ignore: Sequence[str] = ()) -> list[float]:
        """BM25 of every fact for the question."""
        return self._match(text, ignore)[0]

    def _fact_arrays(self) -> None:
        """Per-fact flags as arrays, so a search scores every fact at once."""
        import numpy as np

        facts = self.facts
        self._topic_index = {t: i for i, t in enumerate(TOPIC_TITLES)}
        self._topics = np.zeros((len(facts), len(self._topic_index)), dtype=bool)
        for i, fact in enumerate(facts):
            for t in fact.topics:
                self._topics[i, self._topic_index[t]] = True
        self._guidance = np.array([f.is_guidance for f in facts], dtype=bool)
        self._statistic = np.array([f.is_statistic for f in facts], dtype=bool)
        self._dated = np.array([any(v.kind in ("date", "month") for v in f.values.values()) for f in facts], dtype=bool)
        self._month_series = np.array([sum(v.kind == "month" for v in f.values.values()) >= 3 for f in facts], dtype=bool)
        self._current = np.array([f.current for f in facts], dtype=bool)
        self._region = np.array([f.region for f in facts], dtype=object)
        self._living = np.array([f.region in LIVING_REGIONS for f in facts], dtype=bool)
        self._province = np.array([f.province or "" for f in facts], dtype=object)
        self._municipality = np.array([f.municipality or "" for f in facts], dtype=object)

    def search(
        self,
        query: Query,
        topic: Optional[str] = None,
        regions: Optional[Iterable[str]] = None,
        include_history: bool = False,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[Hit]:
        """Facts best first. `topic` and `regions` filter; the query's region ranks and filters."""
        import numpy as np

        if not self.facts:
            return []
        w = self.weights
        lexical, coverage, attainable = self._match_arrays(query.text, query.ignore, query.lang)
        # Relative to what the question's words could reach at best (each word's best fact): a
        # fact matching one common word of four is not a full match.
        scale = max(attainable, w.lexical_floor)
        keep = np.ones(len(self.facts), dtype=bool)
        if not include_history:
            keep &= self._current
        if topic:
            keep &= self._topics[:, self._topic_index[topic]] if topic in self._topic_index else False
        if regions is not None:
            keep &= np.isin(self._region, list(regions))
        if query.region:
            keep &= ~self._living | (self._region == query.region)
        if query.province:
            keep &= (self._province == "") | (self._province == query.province)
        if query.municipality:
            # One municipality's own practice is not shown to people of another.
            keep &= (self._municipality == "") | (self._municipality == query.municipality)
        # The topic prior: each fact takes its most likely topic's probability.
        prior_total = sum(query.prior.values()) or 1.0
        topic_prob = np.zeros(len(self._topic_index), dtype="float32")
        for name, probability in query.prior.items():
            if name in self._topic_index:
                topic_prob[self._topic_index[name]] = probability / prior_total
        prior = (self._topics * topic_prob).max(axis=1) if len(topic_prob) else np.zeros(len(self.facts))
        # "Figures" is a kind of answer more than a subject: its probability goes to every figure,
        # whatever its topic (a question on the number of pupils is about school).
        figures = topic_prob[self._topic_index["statistics"]] if "statistics" in self._topic_index else 0.0
        if figures > 0:
            prior = np.maximum(prior, np.where(self._statistic, figures, 0.0))
        # The topic prior counts fully for facts that speak of the question's words, half for the
        # others: it orders the facts when the words say little, it does not outvote them.
        best_coverage = float(coverage.max()) if len(coverage) else 0.0
        damp = 0.5 + 0.5 * np.minimum(1.0, coverage / max(w.coverage, 1e-6)) if best_coverage > 0 else 1.0
        score = w.lexical * lexical / scale + w.prior * prior * damp

        kind = question_kind(query.text) or query.kind
        if kind == "howto":
            score += np.where(self._guidance, w.kind_match, np.where(self._statistic, w.kind_mismatch, 0.0))
        elif kind == "figure":
            score += np.where(self._statistic, w.kind_match, np.where(self._guidance, w.kind_mismatch, 0.0))
            if names_a_month(query.text):
                score += np.where(self._month_series, w.month_series, 0.0)
        elif kind == "when":
            score += np.where(self._dated, w.kind_match, 0.0)
        else:
            score += np.where(self._guidance, w.guidance_default, 0.0)
        if kind == "figure" and names_belgium(query.text):
            # "How many Ukrainians in Belgium?": the country's figure before a region's or Europe's.
            score += np.where(self._region == "belgium", w.country, 0.0)
        if query.region:
            score += np.where(self._region == query.region, w.region, 0.0)
        elif query.prefer_national:
            score -= np.where(self._living, w.other_region, 0.0)
        if query.province:
            score += np.where(self._province == query.province, w.province, 0.0)
        else:
            # Likewise a province's figure: "how many pupils in Wallonia" is the region's total.
            score -= np.where(self._province != "", w.other_province, 0.0)
        if query.municipality:
            score += np.where(self._municipality == query.municipality, w.municipality, 0.0)
        else:
            # A municipality's example weighs less when the person's municipality is not known.
            score -= np.where(self._municipality != "", w.municipality, 0.0)
        if self.question_model is not None and query.text:
            score += w.question * self.question_model.scores(query.text, query.lang)[self._question_order]
        score = np.where(self._current, score, score * 0.5)  # history after what is valid now
        keep &= score > min_score
        chosen = np.flatnonzero(keep)
        # Best first; ties in the file's order (the editor's order of importance).
        order = chosen[np.lexsort((chosen, -score[chosen]))][:limit]
        return [
            Hit(self.facts[i], float(score[i]), lexical=float(lexical[i]), prior=float(prior[i]), coverage=float(coverage[i]))
            for i in order
        ]

    def has_lexical_match(self, hit: Hit) -> bool:
        """True when the question's words, not only its topic, point to this fact: it speaks of at
        least half of what the question asks (its words weighted by rarity), or shares rare words
        with it (a strong BM25 score)."""
        return hit.coverage >= self.weights.coverage or hit.lexical >= self.weights.strong_match

    def covers(self, hit: Hit) -> bool:
        """The same test (kept for readability at call sites)."""
        return self.has_lexical_match(hit)


_RETRIEVERS: list[tuple[KnowledgeBase, Retriever]] = []
_BUILD = threading.Lock()


def retriever_for(kb: KnowledgeBase) -> Retriever:
    """The retriever of a knowledge base, built once per loaded knowledge (the last two are kept)."""
    for known, retriever in _RETRIEVERS:
        if known is kb:
            return retriever
    with _BUILD:
        for known, retriever in _RETRIEVERS:
            if known is kb:
                return retriever
        retriever = Retriever(kb)
        _RETRIEVERS.insert(0, (kb, retriever))
        del _RETRIEVERS[2:]
        return retriever


def idf(retriever: Retriever, term: str) -> float:
    """How rare a term is among the facts (for tests and diagnostics)."""
    n = len(retriever.facts)
    df = sum(1 for f in retriever.facts if term in retriever._document(f))
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


__all__ = ["Hit", "Query", "Retriever", "Weights", "alternatives", "analyse", "question_kind", "retriever_for", "topic_prior", "words"]

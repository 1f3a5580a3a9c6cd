"""Where the user lives: places in four languages mapped to Belgium's regions and provinces.

The gazetteer (`data/places/belgium.yml`) lists the three regions, the ten provinces, the Brussels
municipalities and the largest other municipalities with their Dutch, French, English, Ukrainian and
Russian names. Matching uses a blank spaCy pipeline's tokenizer and a PhraseMatcher on a normalised
form of each token: case and Latin accents folded, and Cyrillic case endings removed, so "у Генті",
"в Антверпені", "у Льєжі" and "в Брюсселі" find Гент, Антверпен, Льєж and Брюссель. Belgian postcodes
map to provinces by their four-digit ranges.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

import yaml

PLACES_PATH = Path(__file__).resolve().parent.parent / "data" / "places" / "belgium.yml"

#: Cyrillic case endings (Ukrainian and Russian nouns and adjectives), longest first.
_CYRILLIC_ENDINGS = tuple(
    sorted(
        "ією ією ями ами ові еві єві ому ого ій ий ої ою ею єю ом ем єм ах ях ів їв ам ям ія ії ію ия ии ию "
        "ой ей ы и а я у ю і ї е є о ь й".split(),
        key=len,
        reverse=True,
    )
)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_POSTCODE = re.compile(r"(?<![\d.,])(?:\b[Bb][-\s]?)?([1-9]\d{3})(?![\d.,]*\d)")
_AFTER_NUMBER_UNIT = re.compile(
    r"^\s*(?:€|eur|euro|євро|евро|грн|uah|usd|\$|%|km|км|kg|кг|jaar|ans?|years?|рок|год|р\.|m²|м)",
    re.I,
)
_POSTCODE_CONTEXT = re.compile(
    r"(post\s?code|postnummer|code\s?postal|\bcp\b|zip|індекс|индекс|поштов|почтов)\W*$", re.I
)

#: Words before a place that show it is meant as a place ("in Boom", "à Spa", "у Гелі").
PREPOSITIONS = frozenset(
    "in te uit naar bij nabij near from to at around à a au aux en de dans près pres vers "
    "у в до з із зі під біля поблизу коло около под возле из во".split()
)

#: Words that are also articles or particles ("a", "de", "te", "to", "en"): an ambiguous name after
#: them must be capitalised to count.
WEAK_PREPOSITIONS = frozenset({"a", "de", "te", "to", "en"})


def _fold_token(token: str) -> str:
    """Lowercase; Latin accents removed; Cyrillic endings removed from words long enough to have one."""
    text = token.casefold().replace("ё", "е")
    if _CYRILLIC.search(text):
        for ending in _CYRILLIC_ENDINGS:
            if text.endswith(ending) and len(text) - len(ending) >= 3:
                return text[: -len(ending)]
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _prepare(text: str) -> str:
    """Hyphens, apostrophes and dots between words become spaces: "Sint-Niklaas", "d'Anvers"."""
    return re.sub(r"[-‐‑–—'’`ʼ.]", " ", text)


@lru_cache(maxsize=1)
def _blank_nlp():  # type: ignore[no-untyped-def]
    """A blank multi-language spaCy pipeline (tokenizer only; no model is downloaded)."""
    from bot import frameworks

    # spaCy's thinc imports TensorFlow only to offer it as a backend; a tokenizer does not need it,
    # and skipping it saves seconds and hundreds of MB in processes without Rasa's NLU.
    with frameworks.left_out_while():
        import spacy
    return spacy.blank("xx")


@dataclass(frozen=True)
class Place:
    """A place the user named, and where it is."""

    id: str
    kind: str  # "region", "province", "municipality" or "postcode"
    region: str
    province: Optional[str]
    names: Mapping[str, str] = field(default_factory=dict)
    matched: str = ""
    start: int = 0

    def name(self, lang: str) -> str:
        """The place's name in a language (its Dutch or French name when there is none)."""
        return self.names.get(lang) or self.names.get("nl") or self.names.get("fr") or self.matched


@dataclass(frozen=True)
class _Entry:
    id: str
    kind: str
    region: str
    province: Optional[str]
    names: Mapping[str, str]


_AMBIGUOUS = "#ambiguous"


class Gazetteer:
    """Finds Belgian places in free text and tells their region and province."""

    KIND_RANK = {"municipality": 3, "province": 2, "region": 1, "postcode": 0}

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._nlp = _blank_nlp()  # first: it imports spaCy without TensorFlow
        from spacy.matcher import PhraseMatcher

        self._matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        self._entries: dict[str, _Entry] = {}
        self._postcodes: list[tuple[int, int, str, Optional[str]]] = []
        self._exact_postcodes: dict[int, tuple[str, Optional[str]]] = {}

        for region, item in (data.get("regions") or {}).items():
            self._add(_Entry(f"region:{region}", "region", region, None, _display(item["names"])), item["names"])
        for province, item in (data.get("provinces") or {}).items():
            entry = _Entry(f"province:{province}", "province", item["region"], province, _display(item["names"]))
            self._add(entry, item["names"])
            for low, high in item.get("postcodes") or []:
                self._postcodes.append((int(low), int(high), item["region"], province))
        for low, high in data.get("brussels_postcodes") or []:
            self._postcodes.append((int(low), int(high), "brussels", None))
        for item in data.get("municipalities") or []:
            province = item.get("province")
            region = item.get("region") or (data["provinces"][province]["region"] if province else None)
            entry = _Entry(item["id"], "municipality", region, province, _display(item["names"]))
            ambiguous = item.get("ambiguous") or []
            if ambiguous is True:
                ambiguous = [n for names in item["names"].values() for n in names]
            self._add(entry, item["names"], ambiguous=ambiguous)
            for code in item.get("other_postcodes") or []:
                self._exact_postcodes[int(code)] = (region, province)

    @classmethod
    def from_file(cls, path: Union[str, Path] = PLACES_PATH) -> "Gazetteer":
        """Load a gazetteer file."""
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def _doc(self, text: str):  # type: ignore[no-untyped-def]
        doc = self._nlp.make_doc(_prepare(text))
        for token in doc:
            token.norm_ = _fold_token(token.text)
        return doc

    def _add(self, entry: _Entry, names: Mapping[str, Iterable[str]], ambiguous: Iterable[str] = ()) -> None:
        """Match the entry's names; a name that is also a common word only counts in context."""
        self._entries[entry.id] = entry
        common = {" ".join(t.norm_ for t in self._doc(n)) for n in ambiguous}
        patterns: dict[bool, list] = {False: [], True: []}  # type: ignore[type-arg]
        seen: set[str] = set()
        for variants in names.values():
            for name in variants:
                doc = self._doc(name)
                key = " ".join(t.norm_ for t in doc)
                if key and key not in seen:
                    seen.add(key)
                    patterns[key in common].append(doc)
        if patterns[False]:
            self._matcher.add(entry.id, patterns[False])
        if patterns[True]:
            self._matcher.add(entry.id + _AMBIGUOUS, patterns[True])

    def find(self, text: str) -> list[Place]:
        """Every place named in `text`, in the order written (longest match where they overlap)."""
        if not text:
            return []
        text = text[:2000]
        doc = self._doc(text)
        spans = []
        for match_id, start, end in self._matcher(doc):
            spans.append((start, end, self._nlp.vocab.strings[match_id]))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        places: list[Place] = []
        taken = -1
        words = [t for t in doc if not t.is_punct and not t.is_space]
        for start, end, match_key in spans:
            if start < taken:
                continue
            entry = self._entries[match_key.removesuffix(_AMBIGUOUS)]
            if match_key.endswith(_AMBIGUOUS) and not self._clearly_a_place(doc, start, end, len(words)):
                continue
            taken = end
            span = doc[start:end]
            places.append(
                Place(
                    id=entry.id,
                    kind=entry.kind,
                    region=entry.region,
                    province=entry.province,
                    names=entry.names,
                    matched=text[span.start_char : span.end_char],
                    start=span.start_char,
                )
            )
        places.extend(self._find_postcodes(text))
        return sorted(places, key=lambda p: p.start)

    @staticmethod
    def _clearly_a_place(doc, start: int, end: int, n_words: int) -> bool:  # type: ignore[no-untyped-def]
        if n_words <= end - start + 1:
            return True
        if start == 0 or doc[start - 1].lower_ not in PREPOSITIONS:
            return False
        # After an article-like word ("how to manage", "de boom", "a peer", "op te halen") only a
        # capitalised name is a place.
        return doc[start - 1].lower_ not in WEAK_PREPOSITIONS or doc[start].text[:1].isupper()

    def _find_postcodes(self, text: str) -> list[Place]:
        found = []
        stripped = text.strip()
        for match in _POSTCODE.finditer(text):
            code = int(match.group(1))
            after, before = text[match.end() :], text[: match.start()]
            if _AFTER_NUMBER_UNIT.match(after):
                continue
            alone = stripped == match.group(0).strip()
            named_after = re.match(r"^\s+[A-ZÀ-ÖØ-ÞА-ЯЄІЇҐ]", after) is not None
            context = _POSTCODE_CONTEXT.search(before) is not None or match.group(0)[:1] in "Bb"
            looks_like_year = 1900 <= code <= 2100
            if not (alone or named_after or context or not looks_like_year):
                continue
            if code in self._exact_postcodes:
                region, province = self._exact_postcodes[code]
                found.append(
                    Place(f"postcode:{code}", "postcode", region, province, {}, match.group(0), match.start())
                )
                continue
            for low, high, region, province in self._postcodes:
                if low <= code <= high:
                    found.append(
                        Place(
                            id=f"postcode:{code}",
                            kind="postcode",
                            region=region,
                            province=province,
                            names={},
                            matched=match.group(0),
                            start=match.start(),
                        )
                    )
                    break
        return found

    def resolve(self, text: str) -> Optional[Place]:
        """The place a message is about: the last one named, a name preferred over its postcode."""
        places = self.find(text)
        if not places:
            return None
        named = [p for p in places if p.kind != "postcode"]
        return (named or places)[-1]

    def place_words(self, text: str) -> list[str]:
        """The words of `text` that name places (to ignore them when detecting the language)."""
        return [p.matched for p in self.find(text)]

    def region_name_places(self) -> list[str]:
        """Ids of every entry (for tests and staff tools)."""
        return sorted(self._entries)


def _display(names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {lang: list(variants)[0] for lang, variants in names.items() if list(variants)}


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The project's gazetteer, loaded once per process."""
    return Gazetteer.from_file(PLACES_PATH)

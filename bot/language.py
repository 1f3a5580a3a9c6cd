"""Which language to answer in.

Every message is looked at; the answer language changes only on a clear signal, so "ok", "👍", "9000"
or "Gent" keep the current language. Cyrillic text is Ukrainian (Russian is answered in Ukrainian).
For Latin script, a short list of unambiguous words decides one- and two-word messages ("merci" is
French to the detector but Belgians say it in Dutch too, so it is not on the list), and the lingua
detector, restricted to the languages that matter and built for short text, decides longer ones only
when it is confident. Place names are removed first: "Liège" says where, not which language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Optional

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, normalize_language

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|\b[\w-]+\.(?:be|com|org|eu|net)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]")

#: Words that settle the language of a one- or two-word message on their own.
SIGNAL_WORDS: dict[str, frozenset[str]] = {
    "nl": frozenset(
        "hallo hoi dag goeiedag goedendag goedemorgen goedemiddag goedenavond bedankt dankjewel "
        "dankuwel dank alstublieft alsjeblieft aub doei ziens nee jawel waar hoe wanneer wat waarom "
        "wie ik wij woon wonen hulp woning werk taal dokter ziekenhuis mijn zijn een het niet ook "
        "graag kan kunnen moet heb hebben kinderen".split()
    ),
    "fr": frozenset(
        "bonjour bonsoir salut coucou oui non revoir svp stp où comment quand pourquoi quoi qui "
        "logement travail école médecin hôpital aide besoin je j'habite habite nous vous suis est "
        "les des une pour avec dans c'est mon mes enfants peux puis la le du combien quel quelle "
        "temps dois faut ma".split()
    ),
    "en": frozenset(
        "hi hello hey thanks thank thx bye goodbye please yes where how when why what who housing "
        "job doctor hospital need i i'm my live the we you can't don't with children kids "
        "could would".split()
    ),
}

#: Words that carry no language: they are removed before detection.
NEUTRAL_WORDS = frozenset("ok oke oké okay okey merci super top info ja no nein si sí da".split())


@dataclass(frozen=True)
class Detection:
    """The language a message is written in, if it says so clearly; else the best guess."""

    language: Optional[str]
    reason: str
    #: The most likely of the four languages even when the signal is not clear (None: no idea).
    guess: Optional[str] = None
    #: How sure the guess is (0 to 1).
    guess_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.language is not None and self.guess is None:
            object.__setattr__(self, "guess", self.language)
            object.__setattr__(self, "guess_confidence", 1.0)


@lru_cache(maxsize=1)
def _lingua():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.UKRAINIAN,
        Language.RUSSIAN,
        Language.DUTCH,
        Language.FRENCH,
        Language.ENGLISH,
        Language.GERMAN,
    ]
    # Models load on first use, not all at once: the detector only ever sees Latin-script words
    # (Cyrillic is decided by script above it), so lingua's own script rule never consults the
    # Ukrainian and Russian models and they stay on disk (about 75 MB of the action server).
    # `warm_up_model` loads the Latin-script ones at start-up.
    return LanguageDetectorBuilder.from_languages(*languages).build()


def warm_up_model() -> None:
    """Load the models the detector uses (seconds): at start-up rather than on a first message."""
    _lingua().compute_language_confidence_values("where can we find help for the family, merci beaucoup")


_LINGUA_CODES = {"UKRAINIAN": "uk", "RUSSIAN": "ru", "DUTCH": "nl", "FRENCH": "fr", "ENGLISH": "en", "GERMAN": "de"}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word.casefold().replace("’", "'"))


class LanguageDetector:
    """Detects the language of a message, or says there is no clear signal.

    `place_words` removes place names before detection (see bot.regions); `min_confidence` is the
    lingua confidence a message of three or more words needs to count as a signal.
    """

    def __init__(
        self,
        place_words: Optional[Callable[[str], Iterable[str]]] = None,
        min_confidence: float = 0.75,
        min_letters: int = 8,
        use_model: bool = True,
    ) -> None:
        self._place_words = place_words
        self.min_confidence = min_confidence
        self.min_letters = min_letters
        #: Without the lingua model (about 200 MB) only script and signal words decide.
        self.use_model = use_model

    def detect(self, text: str) -> Detection:
        """The language of `text` (one of LANGUAGES), or None when it gives no clear signal."""
        if not text:
            return Detection(None, "empty")
        text = _URL.sub(" ", text)
        if _CYRILLIC.search(text):
            cyrillic_text = "".join(_WORD.findall(text))
            if len(_CYRILLIC.findall(cyrillic_text)) >= len(_LATIN.findall(cyrillic_text)):
                # Ukrainian, or Russian which is answered in Ukrainian; a Cyrillic place name counts.
                return Detection("uk", "cyrillic")
        if self._place_words is not None:
            for place in self._place_words(text):
                text = re.sub(re.escape(place), " ", text, flags=re.I)
        words = [_fold(w) for w in _WORD.findall(text)]
        words = [w for w in words if w not in NEUTRAL_WORDS]
        if not words:
            return Detection(None, "no words")
        letters = "".join(words)
        cyrillic = len(_CYRILLIC.findall(letters))
        latin = len(_LATIN.findall(letters))
        if cyrillic and cyrillic >= latin:
            # Ukrainian, or Russian which is answered in Ukrainian.
            return Detection("uk", "cyrillic")
        if not latin:
            return Detection(None, "other script")
        votes = {lang: sum(w in signal for w in words) for lang, signal in SIGNAL_WORDS.items()}
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        (top, top_votes), (_second, second_votes) = ranked[0], ranked[1]
        if len(words) <= 2 or not self.use_model:
            clear = top_votes > 0 and second_votes == 0
        else:
            clear = (top_votes >= 2 and second_votes == 0) or (top_votes >= 3 and top_votes >= 2 * second_votes)
        if clear:
            return Detection(top, "signal words")
        # Not clear: a guess for a conversation that has no language yet.
        vote_guess = top if top_votes > second_votes else None
        vote_confidence = 0.5 if vote_guess else 0.0
        if len(words) <= 2 and len(letters) < self.min_letters:
            return Detection(None, "too short", vote_guess, vote_confidence)
        if not self.use_model:
            return Detection(None, "no model", vote_guess, vote_confidence)
        detector = _lingua()
        latin_text = " ".join(w for w in words if _LATIN.search(w))
        confidences = detector.compute_language_confidence_values(latin_text)
        if not confidences:
            return Detection(None, "undetected", vote_guess, vote_confidence)
        best = confidences[0]
        code = _LINGUA_CODES.get(best.language.name)
        # The best of the four (Russian counts for Ukrainian), however unsure.
        ours = {}
        for value in confidences:
            lang = normalize_language(_LINGUA_CODES.get(value.language.name))
            if lang in LANGUAGES:
                ours[lang] = ours.get(lang, 0.0) + value.value
        guess = max(ours, key=ours.get) if ours else vote_guess  # type: ignore[arg-type]
        guess_confidence = ours.get(guess, vote_confidence) if guess else 0.0
        needed = self.min_confidence if len(words) >= 3 else max(self.min_confidence, 0.9)
        if best.value < needed or code not in LANGUAGES:
            return Detection(None, f"unsure ({code} {best.value:.2f})", guess, guess_confidence)
        return Detection(code, f"lingua {best.value:.2f}")


#: How sure a first message's language guess must be to overrule the channel's language hint.
FIRST_MESSAGE_GUESS = 0.5


def choose_language(
    detection: Detection,
    current: Optional[str],
    hint: Optional[str] = None,
) -> str:
    """The answer language: a clear signal in the message, else the current one. A conversation
    with no language yet takes the message's best guess, combined with the channel's hint: the hint
    wins only when the guess is weak ("Is there free public transport for us?" is English even when
    the detector is not sure)."""
    if detection.language in LANGUAGES:
        return detection.language  # type: ignore[return-value]
    if current in LANGUAGES:
        return current  # type: ignore[return-value]
    hinted = normalize_language(hint)
    guess = detection.guess if detection.guess in LANGUAGES else None
    if guess and hinted and guess != hinted:
        return guess if detection.guess_confidence >= FIRST_MESSAGE_GUESS else hinted
    return guess or hinted or DEFAULT_LANGUAGE


#: How people name a language they want to switch to, in the four languages (and Russian).
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "uk": ("українськ", "украинск", "ukrain", "oekraïens", "oekraiens", "ukrainien"),
    "nl": ("nederland", "нідерланд", "голланд", "нидерланд", "dutch", "vlaams", "flemish", "néerlandais", "neerlandais", "фламанд", "flamand"),
    "fr": ("franç", "franc", "frans", "french", "французьк", "французск"),
    "en": ("english", "engels", "anglais", "англійськ", "английск", "англ"),
}


def requested_language(text: str) -> Optional[str]:
    """The language a "speak X please" message names, if exactly one is named."""
    folded = _fold(text)
    found = {lang for lang, stems in LANGUAGE_NAMES.items() for stem in stems if stem in folded}
    return found.pop() if len(found) == 1 else None

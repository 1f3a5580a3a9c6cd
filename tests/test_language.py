"""Which language a message is in, and which language the answer is in."""

from __future__ import annotations

import pytest

from bot.language import Detection, choose_language, requested_language
from bot.languages import normalize_language

DETECTION = [
    # Clear messages, short and long, in each language.
    ("Скільки триває тимчасовий захист?", "uk"),
    ("Привіт", "uk"),
    ("де знайти житло у Генті", "uk"),
    ("Привет, как дела? Где найти работу?", "uk"),  # Russian is answered in Ukrainian
    ("Hoe lang duurt de tijdelijke bescherming?", "nl"),
    ("Waar kan ik Nederlands leren?", "nl"),
    ("ik zoek werk", "nl"),
    ("hallo", "nl"),
    ("bedankt", "nl"),
    ("Combien de temps dure la protection temporaire ?", "fr"),
    ("je cherche un logement à Liège", "fr"),
    ("J'habite à Gand", "fr"),
    ("bonjour", "fr"),
    ("How long does temporary protection last?", "en"),
    ("Where can I learn Dutch?", "en"),
    ("I need a doctor for my son", "en"),
    ("thanks", "en"),
    ("hello", "en"),
    ("I have two kids in Antwerp, where school?", "en"),
    ("Ik woon in Luik", "nl"),
    # No language signal: keep the current language.
    ("ok", None),
    ("OK!", None),
    ("👍", None),
    ("🙏🙏", None),
    ("9000", None),
    ("Gent", None),
    ("Liège", None),
    ("Антверпен", "uk"),
    ("merci", None),  # said in French and in Belgian Dutch
    ("help", None),  # English and Dutch
    ("school", None),  # English and Dutch
    ("info", None),
    ("", None),
    ("   ", None),
    ("???", None),
    ("www.info-ukraine.be", None),
]


@pytest.mark.parametrize("text,expected", DETECTION)
def test_detection(assistant, text: str, expected) -> None:
    assert assistant.detector.detect(text).language == expected


@pytest.mark.parametrize(
    "detected,current,hint,expected",
    [
        ("nl", "uk", None, "nl"),  # a clear switch
        (None, "fr", "en", "fr"),  # no signal: keep the conversation's language
        (None, None, "fr-BE", "fr"),  # the channel's hint starts the conversation
        (None, None, "ru", "uk"),  # a Russian-speaking client starts in Ukrainian
        (None, None, None, "uk"),  # nothing known: the default
        ("en", None, "uk", "en"),  # the first message is a question in English
    ],
)
def test_choose_language(detected, current, hint, expected) -> None:
    assert choose_language(Detection(detected, "test"), current, hint) == expected


@pytest.mark.parametrize(
    "code,expected",
    [("uk-UA", "uk"), ("uk", "uk"), ("fr_BE", "fr"), ("nl-BE", "nl"), ("EN", "en"), ("en-GB", "en"),
     ("ru", "uk"), ("ru-UA", "uk"), ("de", None), ("", None), (None, None), ("xx-??", None), (42, None)],
)
def test_channel_language_codes(code, expected) -> None:
    assert normalize_language(code) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("can you answer in English please", "en"),
        ("українською, будь ласка", "uk"),
        ("in het Nederlands aub", "nl"),
        ("en français svp", "fr"),
        ("говори по-английски", "en"),
        ("spreek Frans of Engels", None),
        ("change language", None),
    ],
)
def test_requested_language(text, expected) -> None:
    assert requested_language(text) == expected


def test_detection_on_the_held_out_messages(assistant) -> None:
    """Over 1,500 realistic messages of known language: almost never a wrong switch."""
    from bot.tools.evaluate import NLU_SETS, load_examples

    examples = load_examples(NLU_SETS / "dev")
    wrong = [
        (e.lang, e.text, got)
        for e in examples
        if (got := assistant.detector.detect(e.text).language) is not None and got != ("uk" if e.lang == "ru" else e.lang)
    ]
    undecided = sum(assistant.detector.detect(e.text).language is None for e in examples)
    assert len(wrong) <= len(examples) * 0.01, wrong
    assert undecided <= len(examples) * 0.2


@pytest.mark.parametrize(
    "text,expected",
    [("Waar kan ik werk vinden?", "nl"), ("Où trouver du travail ?", "fr"), ("Де знайти роботу?", "uk"), ("ok", None)],
)
def test_quick_detection_without_the_model(text, expected) -> None:
    from bot.language import LanguageDetector

    assert LanguageDetector(use_model=False).detect(text).language == expected

"""What the assistant says and remembers on each turn, independent of Rasa's action server.

A `Turn` is what the user just sent plus what the conversation remembers (language, region, a
question waiting for the region). Each handler returns an `Outcome`: the replies and the slots to
change. The actions in `actions/` are thin adapters from a Rasa tracker to these handlers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Mapping, Optional

from bot.answers import (
    Button,
    Reply,
    ask_region,
    compose_answer,
    website_lines,
)
from bot.handover.messages import human_button
from bot.i18n import translator
from bot.knowledge.provider import KnowledgeProvider
from bot.language import Detection, LanguageDetector, choose_language, requested_language
from bot.languages import ENDONYMS, LANGUAGES, normalize_language
from bot.payloads import language_payload, payload
from bot.taxonomy import INTENT_TOPICS, REGION_NAMES, TOPIC_INTENTS, TOPIC_TITLES, WHERE
from bot.regions import Gazetteer, Place, default_gazetteer
from bot.text import clean_user_text, has_words

logger = logging.getLogger(__name__)

#: Topics whose answer differs by region: asked for when the region is not known yet.
REGION_DEPENDENT = frozenset(
    {"housing", "work", "schooling", "language_courses", "health", "psychological_support", "community_support"}
)

#: Slots the assistant keeps for a conversation.
SLOTS = ("language", "channel_language", "region", "province", "pending_topic")


_FILLER = frozenset(
    "i we live living am are is in at to from the my our now near "
    "ik wij woon wonen te bij nu "
    "je j'habite habite nous habitons vis vivons à a au en de dans près maintenant "
    "я ми живу живемо зараз тепер у в біля під з "
    "мы живём живем сейчас".split()
)


def _only_a_place(text: str, place: Place) -> bool:
    """True when a message names a place and hardly anything else ("we live in Ghent")."""
    rest = clean_user_text(text).replace(place.matched, " ")
    words = [w for w in re.findall(r"[^\W\d_]+", rest.casefold()) if w not in _FILLER]
    return len(words) <= 1


def _shown(kb: Any, topic: str, lang: str, region: Optional[str], province: Optional[str], question: str) -> Optional["Shown"]:
    """What compose_answer showed (None when it had no fact to show)."""
    from bot.answers import MAX_FACTS, rank_facts
    from bot.privacy import redact

    facts = rank_facts(kb.facts_for(topic, region, province), lang, question, province)[:MAX_FACTS]
    return Shown(tuple(f.id for f in facts), topic, redact(question)) if facts else None


@dataclass(frozen=True)
class Turn:
    """The latest user message and what the conversation remembers."""

    text: str = ""
    intent: Optional[str] = None
    entities: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    language: Optional[str] = None
    channel_language: Optional[str] = None
    region: Optional[str] = None
    province: Optional[str] = None
    pending_topic: Optional[str] = None

    @property
    def is_payload(self) -> bool:
        """True for a button press (the text is the button's payload)."""
        return self.text.lstrip().startswith("/")


@dataclass(frozen=True)
class Shown:
    """What a real answer showed: its facts, its topic and the question (personal data removed)."""

    fact_ids: tuple[str, ...]
    topic: str
    question: str = ""


@dataclass
class Outcome:
    """Replies to send and slots to set."""

    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    #: Forget every slot before setting `slots` (a restart keeps only the language).
    reset_slots: bool = False
    #: Set for a real answer from the knowledge (not a greeting, a fallback or a question back).
    shown: Optional[Shown] = None


class Assistant:
    """The conversation logic: language, region, and answers from the knowledge file."""

    def __init__(
        self,
        knowledge: KnowledgeProvider,
        gazetteer: Gazetteer,
        detector: Optional[LanguageDetector] = None,
    ) -> None:
        self.knowledge = knowledge
        self.gazetteer = gazetteer
        self.detector = detector or LanguageDetector(place_words=gazetteer.place_words)

    # -- context ---------------------------------------------------------------------------------

    def _context(self, turn: Turn, outcome: Outcome) -> tuple[str, Optional[Place]]:
        """Decide the answer language and the place named in this turn; record slot changes."""
        text = "" if turn.is_payload else clean_user_text(turn.text)
        hint = normalize_language(turn.metadata.get("language")) if turn.metadata else None
        explicit = normalize_language(turn.entities.get("language"))
        if explicit is None and hint and hint != turn.channel_language and turn.channel_language:
            # The page's language selector changed: an explicit choice.
            explicit = hint
        if explicit:
            lang = explicit
        else:
            detection = self.detector.detect(text) if text else Detection(None, "payload")
            lang = choose_language(detection, turn.language, hint)
        if lang != turn.language:
            outcome.slots["language"] = lang
        if hint and hint != turn.channel_language:
            outcome.slots["channel_language"] = hint

        place: Optional[Place] = None
        region_entity = turn.entities.get("region")
        if isinstance(region_entity, str) and region_entity in REGION_NAMES:
            place = Place(id=f"region:{region_entity}", kind="region", region=region_entity, province=None)
        elif text:
            place = self.gazetteer.resolve(text)
        if place is not None:
            if place.region != turn.region:
                outcome.slots["region"] = place.region
            if place.province != turn.province and (place.province or place.region != turn.region):
                outcome.slots["province"] = place.province
        return lang, place

    @staticmethod
    def _region(turn: Turn, outcome: Outcome) -> tuple[Optional[str], Optional[str]]:
        region = outcome.slots.get("region", turn.region)
        province = outcome.slots.get("province", turn.province)
        return region, province

    # -- handlers --------------------------------------------------------------------------------

    def answer_question(self, turn: Turn) -> Outcome:
        """Answer a question intent from the knowledge file, asking for the region when needed."""
        outcome = Outcome()
        lang, place = self._context(turn, outcome)
        if turn.pending_topic and place is not None and _only_a_place(turn.text, place):
            # "у Генті" after "where do you live?": an answer to the region question, whatever
            # topic the model read into the place name.
            return self.set_region(turn)
        topic = INTENT_TOPICS.get(turn.intent or "")
        if topic is None:
            return self._fallback(turn, outcome, lang)
        region, province = self._region(turn, outcome)
        if topic in REGION_DEPENDENT and not region:
            outcome.slots["pending_topic"] = topic
            outcome.replies.append(ask_region(lang))
            return outcome
        if turn.pending_topic:
            outcome.slots["pending_topic"] = None
        question = "" if turn.is_payload else clean_user_text(turn.text)
        kb = self.knowledge.get()
        outcome.replies.append(compose_answer(kb, topic, lang, region, province, question=question))
        outcome.shown = _shown(kb, topic, lang, region, province, question)
        return outcome

    def set_region(self, turn: Turn) -> Outcome:
        """The user named a place or pressed a region button: remember it, answer what was pending."""
        outcome = Outcome()
        lang, place = self._context(turn, outcome)
        _ = translator(lang)
        if place is None:
            outcome.replies.append(ask_region(lang, unknown_place=True))
            return outcome
        region, province = self._region(turn, outcome)
        name = place.name(lang) if place.kind == "municipality" else None
        region_name = _(REGION_NAMES[place.region])
        if name and name.casefold() != region_name.casefold():
            note = _("Noted: {place} ({region}).").format(place=name, region=region_name)
        else:
            note = _("Noted: {region}.").format(region=region_name)
        outcome.replies.append(Reply(note))
        if turn.pending_topic in TOPIC_TITLES:
            outcome.slots["pending_topic"] = None
            kb = self.knowledge.get()
            outcome.replies.append(compose_answer(kb, turn.pending_topic, lang, region, province))
            outcome.shown = _shown(kb, turn.pending_topic, lang, region, province, "")
        else:
            outcome.replies.append(Reply(_("What would you like to know?"), self._topic_buttons(lang)))
        return outcome

    def choose_language(self, turn: Turn) -> Outcome:
        """Switch to a language the user named or picked; show the choice when none was named."""
        outcome = Outcome()
        requested = normalize_language(turn.entities.get("language"))
        if requested is None and not turn.is_payload:
            requested = requested_language(turn.text)
        if requested is None:
            lang, _place = self._context(turn, outcome)
            _ = translator(lang)
            outcome.replies.append(
                Reply(
                    _("Which language would you like me to use?"),
                    tuple(Button(ENDONYMS[code], language_payload(code)) for code in LANGUAGES),
                )
            )
            return outcome
        self._context(replace(turn, entities={**turn.entities, "language": requested}), outcome)
        _ = translator(requested)
        outcome.slots["language"] = requested
        outcome.replies.append(Reply(_("From now on I will answer in English.")))
        if turn.pending_topic in TOPIC_TITLES:
            # Repeat the pending question (asking for the region) in the new language.
            outcome.replies.append(ask_region(requested))
        return outcome

    def greet(self, turn: Turn) -> Outcome:
        outcome = Outcome()
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        text = _(
            "Hello! I answer questions from people displaced from Ukraine who live in Belgium: "
            "temporary protection, registration, housing, school, language courses, work, health, "
            "psychological support and official information. Ask your question in Ukrainian, Dutch, "
            "French or English."
        )
        outcome.replies.append(
            Reply(text, tuple(Button(ENDONYMS[c], language_payload(c)) for c in LANGUAGES))
        )
        return outcome

    def help(self, turn: Turn) -> Outcome:
        outcome = Outcome()
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        text = "\n".join(
            [
                _("I answer from official Belgian and EU sources, with the date and source of each figure."),
                _("Choose a topic or type your question. To change the language, write /language."),
            ]
        )
        outcome.replies.append(Reply(text, self._topic_buttons(lang)))
        return outcome

    def thank(self, turn: Turn) -> Outcome:
        outcome = Outcome()
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        outcome.replies.append(Reply(_("You're welcome. Ask me anything else you need to know.")))
        return outcome

    def goodbye(self, turn: Turn) -> Outcome:
        outcome = Outcome()
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        outcome.replies.append(Reply(_("Goodbye, take care. You can write again at any time.")))
        return outcome

    def restart(self, turn: Turn) -> Outcome:
        """Start over: forget the region and any pending question; keep the language."""
        outcome = Outcome(reset_slots=True)
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        outcome.slots = {
            "language": lang,
            "channel_language": outcome.slots.get("channel_language", turn.channel_language),
        }
        outcome.replies.append(
            Reply(_("Let's start again. What would you like to know?"), self._topic_buttons(lang))
        )
        return outcome

    def explain_media(self, turn: Turn) -> Outcome:
        """A sticker, photo, voice message, document or location: only text can be read."""
        outcome = Outcome()
        lang, _place = self._context(turn, outcome)
        _ = translator(lang)
        if turn.intent == "share_location":
            text = _("Thank you. I cannot read a location: please write the name of your town or your postcode.")
        else:
            text = _("I can only read text messages. Please type your question in words.")
        outcome.replies.append(Reply(text))
        return outcome

    def fallback(self, turn: Turn) -> Outcome:
        """Out of scope or not understood: say what the assistant can do and where to look."""
        outcome = Outcome()
        lang, place = self._context(turn, outcome)
        if place is not None and (turn.pending_topic or _only_a_place(turn.text, place)):
            # A place the model did not classify: an answer to the region question, or a move.
            return self.set_region(turn)
        return self._fallback(turn, outcome, lang)

    def _fallback(self, turn: Turn, outcome: Outcome, lang: str) -> Outcome:
        _ = translator(lang)
        region, _province = self._region(turn, outcome)
        if not has_words(clean_user_text(turn.text)):
            first = _("I could not find a question in your message. Please write it in words.")
        else:
            first = _("Sorry, I cannot answer that question.")
        lines = [
            first,
            _(
                "I can help with: temporary protection, registration, housing, school, language "
                "courses, work, health, psychological support and official information."
            ),
            *website_lines(self.knowledge.get().websites_for(region), lang, limit=3),
        ]
        outcome.replies.append(Reply("\n".join(lines), (*self._topic_buttons(lang), human_button(lang))))
        return outcome

    @staticmethod
    def _topic_buttons(lang: str) -> tuple[Button, ...]:
        _ = translator(lang)
        return tuple(Button(_(TOPIC_TITLES[INTENT_TOPICS[i]]), payload(i)) for i in TOPIC_INTENTS)


def warm_up() -> Assistant:
    """Load everything the first answer needs (knowledge, places, language model) now."""
    assistant = default_assistant()
    try:
        assistant.knowledge.get()
    except Exception:  # noqa: BLE001 - logged by the provider; the server still starts
        logger.warning("warm_up: the knowledge could not be loaded yet")
    if assistant.detector.use_model:
        from bot.language import _lingua

        _lingua()  # building the detector's models takes seconds: not on the first message
    return assistant


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    """The process-wide assistant: knowledge, gazetteer and detector loaded once, lazily."""
    return Assistant(KnowledgeProvider(), default_gazetteer())


__all__ = ["Assistant", "Outcome", "Shown", "Turn", "INTENT_TOPICS", "REGION_DEPENDENT", "SLOTS", "WHERE", "default_assistant", "warm_up"]

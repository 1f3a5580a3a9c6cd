"""The assistant's taxonomy, in one place: topics, the intents that ask about them, their titles, the
regions and provinces, and the kinds of fact.

Everything else reads these names from here: the knowledge loader (valid topics, regions, provinces
and kinds), the dialogue (which intent asks about which topic), the answers and the staff tools
(titles, "in <region>"), the button payloads (topic and region buttons), the schema (its enums are
filled from this module when it is loaded). Rasa's own files (`domain.yml`, `data/rules/`) cannot
import Python: `tests/test_taxonomy.py` checks that they list exactly these intents.
"""

from __future__ import annotations

from typing import Mapping

from bot.i18n import N_

# -- regions -------------------------------------------------------------------------------------

#: Where a fact applies. "eu" is for facts about the European Union as a whole.
REGIONS: tuple[str, ...] = ("eu", "belgium", "flanders", "wallonia", "brussels")

#: The three regions a person lives in (the region question's buttons).
LIVING_REGIONS: tuple[str, ...] = ("flanders", "wallonia", "brussels")

#: Regions fact sheets are printed for.
SHEET_REGIONS: tuple[str, ...] = ("belgium", "flanders", "wallonia", "brussels")

#: Provinces, each in its region.
PROVINCES: Mapping[str, str] = {
    "antwerp": "flanders",
    "limburg": "flanders",
    "east_flanders": "flanders",
    "west_flanders": "flanders",
    "flemish_brabant": "flanders",
    "walloon_brabant": "wallonia",
    "hainaut": "wallonia",
    "liege": "wallonia",
    "luxembourg": "wallonia",
    "namur": "wallonia",
}

#: A region's name ("Flanders"), translated with the catalogs.
REGION_NAMES: Mapping[str, str] = {
    "flanders": N_("Flanders"),
    "wallonia": N_("Wallonia"),
    "brussels": N_("Brussels"),
}

#: "in <region>", as each language says it ("у Фландрії", "en Flandre", "à Bruxelles").
WHERE: Mapping[str, str] = {
    "eu": N_("in the European Union"),
    "belgium": N_("in Belgium"),
    "flanders": N_("in Flanders"),
    "wallonia": N_("in Wallonia"),
    "brussels": N_("in the Brussels-Capital Region"),
}

# -- topics --------------------------------------------------------------------------------------

#: What a fact is about, and the title of each topic (translated with the catalogs).
TOPIC_TITLES: Mapping[str, str] = {
    "protection_duration": N_("How long temporary protection lasts"),
    "temporary_protection": N_("Temporary protection"),
    "registration": N_("Registration and arrival"),
    "housing": N_("Housing"),
    "work": N_("Work"),
    "schooling": N_("School and education"),
    "language_courses": N_("Language courses"),
    "health": N_("Health care"),
    "psychological_support": N_("Psychological support"),
    "money": N_("Money and social assistance"),
    "official_info": N_("Official information"),
    "statistics": N_("Figures"),
    "community_support": N_("Community and integration"),
    "coordination": N_("Coordination of the reception"),
}

TOPICS: tuple[str, ...] = tuple(TOPIC_TITLES)

#: Topics a person asks about directly (every topic but the reception's own coordination).
#: Each must have guidance for every region (tests/knowledge/test_guidance.py).
GUIDANCE_TOPICS: tuple[str, ...] = (
    "temporary_protection",
    "registration",
    "housing",
    "work",
    "schooling",
    "language_courses",
    "health",
    "psychological_support",
    "money",
    "official_info",
)

# -- intents -------------------------------------------------------------------------------------

#: Question intents and the knowledge topic each one asks about (its prior in retrieval).
INTENT_TOPICS: Mapping[str, str] = {
    "ask_protection_duration": "protection_duration",
    "ask_protection_rights": "temporary_protection",
    "ask_registration": "registration",
    "ask_housing": "housing",
    "ask_work": "work",
    "ask_schooling": "schooling",
    "ask_language_courses": "language_courses",
    "ask_health": "health",
    "ask_psychological_support": "psychological_support",
    "ask_money": "money",
    "ask_official_info": "official_info",
    "ask_statistics": "statistics",
    "ask_community_support": "community_support",
}

#: Question intents offered as topic buttons in the help menu, in this order.
TOPIC_INTENTS: tuple[str, ...] = tuple(INTENT_TOPICS)

#: The intent that asks about a topic (for "More about <topic>" and topic buttons).
TOPIC_INTENT: Mapping[str, str] = {topic: intent for intent, topic in INTENT_TOPICS.items()}

#: Intents that are not questions about a topic.
CONVERSATION_INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "help",
    "start_over",
    "choose_language",
    "inform_region",
    "request_human",
    "out_of_scope",
)

#: Sent by channels, never typed: a sticker, photo, voice message... or a location.
CHANNEL_INTENTS: tuple[str, ...] = ("share_media", "share_location")

#: Sent only by the assistant's own buttons ("More about <topic>", 👍 / 👎 under an answer).
BUTTON_INTENTS: tuple[str, ...] = ("more_about", "feedback")

#: Every intent of the model's domain.
INTENTS: tuple[str, ...] = CONVERSATION_INTENTS + CHANNEL_INTENTS + BUTTON_INTENTS + TOPIC_INTENTS

# -- kinds of fact -------------------------------------------------------------------------------

#: A figure (a number or a percentage), background about what happened, or what a person can do.
FACT_KINDS: tuple[str, ...] = ("statistic", "context", "guidance")

__all__ = [
    "BUTTON_INTENTS",
    "CHANNEL_INTENTS",
    "CONVERSATION_INTENTS",
    "FACT_KINDS",
    "GUIDANCE_TOPICS",
    "INTENTS",
    "INTENT_TOPICS",
    "LIVING_REGIONS",
    "PROVINCES",
    "REGIONS",
    "REGION_NAMES",
    "SHEET_REGIONS",
    "TOPICS",
    "TOPIC_INTENT",
    "TOPIC_INTENTS",
    "TOPIC_TITLES",
    "WHERE",
]

"""Interface text of the web chat, from the gettext catalogs, for the widget in the browser."""

from __future__ import annotations

from bot.i18n import N_, translator
from bot.languages import LANGUAGES

WIDGET_STRINGS = {
    "title": N_("Help for people from Ukraine in Belgium"),
    "language": N_("Language"),
    "new_conversation": N_("New conversation"),
    "privacy": N_(
        "Answers come from official Belgian and EU sources. Please do not write your phone number, "
        "address or document numbers here."
    ),
    "remember": N_("Remember this conversation on this device"),
    "conversation": N_("Conversation with the assistant"),
    "input_label": N_("Your question"),
    "input_placeholder": N_("Type your question…"),
    "send": N_("Send"),
    "you": N_("You said:"),
    "assistant": N_("The assistant said:"),
    "typing": N_("The assistant is answering…"),
    "reconnecting": N_("Connection lost. Reconnecting…"),
    "page_intro": N_(
        "Ask about temporary protection, registration, housing, school, language courses, work, health "
        "and psychological support, in Ukrainian, Dutch, French or English."
    ),
    "noscript": N_("The chat needs JavaScript. Official information: {url}"),
    "staff_said": N_("{name} of the helpline staff said:"),
    "staff_name": N_("{name} · helpline staff"),
    "sent_to_staff": N_("Sent to the helpline staff."),
}


def widget_strings() -> dict[str, dict[str, str]]:
    """Every widget sentence in the four languages."""
    out = {}
    for lang in LANGUAGES:
        _ = translator(lang)
        out[lang] = {key: _(message) for key, message in WIDGET_STRINGS.items()}
    return out

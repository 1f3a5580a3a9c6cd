"""What the user is told about the hand-over, in their language (gettext catalogs)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from bot.answers import Button, Reply, website_lines
from bot.handover.hours import OfficeHours
from bot.i18n import translator
from bot.knowledge.loader import KnowledgeBase
from bot.payloads import HANDOVER_CANCEL, payload


def human_button(lang: str) -> Button:
    """"Talk to a person", offered after a fallback and after an answer rated unhelpful."""
    _ = translator(lang)
    return Button(_("Talk to a person"), payload("request_human"))


def cancel_button(lang: str) -> Button:
    _ = translator(lang)
    return Button(_("Continue with the assistant"), HANDOVER_CANCEL)


def queued(lang: str, ahead: int) -> Reply:
    """Within office hours: a staff member will join; how many are waiting before the user."""
    _ = translator(lang)
    lines = [_("A staff member of the helpline will join this conversation soon.")]
    if ahead > 0:
        lines.append(_("People waiting before you: {count}.").format(count=ahead))
    else:
        lines.append(_("You are next."))
    lines.append(
        _("Meanwhile, write your question here: the staff member will read it. The assistant stays silent until then.")
    )
    return Reply("\n".join(lines), (cancel_button(lang),))


def already_waiting(lang: str) -> Reply:
    _ = translator(lang)
    return Reply(
        _("You have already asked for a staff member. They will join this conversation soon."), (cancel_button(lang),)
    )


def already_left(lang: str) -> Reply:
    _ = translator(lang)
    return Reply(_("Your question is already waiting for the helpline staff. They will answer it in this chat."))


def help_lines(kb: Optional[KnowledgeBase], region: Optional[str], lang: str) -> list[str]:
    """The official information lines for the user's region, from the knowledge file."""
    if kb is None:
        return []
    return website_lines(kb.websites_for(region, "official_info"), lang, limit=3)


def closed(
    lang: str, hours: OfficeHours, now: dt.datetime, kb: Optional[KnowledgeBase], region: Optional[str]
) -> Reply:
    """Outside office hours: when staff are back, how to leave a question, official help meanwhile."""
    _ = translator(lang)
    lines = [_("The helpline staff are not available right now.")]
    described = hours.describe(lang)
    if described:
        lines.append(_("Their hours: {hours}.").format(hours=described))
    back = hours.when_back(now, lang)
    if back:
        lines.append(_("They are back {when}.").format(when=back))
    lines.append(
        _("You can leave your question: write it in your next message, and a staff member will answer it in this chat.")
    )
    official = help_lines(kb, region, lang)
    if official:
        lines.append(_("Official help meanwhile:"))
        lines.extend(official)
    return Reply("\n".join(lines), (cancel_button(lang),))


def question_saved(lang: str, hours: OfficeHours, now: dt.datetime) -> str:
    _ = translator(lang)
    back = hours.when_back(now, lang)
    text = _("Thank you. Your question is saved: a staff member will answer it in this chat.")
    if back:
        text += " " + _("They are back {when}.").format(when=back)
    return text + "\n" + _("Meanwhile I can answer other questions.")


def cancelled(lang: str) -> str:
    _ = translator(lang)
    return _("All right: the assistant answers again. Ask your question.")


def taken(lang: str, operator: str) -> str:
    _ = translator(lang)
    return _("{name} of the helpline staff has joined the conversation.").format(name=operator)


def handed_back(lang: str) -> str:
    _ = translator(lang)
    return _("The staff member has handed the conversation back to the assistant. You can ask your questions here.")


def closed_by_staff(lang: str) -> str:
    _ = translator(lang)
    return _("The staff member has closed the conversation. The assistant answers again if you have more questions.")


def timed_out(lang: str, was_taken: bool) -> str:
    _ = translator(lang)
    if was_taken:
        return _(
            "Nobody has written here for a while, so the assistant answers again. You can ask for a person again at any time."
        )
    return _(
        "No staff member is free right now, so the assistant answers again. Your request stays with the helpline: "
        "a staff member will answer you in this chat."
    )


def staff_heading(lang: str, operator: str) -> str:
    """How a staff reply is introduced where a channel cannot show who wrote it (Telegram)."""
    _ = translator(lang)
    return _("{name} (helpline staff):").format(name=operator)

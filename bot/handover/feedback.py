"""Feedback on answers: "Was this helpful?" with 👍 / 👎 under every real answer, an optional comment
after 👎 (with a person offered), and the report for staff.

The prompt is added in one place (`with_feedback`, called by the actions' base class) from the
answer's `Outcome.shown`: its fact ids, topic and question are remembered in the `last_answer` slot so
the feedback action can store them. Nothing blocks the next question: the comment is optional (a
field in the web chat, a reply to the "what was missing?" message on Telegram); any other message is
a new question.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from bot.answers import Button, Reply
from bot.dialogue import Outcome
from bot.handover.messages import human_button
from bot.handover.store import HandoverStore, channel_of, default_store
from bot.i18n import translator
from bot.languages import LANGUAGES
from bot.payloads import feedback_payload
from bot.privacy import redact

logger = logging.getLogger(__name__)

#: The slot that remembers what the last real answer showed.
SLOT = "last_answer"


def prompt(lang: str) -> Reply:
    _ = translator(lang)
    return Reply(
        _("Was this helpful?"),
        (Button(_("👍 Yes"), feedback_payload("up")), Button(_("👎 No"), feedback_payload("down"))),
    )


def with_feedback(outcome: Outcome, lang: Optional[str]) -> Outcome:
    """Add "Was this helpful?" under a real answer (`outcome.shown`), and remember what it showed."""
    shown = outcome.shown
    if shown is None or not outcome.replies:
        return outcome
    outcome.replies.append(prompt(lang or "uk"))
    outcome.slots[SLOT] = {
        "fact_ids": list(shown.fact_ids),
        "topic": shown.topic,
        "question": redact(shown.question or "")[:500],
    }
    return outcome


def comment_prompt_text(lang: str) -> str:
    _ = translator(lang)
    return _("What was missing? You can write it here (optional).")


def comment_request(lang: str) -> dict:
    """The optional "what was missing?" field: a form in the web chat, a ForceReply on Telegram."""
    _ = translator(lang)
    return {
        "feedback_comment": {
            "prompt": comment_prompt_text(lang),
            "placeholder": _("What were you looking for?"),
            "send": _("Send comment"),
            "thanks": _("Thank you, your comment has been saved."),
        }
    }


def is_comment_prompt(text: Any) -> bool:
    """True for the text of the "what was missing?" message, in any language (Telegram replies)."""
    return isinstance(text, str) and text.strip() in {comment_prompt_text(lang) for lang in LANGUAGES}


def comment_saved(lang: str) -> str:
    _ = translator(lang)
    return _("Thank you, your comment has been saved.")


def record(
    sender_id: str,
    rating: Optional[str],
    last_answer: Any,
    lang: str,
    region: Optional[str],
    channel: Optional[str],
    store: Optional[HandoverStore] = None,
) -> tuple[Outcome, Optional[dict]]:
    """Store a 👍/👎 for the last answer; the replies, and the comment request after 👎."""
    _ = translator(lang)
    outcome = Outcome()
    if rating not in ("up", "down"):
        outcome.replies.append(Reply(_("Thank you for your feedback.")))
        return outcome, None
    if isinstance(last_answer, Mapping):
        try:
            (store or default_store()).add_feedback(
                sender_id,
                rating,
                question=str(last_answer.get("question") or ""),
                fact_ids=[str(f) for f in last_answer.get("fact_ids") or []],
                topic=last_answer.get("topic") if isinstance(last_answer.get("topic"), str) else None,
                language=lang,
                region=region,
                channel=channel_of(sender_id, channel),
            )
        except Exception:  # noqa: BLE001 - the user is thanked anyway; the fault is logged
            logger.exception("feedback.store.failed")
        outcome.slots[SLOT] = None  # a second press of the same buttons is not counted twice
    if rating == "up":
        outcome.replies.append(Reply(_("Thank you for your feedback.")))
        return outcome, None
    outcome.replies.append(
        Reply(_("Thank you. I'm sorry the answer did not help. A person from the helpline can help you."), (human_button(lang),))
    )
    return outcome, comment_request(lang)


async def store_comment(sender_id: str, text: str, store: Optional[HandoverStore] = None) -> bool:
    """The optional comment after 👎, from a channel (redacted when stored)."""
    target = store or default_store()
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, functools.partial(target.add_comment, sender_id, text))
    except Exception:  # noqa: BLE001
        logger.exception("feedback.comment.failed")
        return False


# -- the report ----------------------------------------------------------------------------------------

_PUNCTUATION = re.compile(r"[^\w\[\]]+", re.UNICODE)


@dataclass
class Count:
    key: str
    label: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class Share:
    topic: str
    language: str
    up: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.up / self.total) if self.total else 0


@dataclass
class FeedbackReport:
    days: int
    unhelpful_facts: list[Count]
    unhelpful_questions: list[Count]
    comments: list[dict]
    shares: dict[int, list[Share]]
    totals: dict[int, tuple[int, int]]


def feedback_report(
    store: Optional[HandoverStore] = None,
    kb: Any = None,
    days: int = 30,
    windows: tuple[int, ...] = (7, 30),
    now: Optional[dt.datetime] = None,
    limit: int = 30,
) -> FeedbackReport:
    """Answers rated unhelpful, grouped by fact and by question, and the share of 👍 per topic and
    language over each window of days."""
    store = store or default_store()
    now = now or dt.datetime.now(dt.timezone.utc)
    longest = max((days, *windows))
    rows = store.feedback_rows((now - dt.timedelta(days=longest)).timestamp())
    since = (now - dt.timedelta(days=days)).timestamp()
    down = [r for r in rows if r["rating"] == "down" and r["created_at"] >= since]

    facts: Counter = Counter()
    for row in down:
        facts.update(set(row["fact_ids"]))
    fact_counts = []
    for fact_id, count in facts.most_common(limit):
        fact = kb.by_id.get(fact_id) if kb is not None else None
        label = fact_id
        if fact is not None:
            from bot.knowledge.render import render_text

            label = render_text(fact.text["en"], fact.values, "en")
        fact_counts.append(Count(fact_id, label, count))

    questions: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for row in down:
        text = redact(row["question"] or "").strip()
        key = _PUNCTUATION.sub(" ", text.casefold()).strip()
        if not key:
            continue
        questions[key] += 1
        if text not in examples[key] and len(examples[key]) < 3:
            examples[key].append(text[:300])
    question_counts = [Count(key, examples[key][0], count, examples[key]) for key, count in questions.most_common(limit)]

    comments = [
        {"comment": r["comment"], "question": r["question"], "fact_ids": r["fact_ids"], "language": r["language"],
         "created_at": r["created_at"]}
        for r in reversed(down)
        if r.get("comment")
    ][:limit]

    shares: dict[int, list[Share]] = {}
    totals: dict[int, tuple[int, int]] = {}
    for window in windows:
        start = (now - dt.timedelta(days=window)).timestamp()
        groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        up_all = total_all = 0
        for row in rows:
            if row["created_at"] < start:
                continue
            key = (row["topic"] or "?", row["language"] or "?")
            groups[key][1] += 1
            total_all += 1
            if row["rating"] == "up":
                groups[key][0] += 1
                up_all += 1
        shares[window] = [Share(t, lang, up, total) for (t, lang), (up, total) in sorted(groups.items())]
        totals[window] = (up_all, total_all)
    return FeedbackReport(days, fact_counts, question_counts, comments, shares, totals)


def format_report(report: FeedbackReport) -> str:
    """The report as plain text for the terminal."""
    lines = [f"Answers rated unhelpful, last {report.days} days"]
    lines.append("")
    lines.append("By fact:")
    if not report.unhelpful_facts:
        lines.append("  none")
    for item in report.unhelpful_facts:
        lines.append(f"  {item.count:5d}x  {item.key}  {item.label[:100]}")
    lines.append("")
    lines.append("By question:")
    if not report.unhelpful_questions:
        lines.append("  none")
    for item in report.unhelpful_questions:
        lines.append(f"  {item.count:5d}x  {item.label}")
    if report.comments:
        lines.append("")
        lines.append("What was missing (comments):")
        for comment in report.comments:
            lines.append(f"  - {comment['comment']}  (question: {comment['question'] or '-'})")
    for window, shares in report.shares.items():
        up, total = report.totals[window]
        overall = f"{round(100 * up / total)}%" if total else "-"
        lines.append("")
        lines.append(f"Share of 👍, last {window} days: {overall} of {total} rating(s)")
        for share in shares:
            lines.append(f"  {share.topic:24s} {share.language:3s} {share.percent:3d}% 👍  ({share.up}/{share.total})")
    return "\n".join(lines)

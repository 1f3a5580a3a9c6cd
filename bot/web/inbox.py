"""The staff inbox on the staff page: waiting conversations (oldest first), take one, read its
history, reply through the user's own channel, insert a fact, hand back to the assistant or close;
new messages arrive live (server-sent events), and the feedback report beside the missed questions.

    GET  /inbox                     the page (inbox.js renders it)
    GET  /api/inbox                 waiting and active conversations
    GET  /api/inbox/stream          server-sent events: "change" with the latest change number
    GET  /api/inbox/{id}            one conversation: its state and transcript
    POST /api/inbox/{id}/take       take it (409 when someone else was first)
    POST /api/inbox/{id}/reply      {"text": "..."}: to the user, through their channel
    POST /api/inbox/{id}/handback   back to the assistant (the user is told)
    POST /api/inbox/{id}/close      closed (the user is told; the assistant answers again)
    GET  /feedback                  the feedback report and the missed questions
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import logging
import time
from typing import Any, Callable, Optional

from aiohttp import web

from bot.handover import messages as user_messages
from bot.handover.client import DeliveryClient
from bot.handover.feedback import feedback_report
from bot.handover.notify import ChangeFeed
from bot.handover.store import Handover, HandoverStore
from bot.handover.transcript import last_user_text, transcript
from bot.i18n import N_, translator
from bot.languages import ENDONYMS
from bot.taxonomy import REGION_NAMES, TOPIC_TITLES

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000

INBOX_STRINGS = {
    "inbox_title": N_("Conversations waiting for a person"),
    "waiting": N_("Waiting"),
    "active": N_("In progress"),
    "nobody_waiting": N_("Nobody is waiting."),
    "none_active": N_("No conversation in progress."),
    "select": N_("Choose a conversation on the left to read it."),
    "take": N_("Take"),
    "taken_by": N_("Taken by {name}"),
    "taken_elsewhere": N_("Another staff member has already taken this conversation."),
    "not_yours": N_("Only the staff member who took this conversation can do this."),
    "hand_back": N_("Hand back to the assistant"),
    "close": N_("Close"),
    "reply": N_("Your reply"),
    "send": N_("Send"),
    "sent": N_("Sent."),
    "delivered": N_("Delivered."),
    "kept": N_("Not delivered yet: it is kept and reaches the user when they come back."),
    "insert_fact": N_("Insert a fact"),
    "insert": N_("Insert"),
    "waiting_for": N_("waiting for {minutes} min"),
    "left_question": N_("Question left outside office hours"),
    "language": N_("Language"),
    "region": N_("Region"),
    "channel": N_("Channel"),
    "unknown": N_("unknown"),
    "user": N_("User"),
    "assistant_said": N_("Assistant"),
    "notice": N_("Notice"),
    "staff_said": N_("{name} (staff)"),
    "transcript": N_("Conversation"),
    "ended": N_("This conversation has ended."),
    "connection_lost": N_("Live updates interrupted. Reconnecting…"),
    "channel_socketio": N_("web chat"),
    "channel_telegram": N_("Telegram"),
    "channel_rest": N_("REST"),
}

FEEDBACK_STRINGS = {
    "feedback_title": N_("Feedback on answers"),
    "unhelpful_by_fact": N_("Answers rated unhelpful, by fact (last {days} days)"),
    "unhelpful_by_question": N_("Answers rated unhelpful, by question (last {days} days)"),
    "comments": N_("What was missing, in the users' words"),
    "share_title": N_("Share of 👍 per topic and language, last {days} days"),
    "share_total": N_("All answers: {percent}% 👍 of {total} ratings"),
    "no_feedback": N_("No feedback yet."),
    "topic": N_("Topic"),
    "share": N_("👍"),
    "ratings": N_("Ratings"),
}


def _run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def add_inbox_routes(
    app: web.Application,
    *,
    auth: Any,
    page: Callable[..., web.Response],
    language: Callable[[web.Request], str],
    strings: Callable[[str], dict],
    knowledge: Any,
    store: HandoverStore,
    tracker_db: str,
    delivery: Optional[DeliveryClient] = None,
) -> None:
    delivery = delivery or DeliveryClient()
    feed = ChangeFeed(store)
    engine = store.engine if tracker_db == store.url else _engine(tracker_db)

    def all_strings(lang: str) -> dict:
        _ = translator(lang)
        return {**strings(lang), **{k: _(v) for k, v in {**INBOX_STRINGS, **FEEDBACK_STRINGS}.items()}}

    def summary(handover: Handover, lang: str, preview: bool = True) -> dict:
        _ = translator(lang)
        data = handover.as_json()
        data["language_name"] = ENDONYMS.get(handover.language, handover.language)
        data["region_name"] = _(REGION_NAMES[handover.region]) if handover.region in REGION_NAMES else None
        data["waited_seconds"] = round(time.time() - handover.requested_at)
        if preview:
            data["preview"] = last_user_text(engine, handover.sender_id)[:200]
        return data

    async def inbox_page(request: web.Request) -> web.Response:
        lang = language(request)
        text = all_strings(lang)
        e = html.escape
        body = f"""<h2>{e(text['inbox_title'])}</h2>
<div class="inbox">
<div class="queues">
<section aria-labelledby="waiting-title"><h3 id="waiting-title">{e(text['waiting'])}</h3><ol id="waiting" class="queue"></ol></section>
<section aria-labelledby="active-title"><h3 id="active-title">{e(text['active'])}</h3><ol id="active" class="queue"></ol></section>
<p id="live-status" role="status" class="status"></p>
</div>
<section id="conversation" aria-labelledby="conversation-title">
<h3 id="conversation-title">{e(text['transcript'])}</h3>
<p id="conversation-empty">{e(text['select'])}</p>
<div id="conversation-body" hidden>
<p id="conversation-meta" class="meta"></p>
<div class="conversation-actions"><button type="button" id="take">{e(text['take'])}</button>
<button type="button" id="handback">{e(text['hand_back'])}</button>
<button type="button" id="close">{e(text['close'])}</button></div>
<p id="action-status" role="status"></p>
<ol id="transcript" class="transcript" aria-live="polite" aria-labelledby="conversation-title" tabindex="0"></ol>
<form id="reply-form"><label for="reply">{e(text['reply'])}</label>
<textarea id="reply" name="reply" rows="4" maxlength="{MAX_REPLY_CHARS}"></textarea>
<button type="submit">{e(text['send'])}</button></form>
<form id="fact-search" role="search"><label for="fact-q">{e(text['insert_fact'])}</label>
<input id="fact-q" name="q" type="search" autocomplete="off"><button type="submit">{e(text['search'])}</button></form>
<ol id="fact-results" class="fact-results" aria-live="polite"></ol>
</div>
</section>
</div>"""
        extra = {"strings": all_strings(lang), "operator": auth.operator(request)}
        return page(request, body, lang, extra=extra, scripts=("inbox.js",))

    async def api_inbox(request: web.Request) -> web.Response:
        lang = language(request)
        found = await _run(store.inbox)
        version = await _run(store.version)
        items = [summary(h, lang) for h in found]
        return web.json_response(
            {
                "version": version,
                "operator": auth.operator(request),
                "waiting": [i for i in items if i["status"] == "waiting"],
                "active": [i for i in items if i["status"] == "active"],
            }
        )

    def handover_id(request: web.Request) -> int:
        try:
            return int(request.match_info["id"])
        except ValueError:
            raise web.HTTPNotFound() from None

    async def found_or_404(request: web.Request) -> Handover:
        handover = await _run(store.get, handover_id(request))
        if handover is None:
            raise web.HTTPNotFound(text=json.dumps({"error": "no such conversation"}), content_type="application/json")
        return handover

    async def api_conversation(request: web.Request) -> web.Response:
        lang = language(request)
        handover = await found_or_404(request)
        history = await _run(transcript, engine, handover.sender_id)
        return web.json_response({"conversation": summary(handover, lang, preview=False), "transcript": history})

    async def notify_user(handover: Handover, text: str, kind: str = "system", operator: Optional[str] = None) -> dict:
        message = await _run(store.add_message, handover, kind, text, operator)
        result = await delivery.deliver(message.id)
        return {"message_id": message.id, **result}

    async def take(request: web.Request) -> web.Response:
        handover = await found_or_404(request)
        operator = auth.operator(request)
        lang = language(request)
        if not await _run(store.take, handover.id, operator):
            current = await _run(store.get, handover.id)
            text = translator(lang)(INBOX_STRINGS["taken_elsewhere"])
            return web.json_response({"error": text, "operator": current.operator if current else None}, status=409)
        await notify_user(handover, user_messages.taken(handover.language, operator))
        return web.json_response({"taken": True, "operator": operator})

    async def mine(request: web.Request) -> tuple[Optional[Handover], Optional[web.Response]]:
        handover = await found_or_404(request)
        lang = language(request)
        if handover.status != "active" or handover.operator != auth.operator(request):
            key = "not_yours" if handover.status == "active" else "ended"
            return None, web.json_response({"error": translator(lang)(INBOX_STRINGS[key])}, status=409)
        return handover, None

    async def json_body(request: web.Request) -> dict:
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text=json.dumps({"error": "send JSON"}), content_type="application/json")
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text=json.dumps({"error": "body is not JSON"}), content_type="application/json") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text=json.dumps({"error": "body must be an object"}), content_type="application/json")
        return body

    async def reply(request: web.Request) -> web.Response:
        body = await json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return web.json_response({"error": "text must be a non-empty string"}, status=400)
        if len(text) > MAX_REPLY_CHARS:
            return web.json_response({"error": f"at most {MAX_REPLY_CHARS} characters"}, status=413)
        handover, refused = await mine(request)
        if refused is not None:
            return refused
        assert handover is not None
        result = await notify_user(handover, text.strip(), kind="staff", operator=handover.operator)
        return web.json_response(result)

    async def end(request: web.Request, status: str) -> web.Response:
        handover, refused = await mine(request)
        if refused is not None:
            return refused
        assert handover is not None
        if await _run(store.end, handover.id, status, handover.operator or "staff", ("active",)) is None:
            return web.json_response({"error": "already ended"}, status=409)
        notice = user_messages.handed_back if status == "returned" else user_messages.closed_by_staff
        result = await notify_user(handover, notice(handover.language))
        return web.json_response({"status": status, **result})

    async def handback(request: web.Request) -> web.Response:
        return await end(request, "returned")

    async def close(request: web.Request) -> web.Response:
        return await end(request, "closed")

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        version = await feed.current()
        try:
            await response.write(f"id: {version}\nevent: change\ndata: {version}\n\n".encode())
            while auth.authorised(request):
                newer = await feed.wait(version, timeout=15.0)
                if newer > version:
                    version = newer
                    await response.write(f"id: {version}\nevent: change\ndata: {version}\n\n".encode())
                else:
                    await response.write(b": still here\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def feedback_page(request: web.Request) -> web.Response:
        from bot.staff.missed import missed_questions

        lang = language(request)
        _ = translator(lang)
        text = all_strings(lang)
        e = html.escape
        try:
            kb = knowledge.get()
        except Exception:  # noqa: BLE001
            kb = None
        try:
            report = await _run(feedback_report, store, kb)
        except Exception as exc:  # noqa: BLE001 - shown to staff, not a crash
            logger.warning("staff.feedback.unavailable: %s", exc)
            report = None
        try:
            missed = await _run(missed_questions, tracker_db, 90, 50)
        except Exception as exc:  # noqa: BLE001
            logger.warning("staff.missed.unavailable: %s", exc)
            missed = []
        parts = [f"<h2>{e(text['feedback_title'])}</h2>", '<div class="report">', "<div>"]
        if report is None or not any(report.totals[w][1] for w in report.totals):
            parts.append(f"<p>{e(text['no_feedback'])}</p>")
        if report is not None:
            parts.append(f"<h3>{e(text['unhelpful_by_fact'].format(days=report.days))}</h3><ol id=\"by-fact\">")
            parts.extend(
                f'<li data-fact-id="{e(c.key)}"><strong>{c.count}</strong> {e(text["times"])}: <code>{e(c.key)}</code> {e(c.label)}</li>'
                for c in report.unhelpful_facts
            )
            parts.append(f"</ol><h3>{e(text['unhelpful_by_question'].format(days=report.days))}</h3><ol id=\"by-question\">")
            parts.extend(
                f"<li><strong>{c.count}</strong> {e(text['times'])}: {e(c.label)}</li>" for c in report.unhelpful_questions
            )
            parts.append(f"</ol><h3>{e(text['comments'])}</h3><ul id=\"comments\">")
            parts.extend(
                f"<li>{e(c['comment'])}" + (f" <span class=\"meta\">({e(c['question'])})</span>" if c["question"] else "") + "</li>"
                for c in report.comments
            )
            parts.append("</ul>")
            for window, shares in report.shares.items():
                up, total = report.totals[window]
                title = text["share_title"].format(days=window)
                parts.append(f'<h3 id="share-{window}-title">{e(title)}</h3>')
                if total:
                    parts.append(f"<p>{e(text['share_total'].format(percent=round(100 * up / total), total=total))}</p>")
                parts.append(
                    f'<table id="share-{window}" aria-labelledby="share-{window}-title"><thead><tr><th scope="col">{e(text["topic"])}</th>'
                    f'<th scope="col">{e(text["language"])}</th><th scope="col">{e(text["share"])}</th><th scope="col">{e(text["ratings"])}</th></tr></thead><tbody>'
                )
                for share in shares:
                    topic = _(TOPIC_TITLES[share.topic]) if share.topic in TOPIC_TITLES else share.topic
                    parts.append(
                        f"<tr><td>{e(topic)}</td><td>{e(ENDONYMS.get(share.language, share.language))}</td>"
                        f"<td>{share.percent}%</td><td>{share.total}</td></tr>"
                    )
                parts.append("</tbody></table>")
        parts.append(f"</div><div><h3>{e(text['missed'])}</h3><ol id=\"missed\">")
        parts.extend(f"<li><strong>{g.count}</strong> {e(text['times'])}: {e(g.text)}</li>" for g in missed)
        parts.append("</ol></div></div>")
        return page(request, "".join(parts), lang)

    app.router.add_get("/inbox", inbox_page)
    app.router.add_get("/feedback", feedback_page)
    app.router.add_get("/api/inbox", api_inbox)
    app.router.add_get("/api/inbox/stream", stream)
    app.router.add_get("/api/inbox/{id}", api_conversation)
    app.router.add_post("/api/inbox/{id}/take", take)
    app.router.add_post("/api/inbox/{id}/reply", reply)
    app.router.add_post("/api/inbox/{id}/handback", handback)
    app.router.add_post("/api/inbox/{id}/close", close)


def _engine(url: str) -> Any:
    import sqlalchemy as sa

    return sa.create_engine(url)


__all__ = ["add_inbox_routes", "INBOX_STRINGS", "FEEDBACK_STRINGS"]

"""The message extension «Meld avvik fra denne meldingen»: an action command on any Teams message.

Why it goes through the conversation: the task module is the same avvik form as the bot's
(`Conversation.open_avvik_form`), and a submission runs the same `submit_form` use case, so
the validation, the messages and the idempotency (the form's nonce) are the bot's own.
Task modules answer `Action.Submit` only, so the form card's buttons are swapped for one.
"""

from __future__ import annotations

import asyncio
import html
import json
import re

from bot.conversation.channel import ChannelUser, Interaction
from bot.conversation.engine import Conversation
from bot.teams.cards import attachment, form_card, form_values, text_card
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _
from models.messages import Form

COMMAND_ID = "meldAvvikFraMelding"
FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"
TITLE = N_("Meld avvik")
MAX_PREFILL = 3000

_MENTION = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLANKS = re.compile(r"[ \t]+")


def message_text(payload: object) -> str:
    """The message's words as plain text: mentions keep the name, HTML is dropped, entities decoded."""
    if not isinstance(payload, dict):
        return ""
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    raw = str((body or {}).get("content") or "")
    raw = _MENTION.sub(r"\1", raw)
    raw = _BREAK.sub("\n", raw)
    raw = _TAG.sub("", raw)
    text = html.unescape(raw).replace("\xa0", " ")
    lines = [_BLANKS.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()[:MAX_PREFILL]


def _submit_only(card: dict) -> dict:
    """A form card for a task module: one `Action.Submit` carrying the same data as the bot's button."""
    submit = next((a for a in card.get("actions", []) if a.get("verb") == "form.submit"), None)
    if submit is not None:
        card["actions"] = [submit["fallback"]]
    return card


def task_card(card: dict, title: str | None = None) -> dict:
    return {"task": {"type": "continue", "value": {"title": title or _(TITLE), "height": "large", "width": "medium",
                                                   "card": attachment(card)}}}


def task_message(text: str) -> dict:
    return {"task": {"type": "message", "value": text[:500]}}


class MessageExtension:
    """Answers the two invokes of the action command for a person already identified by the edge."""

    def __init__(self, conversation: Conversation, *, tz: str) -> None:
        self.conversation = conversation
        self.tz = tz

    async def handle(self, activity: dict, user: ChannelUser, who: int | str) -> dict:
        value = activity.get("value") if isinstance(activity.get("value"), dict) else {}
        if (value or {}).get("commandId") != COMMAND_ID:
            return task_message(_("Den kommandoen kjenner jeg ikke igjen."))
        if isinstance(who, str):
            return task_message(who)
        if activity.get("name") == FETCH:
            return await self._fetch(who, value or {})
        return await self._submit(who, user, value or {})

    async def _form(self, who: int, description: str) -> Form:
        return await asyncio.to_thread(self.conversation.open_avvik_form, who, description=description)

    async def _fetch(self, who: int, value: dict) -> dict:
        try:
            form = await self._form(who, message_text(value.get("messagePayload")))
        except DomainError as exc:
            return task_message(exc.message)
        return task_card(_submit_only(form_card(form, tz=self.tz)))

    async def _submit(self, who: int, user: ChannelUser, value: dict) -> dict:
        data = value.get("data") if isinstance(value.get("data"), dict) else {}
        trad = (data or {}).get("trad") if isinstance((data or {}).get("trad"), dict) else None
        if trad is None or trad.get("v") != "avvik.report":
            return task_message(_("Skjemaet kom ikke fram. Prøv igjen fra meldingen."))
        values = form_values(None, data or {})
        nonce = str(trad.get("n") or "")[:64]
        try:
            ctx = json.loads(str(trad.get("ctx") or "{}"))
        except ValueError:
            ctx = {}
        ctx = {str(k): str(v) for k, v in ctx.items()} if isinstance(ctx, dict) else {}
        ia = Interaction(user=user, person_id=who, action_id="avvik.report", value=nonce, values=values, context=ctx)
        try:
            replies = await asyncio.to_thread(self.conversation.submit_form, ia)
        except ValidationFailed as exc:
            form = await self._form(who, "")
            card = form_card(form, values=values, errors=exc.errors, nonce=nonce, tz=self.tz)
            return task_card(_submit_only(card))
        except DomainError as exc:
            return task_card(text_card(exc.message, attention=True))
        return task_message(replies[0].text if replies and replies[0].text else _("Avviket er registrert."))

"""User-specific case cards in Teams channels and group chats (Adaptive Cards Universal Actions `refresh`).

Why: everyone in a channel reads a card posted there, but only the case's leader may act on it.
The card everyone gets shows the status only and carries a `refresh` (an `Action.Execute` with the
case's key) that names the leaders' Teams user ids; Teams then asks the bot (`adaptiveCard/action`)
for each of them for their own version, with the buttons. Every press comes back here and is
checked with the domain's rule for the bot's buttons (`listings.avvik_case`), so a verb forged by
anyone else changes nothing and gets the status card back.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from bot.conversation.cases import LEADER_ACTIONS, CaseView, case_key, case_of, parse_key
from bot.conversation.channel import ChannelUser
from bot.conversation.engine import Conversation
from bot.teams.cards import action_data, form_card, message_activity, replies_card
from models.errors import DomainError
from models.messages import Reply
from models.services import chat_identity
from models.uow import UnitOfWork

log = logging.getLogger("trad.teams")

REFRESH = "case.refresh"
MAX_REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 listed users
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
Act = Callable[[dict], Awaitable[tuple[dict | None, list[Reply]]]]
Update = Callable[[str, dict], Awaitable[bool]]  # (activity id, new activity) -> whether Teams took it


def _actions(card: dict) -> list[dict]:
    """Every action of a card, in its action bar and in the ActionSets of its body."""
    found = list(card.get("actions") or [])
    stack = list(card.get("body") or [])
    while stack:
        block = stack.pop()
        if not isinstance(block, dict):
            continue
        found.extend(block.get("actions") or [])
        stack.extend(block.get("items") or [])
    return found


def mark(card: dict, key: str) -> dict:
    """Tag every button of a card with its case, so each press comes back as a case card."""
    for action in _actions(card):
        for a in (action, action.get("fallback")):
            if isinstance(a, dict) and isinstance((a.get("data") or {}).get("trad"), dict):
                a["data"]["trad"]["c"] = key
    return card


def is_form(card: dict) -> bool:
    return any(a.get("verb") == "form.submit" for a in _actions(card))


def shared_card(reply: Reply, key: str, user_ids: list[str], *, tz: str) -> dict:
    """A case card with a refresh: Teams asks the bot for each listed user's own version."""
    card = mark(replies_card([reply], tz=tz), key)
    card["refresh"] = {"action": {"type": "Action.Execute", "verb": REFRESH, "data": action_data(REFRESH, key)},
                       "userIds": user_ids[:MAX_REFRESH_USERS]}
    return card


def invoke_card(card: dict) -> dict:
    return {"statusCode": 200, "type": CARD_TYPE, "value": card}


class CaseCards:
    """Builds the shared card for a reply about one case, and answers presses and refreshes on it."""

    def __init__(self, conversation: Conversation, uow: UnitOfWork, *, tz: str) -> None:
        self.conversation = conversation
        self.uow = uow
        self.tz = tz

    async def _view(self, who: int, user: ChannelUser, key: str) -> CaseView:
        return await asyncio.to_thread(lambda: self.conversation.case_view(who, key, platform_locale=user.locale))

    async def _card(self, view: CaseView, tenant: str, reply: Reply) -> dict:
        def read() -> list[str]:
            with self.uow.read() as tx:
                return chat_identity.user_ids_of(session=tx, person_ids=view.leader_ids, platform="teams",
                                                 workspace=tenant)

        return shared_card(reply, view.key, await asyncio.to_thread(read), tz=self.tz)

    async def shared_activity(self, who: int, user: ChannelUser, tenant: str, reply: Reply) -> dict | None:
        """The status-only card with a refresh, for a reply about one case in a channel; None otherwise."""
        avvik_id = case_of(reply)
        if avvik_id is None:
            return None
        try:
            view = await self._view(who, user, case_key(avvik_id))
        except DomainError:
            return None
        return message_activity(await self._card(view, tenant, view.status), summary=view.status.title or "")

    async def handle(self, data: dict, who: int | str, user: ChannelUser, tenant: str, card_id: str, act: Act,
                     update: Update) -> dict:
        """A refresh or a press on a case card: the card for this reader, after acting if they may.

        `card_id` is the shared message (the invoke's `replyToId`): after an action it is updated,
        so everyone sees the new status.
        """
        trad = data["trad"]
        a = str(trad.get("a") or "")
        if isinstance(who, str):
            return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": who[:500]}
        try:
            view = await self._view(who, user, str(trad.get("v") if a == REFRESH else trad.get("c")))
        except DomainError as exc:
            return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": exc.message}
        if a in (REFRESH, "form.cancel") or not (a in LEADER_ACTIONS or a == "form.submit"):
            return invoke_card(await self._card(view, tenant, view.mine))
        if not view.manage or not _same_case(trad, a, view.key):
            log.info("a press on case card %s by person %s was refused", view.key, who)
            return invoke_card(await self._card(view, tenant, view.refused))
        replace, extra = await act(data)
        if replace is not None and is_form(replace):
            return invoke_card(mark(replace, view.key))
        form = next((r.form for r in extra if r.form is not None), None)
        if form is not None:
            return invoke_card(mark(form_card(form, tz=self.tz), view.key))
        note = next((r.text for r in extra if r.text), "")
        view = await self._view(who, user, view.key)
        if card_id:
            await update(card_id, message_activity(await self._card(view, tenant, view.status),
                                                   summary=view.status.title or ""))
        mine = view.mine.model_copy(update={"text": note}) if note else view.mine
        return invoke_card(await self._card(view, tenant, mine))


def _same_case(trad: dict, a: str, key: str) -> bool:
    """The press is about the card's own case (a forged value for another case is refused)."""
    avvik_id = str(parse_key(key))
    if a in LEADER_ACTIONS:
        return str(trad.get("v") or "") == avvik_id
    try:
        ctx = json.loads(str(trad.get("ctx") or "{}"))
    except ValueError:
        return False
    return isinstance(ctx, dict) and str(ctx.get("avvik_id") or "") == avvik_id

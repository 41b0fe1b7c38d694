"""Bot Framework activities to the neutral conversation layer, and its replies back as Adaptive Cards.

The activity has already passed JWT validation when it gets here. Each activity is
claimed by its id first (`models.services.inbound`), so a redelivery never doubles a
record or a reply. Replies are sent at once through the Bot Connector; when Teams
answers 429/5xx even after one short retry, the reply goes to the outbox instead and
the worker delivers it with back-off.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from functools import partial
from typing import Any

from bot.conversation.cases import status_only
from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.engine import Conversation
from bot.teams.auth import activity_tenant
from bot.teams.cards import (
    form_card,
    form_values,
    message_activity,
    replies_card,
    reply_activities,
    text_card,
)
from bot.teams.casecards import REFRESH, CaseCards
from bot.teams.connector import Connector, ConnectorError
from bot.teams.extension import MessageExtension
from bot.teams.welcome import welcome_activities
from models.errors import DomainError, UnknownPerson, ValidationFailed
from models.i18n import _, use_locale
from models.messages import Form, Reply
from models.services import chat_identity, identity, inbound, languages, teams_reach
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.teams")

PLATFORM = "teams"
RETRYABLE = {429, 412, 502, 504}
_AT_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")

# Which button opens each form, so a rejected submission can be shown again with its errors.
FORM_OPENERS = {
    "avvik.add_tiltak": ("avvik.add_tiltak", "avvik_id"),
    "avvik.close": ("avvik.close", "avvik_id"),
    "avvik.reopen": ("avvik.reopen", "avvik_id"),
    "oppdrag.update": ("oppdrag.update", "number"),
    "risk.review": ("risk.review", "risk_id"),
}


def invoke_card(card: dict) -> dict:
    return {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}


def invoke_message(text: str) -> dict:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text[:500]}


def clean_text(text: str | None) -> str:
    """The user's words: without the @mention of the bot and without Teams' HTML wrapping."""
    raw = _AT_MENTION.sub(" ", text or "")
    if "<" in raw:
        raw = _TAG.sub(" ", raw)
    return html.unescape(raw).replace("\xa0", " ").strip()


def conversation_ref(activity: dict, tenant: str) -> dict:
    conv = activity.get("conversation") or {}
    return {
        "serviceUrl": activity.get("serviceUrl"),
        "conversationId": conv.get("id"),
        "conversationType": conv.get("conversationType") or "personal",
        "tenantId": tenant,
        "userId": (activity.get("from") or {}).get("id"),
        "aadObjectId": (activity.get("from") or {}).get("aadObjectId"),
        "botId": (activity.get("recipient") or {}).get("id"),
    }


class _Ctx:
    """What every step needs to know about the activity being handled."""

    def __init__(self, activity: dict, tenant: str, org_id: int | None = None) -> None:
        self.activity = activity
        self.tenant = tenant
        self.org_id = org_id  # the kommune the tenant is mapped to (None: the default kommune, single tenant)
        self.service_url: str = activity.get("serviceUrl") or ""
        conv = activity.get("conversation") or {}
        self.conversation_id: str = conv.get("id") or ""
        self.personal = (conv.get("conversationType") or "personal") == "personal"
        self.user_id: str = (activity.get("from") or {}).get("id") or ""
        locale = activity.get("locale")  # Teams' guess at the person's language, e.g. «en-US»
        self.user = ChannelUser(platform=PLATFORM, workspace=tenant, user_id=self.user_id,
                                locale=locale if isinstance(locale, str) else None)
        self.event_id = f"{self.conversation_id}|{activity.get('id') or ''}"[:200]


class TeamsBot:
    def __init__(self, settings: Settings, connector: Connector, conversation: Conversation, uow: UnitOfWork) -> None:
        self.settings = settings
        self.connector = connector
        self.conversation = conversation
        self.uow = uow
        self.extension = MessageExtension(conversation, tz=settings.tz_name)
        self.cases = CaseCards(conversation, uow, tz=settings.tz_name)

    # ------------------------------------------------------------------ use cases (run in threads)
    def _db(self, fn: Any, **kwargs: Any) -> Any:
        with self.uow.write() as tx:
            return fn(session=tx, **kwargs)

    async def _run(self, fn: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self._db, fn, **kwargs)

    # ------------------------------------------------------------------ entry
    async def on_activity(self, activity: dict, *, org_id: int | None = None) -> dict | None:
        """Handle one validated activity of kommune `org_id`. Returns the body of an invoke response, if any."""
        tenant = activity_tenant(activity) or ""
        ctx = _Ctx(activity, tenant, org_id)
        kind = activity.get("type")
        is_invoke = kind == "invoke"
        if kind not in ("message", "invoke", "conversationUpdate", "installationUpdate"):
            return None
        if not activity.get("id"):
            return invoke_message(_("Mangler aktivitets-id.")) if is_invoke else None
        if not await self._run(inbound.claim_event, platform=PLATFORM, event_id=ctx.event_id):
            log.info("activity %s already handled: skipped", ctx.event_id)
            return invoke_message(_("Dette er allerede registrert.")) if is_invoke else None
        result: dict | None = None
        try:
            if kind == "message":
                await self._on_message(ctx)
            elif is_invoke:
                result = await self._on_invoke(ctx)
            else:
                await self._on_install(ctx)
        except BaseException:
            await self._run(inbound.finish_event, platform=PLATFORM, event_id=ctx.event_id, ok=False)
            raise
        await self._run(inbound.finish_event, platform=PLATFORM, event_id=ctx.event_id, ok=True)
        return result

    # ------------------------------------------------------------------ identity
    async def _person(self, ctx: _Ctx) -> int | str:
        """The person id, or a polite Norwegian message when we cannot tell who this is."""
        pid = await self._run(identity.person_for_identity, platform=PLATFORM, workspace=ctx.tenant,
                              user_id=ctx.user_id)
        ref = conversation_ref(ctx.activity, ctx.tenant) if ctx.personal else None
        if pid is not None:
            if ref is not None:
                ident = await self._run(chat_identity.account, platform=PLATFORM, workspace=ctx.tenant,
                                        user_id=ctx.user_id)
                if ident is not None and (ident.conversation_ref or {}).get("conversationId") != ref["conversationId"]:
                    await self._run(identity.save_conversation_ref, platform=PLATFORM, workspace=ctx.tenant,
                                    user_id=ctx.user_id, conversation_ref=ref)
            return int(pid)
        try:
            member = await self.connector.member(ctx.service_url, ctx.conversation_id, ctx.user_id)
        except ConnectorError as exc:
            log.warning("member lookup failed: %s", exc)
            return _("Jeg fikk ikke sjekket hvem du er akkurat nå. Prøv igjen om litt.")
        email = member.get("email") or member.get("userPrincipalName")
        try:
            return int(await self._run(identity.link_identity, platform=PLATFORM, workspace=ctx.tenant,
                                       user_id=ctx.user_id, email=email, conversation_ref=ref, org_id=ctx.org_id))
        except UnknownPerson as exc:
            return exc.message

    # ------------------------------------------------------------------ message
    async def _on_message(self, ctx: _Ctx) -> None:
        value = ctx.activity.get("value")
        if isinstance(value, dict) and isinstance(value.get("trad"), dict):
            replace, extra = await self._on_card_action(ctx, value)
            reply_to = ctx.activity.get("replyToId")
            if replace is not None:
                if reply_to and await self._update(ctx, reply_to, message_activity(replace)):
                    pass
                else:
                    await self._send(ctx, message_activity(replace))
            await self._send_replies(ctx, extra)
            return None
        who = await self._person(ctx)
        if isinstance(who, str):
            await self._send_replies(ctx, [Reply(text=who)])
            return None
        text = clean_text(ctx.activity.get("text"))
        msg = IncomingMessage(user=ctx.user, person_id=who, text=text, supports_forms=True)
        replies = await asyncio.to_thread(self.conversation.handle_message, msg)
        await self._send_replies(ctx, replies, person_id=who)
        return None

    # ------------------------------------------------------------------ invoke (Action.Execute)
    async def _on_invoke(self, ctx: _Ctx) -> dict:
        if str(ctx.activity.get("name") or "").startswith("composeExtension/"):
            return await self.extension.handle(ctx.activity, ctx.user, await self._person(ctx))
        if ctx.activity.get("name") != "adaptiveCard/action":
            return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": ""}
        action = (ctx.activity.get("value") or {}).get("action") or {}
        data: dict = action["data"] if isinstance(action.get("data"), dict) else {}
        if isinstance(data.get("trad"), dict) and (data["trad"].get("c") or data["trad"].get("a") == REFRESH):
            return await self.cases.handle(data, await self._person(ctx), ctx.user, ctx.tenant,  # one view per reader
                                           str(ctx.activity.get("replyToId") or ""),
                                           lambda d: self._on_card_action(ctx, d), partial(self._update, ctx))

        if not isinstance(data.get("trad"), dict):
            return invoke_message(_("Den knappen kjenner jeg ikke igjen."))
        replace, extra = await self._on_card_action(ctx, data)
        if replace is not None:
            await self._send_replies(ctx, extra)
            return invoke_card(replace)
        first, rest = (extra[0], extra[1:]) if extra else (None, [])
        if first is not None and _is_plain(first):
            await self._send_replies(ctx, rest)
            return invoke_message(first.text)
        await self._send_replies(ctx, extra)
        return invoke_message(_("Se svaret under.") if extra else "OK")

    async def _on_card_action(self, ctx: _Ctx, data: dict) -> tuple[dict | None, list[Reply]]:
        """A button or form on one of our cards. Returns (card to replace it with, replies to send)."""
        trad = data["trad"]
        a, v = str(trad.get("a") or ""), str(trad.get("v") or "")
        if a == "form.cancel":
            return text_card(_("Avbrutt. Ingenting er lagret.")), []
        who = await self._person(ctx)
        if isinstance(who, str):
            return None, [Reply(text=who)]
        conv = self.conversation
        if a == "form.submit":
            try:
                form_ctx = json.loads(str(trad.get("ctx") or "{}"))
            except ValueError:
                form_ctx = {}
            form_ctx = {str(k): str(val) for k, val in form_ctx.items()} if isinstance(form_ctx, dict) else {}
            values = form_values(None, data)
            nonce = str(trad.get("n") or "")[:64]
            ia = Interaction(user=ctx.user, person_id=who, action_id=v, value=nonce, values=values, context=form_ctx)
            try:
                replies = await asyncio.to_thread(conv.submit_form, ia)
            except ValidationFailed as exc:
                form = await asyncio.to_thread(self._rebuild_form, who, ctx, v, form_ctx, values)
                if form is None:
                    return None, [Reply(text=exc.message)]
                return form_card(form, values=values, errors=exc.errors, nonce=nonce,
                                       tz=self.settings.tz_name), []
            except DomainError as exc:
                return None, [Reply(text=exc.message)]
            if not replies:
                return text_card(_("Lagret.")), []
            return replies_card(replies[:1], tz=self.settings.tz_name), replies[1:]
        ia = Interaction(user=ctx.user, person_id=who, action_id=a, value=v, supports_forms=True)
        try:
            replies = await asyncio.to_thread(conv.handle_action, ia)
        except DomainError as exc:
            replies = [Reply(text=exc.message)]
        return None, replies

    def _rebuild_form(self, pid: int, ctx: _Ctx, form_id: str, form_ctx: dict[str, str],
                      values: dict[str, str]) -> Form | None:
        if form_id == "avvik.report":
            return self.conversation.open_avvik_form(pid, platform_locale=ctx.user.locale)
        if form_id == "check.nei":
            action, value = "check.nei", f"{form_ctx.get('unit_id')}:{form_ctx.get('item_id')}"
        elif form_id in FORM_OPENERS:
            action, key = FORM_OPENERS[form_id]
            value = form_ctx.get(key, "")
        else:
            return None
        try:
            replies = self.conversation.handle_action(
                Interaction(user=ctx.user, person_id=pid, action_id=action, value=value, supports_forms=True))
        except DomainError:
            return None
        return next((r.form for r in replies if r.form is not None), None)

    # ------------------------------------------------------------------ install / uninstall
    async def _on_install(self, ctx: _Ctx) -> None:
        act = ctx.activity
        bot_id = (act.get("recipient") or {}).get("id")
        if act.get("type") == "installationUpdate":
            action = str(act.get("action") or "")
            added, removed = action.startswith("add"), action.startswith("remove")
        else:
            added = any(m.get("id") == bot_id for m in act.get("membersAdded") or [])
            removed = any(m.get("id") == bot_id for m in act.get("membersRemoved") or [])
        # Personal scope: the reference is the user's; team/chat scope: the conversation's.
        key = ctx.user_id if ctx.personal else ctx.conversation_id
        if removed:
            await self._run(identity.retire_identity, platform=PLATFORM, workspace=ctx.tenant, user_id=key)
            return None
        if not added or not key:
            return None
        ref = conversation_ref(act, ctx.tenant)
        email = None
        if ctx.personal:
            try:
                member = await self.connector.member(ctx.service_url, ctx.conversation_id, ctx.user_id)
                email = member.get("email") or member.get("userPrincipalName")
            except ConnectorError as exc:
                log.info("member lookup at install failed: %s", exc)
        try:
            await self._run(identity.save_conversation_ref, platform=PLATFORM, workspace=ctx.tenant, user_id=key,
                            conversation_ref=ref, email=email, org_slug=self.settings.org_slug, org_id=ctx.org_id)
        except DomainError as exc:  # e.g. no organisation yet
            log.warning("could not store the Teams installation: %s", exc.message)
            return None
        pid: int | None = None
        if ctx.personal and email:
            try:
                pid = int(await self._run(identity.link_identity, platform=PLATFORM, workspace=ctx.tenant,
                                          user_id=key, email=email, conversation_ref=ref, org_id=ctx.org_id))
            except UnknownPerson:
                pass
        if pid is not None:  # messages that found no way to them before go out now (the same rows)
            await self._run(teams_reach.retry_unreachable, person_id=pid)
        if ctx.personal:
            await self._welcome(ctx, pid)
        return None

    async def _welcome(self, ctx: _Ctx, pid: int | None) -> None:
        """The welcome in the person's language: their own choice, else Teams' locale, else the kommune's."""
        chosen = await self._run(languages.chosen_locale, person_id=pid) if pid is not None else None
        with use_locale(chosen, ctx.activity.get("locale"), languages.kommune_locale()):
            view = await asyncio.to_thread(lambda: self.conversation.home_view(
                pid, platform_locale=ctx.user.locale)) if pid is not None else None
            try:
                for activity in welcome_activities(view):
                    await self._send(ctx, activity)
            except ConnectorError as exc:
                log.warning("welcome card not sent: %s", exc)

    # ------------------------------------------------------------------ sending
    async def _send(self, ctx: _Ctx, activity: dict, *, conversation_id: str | None = None,
                    service_url: str | None = None) -> dict:
        conv_id = conversation_id or ctx.conversation_id
        reply_to = None if (conversation_id or ctx.personal) else ctx.activity.get("id")
        for attempt in (1, 2):
            try:
                return await self.connector.send(service_url or ctx.service_url, conv_id, activity, reply_to)
            except ConnectorError as exc:
                if exc.status in RETRYABLE and attempt == 1:
                    await asyncio.sleep(min(exc.retry_after if exc.retry_after is not None else 1.0, 2.0))
                    continue
                raise
        raise AssertionError("unreachable")

    async def _update(self, ctx: _Ctx, activity_id: str, activity: dict) -> bool:
        try:
            await self.connector.update(ctx.service_url, ctx.conversation_id, activity_id, activity)
            return True
        except ConnectorError as exc:
            log.info("could not update card %s: %s", activity_id, exc)
            return False

    async def _send_replies(self, ctx: _Ctx, replies: list[Reply], person_id: int | None = None) -> None:
        for i, reply in enumerate(replies):
            target_conv, target_url = None, None
            if reply.ephemeral and not ctx.personal:
                # Teams has no ephemeral messages in channels: send it to the user's personal chat if we can.
                ref = await self._personal_ref(ctx)
                if ref:
                    target_conv, target_url = ref.get("conversationId"), ref.get("serviceUrl")
            activities = reply_activities(reply, tz=self.settings.tz_name)
            if target_conv is None and not ctx.personal and person_id is not None:
                case = await self.cases.shared_activity(person_id, ctx.user, ctx.tenant, reply)
                activities = [case] if case is not None else reply_activities(status_only(reply),
                                                                              tz=self.settings.tz_name)
            for j, activity in enumerate(activities):
                try:
                    await self._send(ctx, activity, conversation_id=target_conv, service_url=target_url)
                except ConnectorError as exc:
                    if exc.status not in RETRYABLE and exc.status != 0:
                        log.warning("reply refused by Teams: %s", exc)
                        continue
                    await self._to_outbox(ctx, reply, f"{i}.{j}", person_id)
                    break

    async def _personal_ref(self, ctx: _Ctx) -> dict | None:
        ident = await self._run(chat_identity.account, platform=PLATFORM, workspace=ctx.tenant, user_id=ctx.user_id)
        return ident.conversation_ref if ident is not None and ident.active else None

    async def _to_outbox(self, ctx: _Ctx, reply: Reply, part: str, person_id: int | None) -> None:
        """Teams is busy: let the outbox worker deliver this reply with back-off."""
        log.info("reply for %s goes to the outbox", ctx.event_id)
        await self._run(chat_identity.queue_reply, dedupe_key=f"teams:reply:{ctx.event_id}:{part}", kind="teams.reply",
                        payload=reply, recipient_person_id=person_id, platform=PLATFORM,
                        target=None if person_id else ctx.conversation_id)


def _is_plain(reply: Reply) -> bool:
    return bool(reply.text) and not (reply.title or reply.facts or reply.items or reply.actions or reply.form
                                     or reply.image_png_b64)

"""Events: DMs to the bot (`message.im`) and the App Home (`app_home_opened`).

Bolt acks an event when its listener returns; the listeners return at once and do
the work in the background. Slack retries an event it thinks failed
(`X-Slack-Retry-Num`, same `event_id`); `claim_event` lets exactly one delivery through,
but lets a retry in when the first attempt failed, so nothing is lost or doubled.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.conversation.channel import IncomingMessage
from bot.conversation.intents import WHISTLE_WORDS
from bot.conversation.parsing import normalise
from bot.slack.app import SlackDeps, send_replies
from bot.slack.home import publish_home
from models.db import read_scope
from models.messages import Reply
from models.services import inbound

log = logging.getLogger("trad.slack")
PLATFORM = "slack"
VARSLING_HINT = ("Jeg har ikke lagret det du skrev. Gjelder det et vanlig avvik, bruk /avvik eller "
                 "«meld avvik» i stedet.")


def looks_like_varsling(text: str) -> bool:
    """Whistleblowing-looking text is never handed on (and so never stored): guidance only."""
    t = normalise(text)
    return any(w in t for w in WHISTLE_WORDS)


def _guidance(deps: SlackDeps, pid: int) -> Reply:
    with read_scope(deps.engine) as s:
        reply = deps.conversation.varsle_guidance(s, pid, detected=True)
    return reply.model_copy(update={"text": f"{reply.text} {VARSLING_HINT}"})


def register(app: AsyncApp, deps: SlackDeps) -> None:
    def claim(event_id: str) -> bool:
        with Session(deps.engine) as s:
            return inbound.claim_event(session=s, platform=PLATFORM, event_id=event_id)

    def finish(event_id: str, ok: bool) -> None:
        with Session(deps.engine) as s:
            inbound.finish_event(session=s, platform=PLATFORM, event_id=event_id, ok=ok)

    @app.event("message")
    async def on_message(body: dict, event: dict, client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # edits, joins, our own and other bots' messages
        deps.background(_on_dm(body, event, client), "DM")

    async def _on_dm(body: dict, event: dict, client: AsyncWebClient) -> None:
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not await deps.run(claim, event_id):
            return  # a retry of a delivery that is done or still being handled
        handled = False
        try:
            team = body.get("team_id") or event.get("team") or ""
            user_id = event["user"]
            pid = await deps.identities.resolve(client, team, user_id)
            if pid is None:
                handled = True
                await send_replies(client, [Reply(text=await deps.unknown_text())], user_id=user_id,
                                   channel=event["channel"])
                return
            text = event.get("text") or ""
            if looks_like_varsling(text):
                handled = True
                await send_replies(client, [await deps.run(_guidance, deps, pid)], user_id=user_id,
                                   channel=event["channel"])
                return
            msg = IncomingMessage(user=deps.user(team, user_id), person_id=pid, text=text, supports_forms=False)
            replies = await deps.run(deps.conversation.handle_message, msg)
            handled = True  # the conversation has committed: a retry must not run it again
            await send_replies(client, replies, user_id=user_id, channel=event["channel"])
            deps.refresh_home(client, user_id, pid)
        except Exception:  # noqa: BLE001 - the event is already acked; log and let a retry try again
            log.exception("DM handling failed")
        finally:
            await deps.run(finish, event_id, handled)

    @app.event("app_home_opened")
    async def on_home(body: dict, event: dict, client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        deps.background(_open_home(body, event, client), "App Home opened")

    async def _open_home(body: dict, event: dict, client: AsyncWebClient) -> None:
        try:
            team = body.get("team_id") or ""
            pid = await deps.identities.resolve(client, team, event["user"])
            if pid is None:
                from bot.slack.blocks import as_dict, home_view

                view = as_dict(home_view([], intro=await deps.unknown_text(), actions=[]))
                await client.views_publish(user_id=event["user"], view=view)
                return
            await publish_home(client, deps.engine, deps.settings, user_id=event["user"], person_id=pid,
                               runner=deps.run)
        except Exception:  # noqa: BLE001
            log.exception("app_home_opened failed")

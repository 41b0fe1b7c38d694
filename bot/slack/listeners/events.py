"""Events: DMs to the bot (`message.im`) and the App Home (`app_home_opened`).

Bolt acks an event when its listener returns; the listeners return at once and do
the work in the background. Slack retries an event it thinks failed
(`X-Slack-Retry-Num`, same `event_id`); `claim_event` lets exactly one delivery through,
but lets a retry in when the first attempt failed, so nothing is lost or doubled.
Whistleblowing-looking text is answered with guidance by the conversation and never stored.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.channel import IncomingMessage
from bot.slack.blocks import home_view, view_dict
from bot.slack.deps import SlackDeps, send_replies
from bot.slack.home import publish_home
from models.messages import Reply
from models.services import inbound

log = logging.getLogger("trad.slack")
PLATFORM = "slack"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("message")
    async def on_message(body: dict, event: dict, client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # edits, joins, our own and other bots' messages
        deps.background(_on_dm(deps, body, event, client), "DM")

    @app.event("app_home_opened")
    async def on_home(body: dict, event: dict, client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        deps.background(_open_home(deps, body, event, client), "App Home opened")


def _claim(deps: SlackDeps, event_id: str) -> bool:
    with deps.uow.write() as tx:
        return inbound.claim_event(session=tx, platform=PLATFORM, event_id=event_id)


def _finish(deps: SlackDeps, event_id: str, ok: bool) -> None:
    with deps.uow.write() as tx:
        inbound.finish_event(session=tx, platform=PLATFORM, event_id=event_id, ok=ok)


async def _on_dm(deps: SlackDeps, body: dict, event: dict, client: AsyncWebClient) -> None:
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
    if not await deps.run(_claim, deps, event_id):
        return  # a retry of a delivery that is done or still being handled
    handled = False
    try:
        team = body.get("team_id") or event.get("team") or ""
        user_id = event["user"]
        pid = await deps.identities.resolve(client, team, user_id)
        if pid is None:
            handled = True
            await send_replies(client, [Reply(text=await deps.unknown_text(team))], user_id=user_id,
                               channel=event["channel"])
            return
        msg = IncomingMessage(user=deps.user(team, user_id), person_id=pid, text=event.get("text") or "",
                              supports_forms=False)
        replies = await deps.run(deps.conversation.handle_message, msg)
        handled = True  # the conversation has committed: a retry must not run it again
        await send_replies(client, replies, user_id=user_id, channel=event["channel"])
        # No App Home refresh here: the person is in the app's Messages tab, and opening the Home tab
        # rebuilds it (`app_home_opened`). A refresh after every DM turn cost ~18 ms of CPU per message
        # in the process that must ack the next event (issue 13: acks at 50 workspaces).
    except Exception:  # noqa: BLE001 - the event is already acked; log and let a retry try again
        log.exception("DM handling failed")
    finally:
        await deps.run(_finish, deps, event_id, handled)


async def _open_home(deps: SlackDeps, body: dict, event: dict, client: AsyncWebClient) -> None:
    try:
        team = body.get("team_id") or ""
        pid = await deps.identities.resolve(client, team, event["user"])
        if pid is None:
            view = view_dict(home_view([], intro=await deps.unknown_text(team), actions=[]))
            await client.views_publish(user_id=event["user"], view=view)
            return
        await publish_home(client, deps.conversation, user_id=event["user"], person_id=pid, runner=deps.run)
    except Exception:  # noqa: BLE001
        log.exception("app_home_opened failed")

"""Shortcuts: the global «Meld avvik» and the message shortcut «Meld avvik fra denne meldingen».

Both open the avvik modal; the message shortcut pre-fills «Hva skjedde?» with the message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import form_view, notice_view, unescape, view_dict
from bot.slack.deps import SlackDeps
from models.messages import Reply

log = logging.getLogger("trad.slack")
GLOBAL_CALLBACK = "avvik_global"
MESSAGE_CALLBACK = "avvik_from_message"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def open_form(body: dict, client: AsyncWebClient, description: str) -> None:
        team = (body.get("team") or {}).get("id", "")
        user_id = body["user"]["id"]
        pid = await deps.identities.resolve(client, team, user_id)
        if pid is None:
            view = notice_view("Tråd", Reply(text=await deps.unknown_text(team)))
        else:
            view = form_view(await deps.run(lambda: deps.conversation.open_avvik_form(
                pid, description, platform_locale=deps.identities.locale(team, user_id))))
        await client.views_open(trigger_id=body["trigger_id"], view=view_dict(view))

    @app.shortcut(GLOBAL_CALLBACK)
    async def global_shortcut(ack: Any, body: dict, client: AsyncWebClient) -> None:
        await ack()
        deps.background(open_form(body, client, ""), "global shortcut")

    @app.shortcut(MESSAGE_CALLBACK)
    async def message_shortcut(ack: Any, body: dict, client: AsyncWebClient) -> None:
        await ack()
        text = unescape((body.get("message") or {}).get("text") or "")
        deps.background(open_form(body, client, text), "message shortcut")

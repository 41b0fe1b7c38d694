"""Buttons: leader actions on an avvik, check items, oppdrag, «Meld avvik» on the App Home.

A button that needs input (Legg til tiltak, Lukk, Nei, Oppdater) opens the form the
conversation returns as a modal; the others answer ephemerally (or by DM from the
App Home, which has no response_url). The person's App Home is refreshed after.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.channel import Interaction
from bot.slack.app import SlackDeps, send_replies
from bot.slack.blocks import base_action_id, form_view
from models.errors import DomainError
from models.messages import Reply

log = logging.getLogger("trad.slack")
HANDLED = re.compile(r"^(avvik|tiltak|check|oppdrag)\.[a-z_]+(#\d+)?$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(HANDLED)
    async def on_button(ack: Any, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        user_id = body["user"]["id"]
        respond = _responder(body, client)
        try:
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
            pid = await deps.identities.resolve(client, team, user_id)
            if pid is None:
                await send_replies(client, [Reply(text=await deps.unknown_text())], user_id=user_id, respond=respond)
                return
            ia = Interaction(user=deps.user(team, user_id), person_id=pid, action_id=base_action_id(action["action_id"]),
                             value=action.get("value") or "", supports_forms=True)
            try:
                replies = await asyncio.to_thread(deps.conversation.handle_action, ia)
            except DomainError as e:
                replies = [Reply(text=e.message)]
            forms = [r.form for r in replies if r.form is not None]
            if forms:
                await client.views_open(trigger_id=body["trigger_id"], view=form_view(forms[0]).to_dict())
            rest = [r for r in replies if r.form is None]
            if rest:
                await send_replies(client, rest, user_id=user_id, respond=respond)
            if not forms:
                deps.refresh_home(client, user_id, pid)
        except Exception:  # noqa: BLE001 - after ack(): log, never re-raise (Bolt could reset the ack)
            log.exception("button %s failed", action.get("action_id"))

    @app.action("varsle.open")
    async def on_link(ack: Any) -> None:
        """URL buttons still send an action; ack it and do nothing (nothing about varsling is stored)."""
        await ack()


def _responder(body: dict, client: AsyncWebClient) -> Any:
    """`respond` for buttons in messages; None on the App Home or in modals (answer by DM then)."""
    url = body.get("response_url")
    if not url:
        return None
    from slack_bolt.context.respond.async_respond import AsyncRespond

    return AsyncRespond(response_url=url)

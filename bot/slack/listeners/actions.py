"""Buttons: leader actions on an avvik, check items, oppdrag, «Meld avvik» on the App Home.

A button that needs input (Legg til tiltak, Lukk, Nei, Oppdater) opens the form the
conversation returns as a modal; the others answer ephemerally (or by DM from the
App Home, which has no response_url). The person's App Home is refreshed after.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.channel import Interaction
from bot.slack.blocks import base_action_id, form_view, view_dict
from bot.slack.deps import SlackDeps, send_replies
from bot.slack.followup import AVVIK_ACTIONS, MSG_CHANNEL, MSG_TS, after_avvik_change, message_ref
from models.errors import DomainError
from models.messages import Reply

log = logging.getLogger("trad.slack")
HANDLED = re.compile(r"^(avvik|tiltak|check|oppdrag|escalation|risk|risk_tiltak|tilsyn)\.[a-z_]+(#\d+)?$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(HANDLED)
    async def on_button(ack: Any, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        deps.background(_press(body, action, client), f"button {action.get('action_id')}")

    async def _press(body: dict, action: dict, client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        respond = deps.responder(body.get("response_url"))
        try:
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
            pid = await deps.identities.resolve(client, team, user_id)
            if pid is None:
                await send_replies(client, [Reply(text=await deps.unknown_text(team))], user_id=user_id, respond=respond)
                return
            ia = Interaction(user=deps.user(team, user_id), person_id=pid, action_id=base_action_id(action["action_id"]),
                             value=action.get("value") or "", supports_forms=True)
            changed = True
            try:
                replies = await deps.run(deps.conversation.handle_action, ia)
            except DomainError as e:
                replies = [Reply(text=e.message)]
                changed = False
            forms = [r.form for r in replies if r.form is not None]
            channel, ts = message_ref(body)
            if forms:
                form = forms[0]
                if channel and ts and ia.action_id in AVVIK_ACTIONS:  # to update this message after the modal
                    form = form.model_copy(update={"context": {**form.context, MSG_CHANNEL: channel, MSG_TS: ts}})
                await client.views_open(trigger_id=body["trigger_id"], view=view_dict(form_view(form)))
            rest = [r for r in replies if r.form is None]
            if rest:
                await send_replies(client, rest, user_id=user_id, respond=respond)
            if not forms:
                deps.refresh_home(client, user_id, pid)
                if changed and ia.action_id in AVVIK_ACTIONS and ia.value.isdigit():
                    await after_avvik_change(deps, client, actor_id=pid, avvik_id=int(ia.value), channel=channel,
                                             ts=ts, blocks=(body.get("message") or {}).get("blocks") or [],
                                             block_id=action.get("block_id") or "")
        except Exception:  # noqa: BLE001 - after ack(): log, never re-raise (Bolt could reset the ack)
            log.exception("button %s failed", action.get("action_id"))

    @app.action("varsle.open")
    async def on_link(ack: Any) -> None:
        """URL buttons still send an action; ack it and do nothing (nothing about varsling is stored)."""
        await ack()


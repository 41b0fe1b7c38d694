"""Modal submissions: validated before the ack, so errors land on the right field.

The submission is the one place where the slow part (saving) must happen before the
ack: `response_action: errors` can only be given in the ack. Saving is one short
transaction; the App Home refresh happens after the ack.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.channel import Interaction
from bot.slack.app import SlackDeps
from bot.slack.blocks import field_errors, form_values, notice_view
from models.errors import DomainError, ValidationFailed

log = logging.getLogger("trad.slack")
FORM_IDS = ("avvik.report", "avvik.add_tiltak", "avvik.close", "avvik.reopen", "check.nei", "oppdrag.update")
TITLES = {"avvik.report": "Avvik registrert", "avvik.add_tiltak": "Tiltak lagret", "avvik.close": "Avvik lukket",
          "avvik.reopen": "Avvik gjenåpnet", "check.nei": "Sjekkpunkt lagret", "oppdrag.update": "Oppdrag oppdatert"}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for form_id in FORM_IDS:
        app.view_submission(form_id)(_make_submit(deps))


def _make_submit(deps: SlackDeps) -> Any:
    async def on_submit(ack: Any, body: dict, view: dict, client: AsyncWebClient) -> None:
        blocks = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
        acked = False
        try:
            user_id = body["user"]["id"]
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
            pid = await deps.identities.resolve(client, team, user_id)
            if pid is None:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, {"form": await deps.unknown_text()}))
                return
            try:
                ctx = json.loads(view.get("private_metadata") or "{}")
            except ValueError:
                ctx = {}
            ia = Interaction(user=deps.user(team, user_id), person_id=pid, action_id=view["callback_id"],
                             value=view.get("id") or "", values=form_values((view.get("state") or {}).get("values", {})),
                             context={str(k): str(v) for k, v in ctx.items()})
            try:
                replies = await asyncio.to_thread(deps.conversation.submit_form, ia)
            except ValidationFailed as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, e.errors))
                return
            except DomainError as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, {"form": e.message}))
                return
            acked = True
            await ack(response_action="update",
                      view=notice_view(TITLES.get(view["callback_id"], "Lagret"), replies[0]).to_dict())
            deps.refresh_home(client, user_id, pid)
        except Exception:  # noqa: BLE001 - never let Bolt see an error (it could reset the ack)
            log.exception("view submission %s failed", view.get("callback_id"))
            if not acked:
                await ack(response_action="errors", errors=field_errors(
                    blocks, {"form": "Beklager, noe gikk galt hos meg. Prøv igjen om litt."}))

    return on_submit

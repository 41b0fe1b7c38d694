"""Modal submissions: errors go back in the ack (on the right field), saving as early as allowed.

`response_action: errors` can only be given in the ack, so whatever can fail must be
checked before it. For the avvik report (the busy form) that check is pure: parse the
values and `validate_avvik_input`, no database. The modal then closes at once with
«registreres …» and the save runs after the ack; when it is done the modal is updated
with the AV number (`views.update`), and if the save fails the person is told by DM
(and in the modal, if still open). The other forms' rules need the database
(permissions, the avvik's state), so they are still saved before the ack: they are
rare and one short transaction each.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import forms
from bot.conversation.channel import Interaction
from bot.slack.app import SlackDeps, send_replies
from bot.slack.blocks import as_dict, field_errors, form_values, notice_view
from bot.slack.followup import AVVIK_ACTIONS, MSG_CHANNEL, MSG_TS, after_avvik_change, after_new_avvik
from models.errors import DomainError, ValidationFailed
from models.messages import Reply
from models.services.avvik import validate_avvik_input

log = logging.getLogger("trad.slack")
FORM_IDS = ("avvik.report", "avvik.add_tiltak", "avvik.close", "avvik.reopen", "check.nei", "oppdrag.update")
TITLES = {"avvik.report": "Avvik registrert", "avvik.add_tiltak": "Tiltak lagret", "avvik.close": "Avvik lukket",
          "avvik.reopen": "Avvik gjenåpnet", "check.nei": "Sjekkpunkt lagret", "oppdrag.update": "Oppdrag oppdatert"}
SAVING_TITLE = "Avvik mottatt"
SAVING_TEXT = "Takk! Avviket registreres nå. Du får nummeret her og på melding om et øyeblikk."
SORRY = "Beklager, noe gikk galt hos meg. Prøv igjen om litt."


def precheck(deps: SlackDeps, form_id: str, values: dict[str, str]) -> bool:
    """Validate a form without the database; True when it may be saved after the ack.

    Raises ValidationFailed (field → message) exactly as the save would for these fields.
    """
    if form_id != "avvik.report":
        return False
    validate_avvik_input(forms.parse_avvik_form(values, now=deps.conversation.now(), tz=deps.settings.tz_name),
                         now=deps.conversation.now())
    return True


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for form_id in FORM_IDS:
        app.view_submission(form_id)(_make_submit(deps))


def _make_submit(deps: SlackDeps) -> Any:
    async def save_after_ack(client: AsyncWebClient, ia: Interaction, view_id: str, channel_user: str) -> None:
        """The save for a pre-checked form; the outcome replaces the «registreres» modal, failures also by DM."""
        try:
            replies = await deps.run(deps.conversation.submit_form, ia)
        except DomainError as e:
            text = "Avviket ble ikke lagret: " + (" ".join(getattr(e, "errors", {}).values()) or e.message)
            await _tell_failure(client, view_id, channel_user, text)
            return
        except Exception:  # noqa: BLE001 - after the ack: tell the person, never lose the failure silently
            log.exception("saving %s after the ack failed", ia.action_id)
            await _tell_failure(client, view_id, channel_user, "Avviket ble ikke lagret. " + SORRY)
            return
        deps.refresh_home(client, channel_user, ia.person_id)
        unit = ia.values.get("unit_id", "")
        after_new_avvik(deps, client, unit_id=int(unit) if unit.isdigit() else None, actor_id=ia.person_id)
        try:
            await client.views_update(view_id=view_id, view=as_dict(notice_view(TITLES[ia.action_id], replies[0])))
        except Exception as e:  # noqa: BLE001 - the modal was closed already; the receipt DM comes from the outbox
            log.info("views.update after save: %r", e)

    async def on_submit(ack: Any, body: dict, view: dict, client: AsyncWebClient) -> None:
        blocks = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
        acked = False
        try:
            user_id = body["user"]["id"]
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
            pid = deps.identities.cached(team, user_id)
            if pid is None:
                pid = await deps.identities.resolve(client, team, user_id)
            if pid is None:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, {"form": await deps.unknown_text()}))
                return
            try:
                ctx = json.loads(view.get("private_metadata") or "{}")
            except ValueError:
                ctx = {}
            form_id = view["callback_id"]
            ia = Interaction(user=deps.user(team, user_id), person_id=pid, action_id=form_id,
                             value=view.get("id") or "", values=form_values((view.get("state") or {}).get("values", {})),
                             context={str(k): str(v) for k, v in ctx.items() if k not in (MSG_CHANNEL, MSG_TS)})
            try:
                if precheck(deps, form_id, ia.values):
                    acked = True
                    await ack(response_action="update", view=as_dict(notice_view(SAVING_TITLE, Reply(text=SAVING_TEXT))))
                    deps.background(save_after_ack(client, ia, view.get("id") or "", user_id), "save " + form_id)
                    return
                replies = await deps.run(deps.conversation.submit_form, ia)
            except ValidationFailed as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, e.errors))
                return
            except DomainError as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, {"form": e.message}))
                return
            acked = True
            await ack(response_action="update", view=as_dict(notice_view(TITLES.get(form_id, "Lagret"), replies[0])))
            deps.refresh_home(client, user_id, pid)
            if form_id == "check.nei":
                unit = ia.context.get("unit_id", "")
                after_new_avvik(deps, client, unit_id=int(unit) if unit.isdigit() else None, actor_id=pid)
            elif form_id in AVVIK_ACTIONS and ia.context.get("avvik_id", "").isdigit():
                await after_avvik_change(deps, client, actor_id=pid, avvik_id=int(ia.context["avvik_id"]),
                                         channel=ctx.get(MSG_CHANNEL), ts=ctx.get(MSG_TS))
        except Exception:  # noqa: BLE001 - never let Bolt see an error (it could reset the ack)
            log.exception("view submission %s failed", view.get("callback_id"))
            if not acked:
                await ack(response_action="errors", errors=field_errors(blocks, {"form": SORRY}))

    async def _tell_failure(client: AsyncWebClient, view_id: str, user_id: str, text: str) -> None:
        try:
            await send_replies(client, [Reply(text=text)], user_id=user_id)
        except Exception:  # noqa: BLE001
            log.exception("could not tell %s that a save failed", user_id)
        try:
            await client.views_update(view_id=view_id, view=as_dict(notice_view("Ikke lagret", Reply(text=text))))
        except Exception as e:  # noqa: BLE001 - the modal may be closed; the DM above is what counts
            log.info("views.update after a failed save: %r", e)

    return on_submit

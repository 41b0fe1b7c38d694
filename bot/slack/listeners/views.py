"""Modal submissions: saved before the ack, with errors on the right field or the result in the modal.

Every form is saved before it is acknowledged, so a person who sees «Avvik mottatt» or
«Tiltak lagret» has what they sent on disk, through a crash or restart of the server. A new
avvik is kept as one row and becomes its case a moment later, with the number in the
reporter's DM (`bot.conversation.report_intake`); the other forms are done in full. The
save runs on the edge's own thread pool, never on the event loop; App Home refreshes and
message updates run after the ack.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import option_search
from bot.conversation.channel import Interaction
from bot.slack.blocks import VALUE_ACTION, field_errors, form_values, notice_view, option_dicts, view_dict
from bot.slack.deps import SlackDeps
from bot.slack.followup import AVVIK_ACTIONS, MSG_CHANNEL, MSG_TS, after_avvik_change
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _
from models.vocabulary import Labels

log = logging.getLogger("trad.slack")
FORM_IDS = ("avvik.report", "avvik.add_tiltak", "avvik.close", "avvik.reopen", "check.nei", "oppdrag.update",
            "risk.add", "risk.review")
TITLES = Labels({"avvik.report": N_("Avvik registrert"), "avvik.add_tiltak": N_("Tiltak lagret"),
                 "avvik.close": N_("Avvik lukket"), "avvik.reopen": N_("Avvik gjenåpnet"),
                 "check.nei": N_("Sjekkpunkt lagret"), "oppdrag.update": N_("Oppdrag oppdatert"),
                 "risk.add": N_("Risiko lagret"), "risk.review": N_("Gjennomgang lagret")})
SORRY = N_("Beklager, noe gikk galt hos meg. Prøv igjen om litt.")


# One listener for every form: Bolt tries each listener's matcher in turn, so eight listeners made the
# last form's submission pay for seven misses first (bot/slack/app.py registers this module first).
FORMS = re.compile("^(" + "|".join(re.escape(form_id) for form_id in FORM_IDS) + ")$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.view_submission(FORMS)(_make_submit(deps))
    app.options(VALUE_ACTION)(_make_search(deps))


def _make_search(deps: SlackDeps) -> Any:
    """Slack asks for the options of a long menu (an `external_select`) as the person types in it."""
    async def on_search(ack: Any, body: dict, client: AsyncWebClient) -> None:
        found: list[tuple[str, str]] = []
        try:
            user_id = body["user"]["id"]
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
            pid = deps.identities.cached(team, user_id) or await deps.identities.resolve(client, team, user_id)
            form_id = (body.get("view") or {}).get("callback_id") or ""
            if pid is not None:
                found = await deps.run(lambda: option_search.choices_for(
                    deps.conversation, pid, form_id, str(body.get("block_id") or ""), str(body.get("value") or ""),
                    platform_locale=deps.identities.locale(team, user_id)))
        except Exception:  # noqa: BLE001 - an empty menu, never an error that Bolt would turn into a retry
            log.exception("option search failed")
        await ack(options=option_dicts(found))

    return on_search


def _make_submit(deps: SlackDeps) -> Any:
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
                await ack(response_action="errors", errors=field_errors(blocks, {"form": await deps.unknown_text(team)}))
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
                replies = await deps.run(deps.conversation.accept_form, ia)
            except ValidationFailed as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, e.errors))
                return
            except DomainError as e:
                acked = True
                await ack(response_action="errors", errors=field_errors(blocks, {"form": e.message}))
                return
            acked = True
            title = replies[0].title or TITLES.get(form_id, _("Lagret"))  # «Avvik mottatt» when kept for later
            await ack(response_action="update", view=view_dict(notice_view(title, replies[0])))
            if not replies[0].title:  # a kept report's receipt DM refreshes the home once the case exists
                deps.refresh_home(client, user_id, pid)
            # A new avvik reaches the unit's leaders as a DM through the outbox, and delivering
            # that DM refreshes their App Home (bot.slack.delivery), so nothing more is done here.
            if form_id in AVVIK_ACTIONS and ia.context.get("avvik_id", "").isdigit():
                deps.background(after_avvik_change(deps, client, actor_id=pid, avvik_id=int(ia.context["avvik_id"]),
                                                   channel=ctx.get(MSG_CHANNEL), ts=ctx.get(MSG_TS)),
                                "after an avvik change")
        except Exception:  # noqa: BLE001 - never let Bolt see an error (it could reset the ack)
            log.exception("view submission %s failed", view.get("callback_id"))
            if not acked:
                await ack(response_action="errors", errors=field_errors(blocks, {"form": _(SORRY)}))

    return on_submit

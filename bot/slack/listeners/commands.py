"""Slash commands: /avvik, /sjekkliste, /oppdrag, /varsle.

Each acks and returns at once (Slack's 3-second rule); the slow part runs in the background;
answers are ephemeral through `respond` so they work in any channel. What they answer comes
from the conversation, exactly as a DM or a Teams message asking the same would get.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import form_view, view_dict
from bot.slack.deps import SlackDeps, send_replies
from models.i18n import N_, _

log = logging.getLogger("trad.slack")
LISTINGS = {"/sjekkliste": "checklist", "/oppdrag": "my_oppdrag"}
NOT_STORED = N_("Det du skrev etter /varsle er ikke lagret.")
TRIGGER_S = 2.5  # Slack's trigger_id opens a modal only within 3 s of the command: later, the open is wasted work


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/avvik")
    async def avvik_command(ack: Any, command: dict, client: AsyncWebClient, respond: Any) -> None:
        await ack()
        acked = time.monotonic()
        deps.background(_open_avvik(deps, command, client, respond, acked), "/avvik")

    async def listing_command(ack: Any, command: dict, client: AsyncWebClient, respond: Any) -> None:
        await ack()
        deps.background(_listing(deps, command, client, respond), command.get("command") or "listing")

    for name in LISTINGS:
        app.command(name)(listing_command)

    @app.command("/varsle")
    async def varsle_command(ack: Any, command: dict, respond: Any) -> None:
        """Guidance only. Nothing from this command is stored: not the text, not even a new identity link."""
        await ack()
        deps.background(_guide(deps, command, respond), "/varsle")


async def _person(deps: SlackDeps, client: AsyncWebClient, command: dict, respond: Any) -> int | None:
    pid = await deps.identities.resolve(client, command.get("team_id", ""), command["user_id"])
    if pid is None:
        await respond(text=await deps.unknown_text(command.get("team_id", "")), response_type="ephemeral")
    return pid


async def _open_avvik(deps: SlackDeps, command: dict, client: AsyncWebClient, respond: Any, acked: float) -> None:
    try:
        pid = await _person(deps, client, command, respond)
        if pid is None:
            return
        if time.monotonic() - acked < TRIGGER_S:
            form = await deps.run(lambda: deps.conversation.open_avvik_form(
                pid, (command.get("text") or "").strip(), platform_locale=_locale(deps, command)))
            if time.monotonic() - acked < TRIGGER_S:
                await client.views_open(trigger_id=command["trigger_id"], view=view_dict(form_view(form)))
                return
        await _too_late(respond)
    except Exception:  # noqa: BLE001 - after ack(): log, tell the user, never re-raise
        log.exception("/avvik failed")
        await _sorry(respond)


async def _listing(deps: SlackDeps, command: dict, client: AsyncWebClient, respond: Any) -> None:
    try:
        pid = await _person(deps, client, command, respond)
        if pid is None:
            return
        replies = await deps.run(lambda: deps.conversation.command(pid, LISTINGS[command["command"]],
                                                                   platform_locale=_locale(deps, command)))
        await send_replies(client, replies, user_id=command["user_id"], respond=respond)
        deps.refresh_home(client, command["user_id"], pid)
    except Exception:  # noqa: BLE001
        log.exception("%s failed", command.get("command"))
        await _sorry(respond)


async def _guide(deps: SlackDeps, command: dict, respond: Any) -> None:
    try:
        pid = await deps.identities.known(command.get("team_id", ""), command["user_id"])
        typed = bool((command.get("text") or "").strip())
        reply = await deps.run(lambda: deps.conversation.varsle_guidance(pid, detected=typed,
                                                                         platform_locale=_locale(deps, command)))
        if typed:
            reply = reply.model_copy(update={"text": reply.text + " " + _(NOT_STORED)})
        await send_replies(None, [reply], user_id=command["user_id"], respond=respond)
    except Exception:  # noqa: BLE001
        log.exception("/varsle failed")
        await _sorry(respond)


def _locale(deps: SlackDeps, command: dict) -> str | None:
    """Slack's guess at the person's language (known once `users.info` was asked)."""
    return deps.identities.locale(command.get("team_id", ""), command["user_id"])


async def _too_late(respond: Any) -> None:
    """The server was too busy to open the form while Slack's trigger was valid: say so, so nothing is lost
    silently (nothing was stored; the person types /avvik again)."""
    try:
        await respond(text=_("Tråd hadde for mye å gjøre til å åpne skjemaet akkurat nå. Skriv /avvik igjen om litt."),
                      response_type="ephemeral")
    except Exception:  # noqa: BLE001
        log.exception("could not tell the user the form was not opened")


async def _sorry(respond: Any) -> None:
    try:
        await respond(text=_("Beklager, noe gikk galt hos meg. Prøv igjen om litt."), response_type="ephemeral")
    except Exception:  # noqa: BLE001
        log.exception("could not tell the user about an error")

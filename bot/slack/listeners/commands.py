"""Slash commands: /avvik, /sjekkliste, /oppdrag, /varsle.

Each acks and returns at once (Slack's 3-second rule); the slow part runs in the background;
answers are ephemeral through `respond` so they work in any channel.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import views
from bot.slack.app import SlackDeps, send_replies
from bot.slack.blocks import as_dict, form_view
from models.db import read_scope
from models.errors import DomainError
from models.messages import Reply
from models.services import checklists, oppdrag, org

log = logging.getLogger("trad.slack")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def _person(client: AsyncWebClient, command: dict, respond: Any) -> int | None:
        pid = await deps.identities.resolve(client, command.get("team_id", ""), command["user_id"])
        if pid is None:
            await respond(text=await deps.unknown_text(), response_type="ephemeral")
        return pid

    @app.command("/avvik")
    async def avvik_command(ack: Any, command: dict, client: AsyncWebClient, respond: Any) -> None:
        await ack()
        deps.background(_open_avvik(command, client, respond), "/avvik")

    async def _open_avvik(command: dict, client: AsyncWebClient, respond: Any) -> None:
        try:
            pid = await _person(client, command, respond)
            if pid is None:
                return
            form = await deps.run(deps.conversation.open_avvik_form, pid, (command.get("text") or "").strip())
            await client.views_open(trigger_id=command["trigger_id"], view=as_dict(form_view(form)))
        except Exception:  # noqa: BLE001 - after ack(): log, tell the user, never re-raise
            log.exception("/avvik failed")
            await _sorry(respond)

    def _checklist(pid: int) -> Reply:
        with read_scope(deps.engine) as s:
            actor = org.load_actor(s, person_id=pid)
            due = checklists.list_due_checklists(session=s, actor_id=pid, now=deps.conversation.now())
            return views.checklist_reply(due, is_leader=bool(actor.led_unit_ids))

    def _oppdrag(pid: int) -> Reply:
        with read_scope(deps.engine) as s:
            return views.oppdrag_list(oppdrag.list_my_oppdrag(session=s, person_id=pid))

    async def _listing(command: dict, client: AsyncWebClient, respond: Any, build: Any) -> None:
        try:
            pid = await _person(client, command, respond)
            if pid is None:
                return
            try:
                reply = await deps.run(build, pid)
            except DomainError as e:
                reply = Reply(text=e.message)
            await send_replies(client, [reply], user_id=command["user_id"], respond=respond)
            deps.refresh_home(client, command["user_id"], pid)
        except Exception:  # noqa: BLE001
            log.exception("%s failed", command.get("command"))
            await _sorry(respond)

    @app.command("/sjekkliste")
    async def sjekkliste_command(ack: Any, command: dict, client: AsyncWebClient, respond: Any) -> None:
        await ack()
        deps.background(_listing(command, client, respond, _checklist), "/sjekkliste")

    @app.command("/oppdrag")
    async def oppdrag_command(ack: Any, command: dict, client: AsyncWebClient, respond: Any) -> None:
        await ack()
        deps.background(_listing(command, client, respond, _oppdrag), "/oppdrag")

    @app.command("/varsle")
    async def varsle_command(ack: Any, command: dict, respond: Any) -> None:
        """Guidance only. Nothing from this command is stored: not the text, not even a new identity link."""
        await ack()
        deps.background(_guide(command, respond), "/varsle")

    async def _guide(command: dict, respond: Any) -> None:
        try:
            pid = await deps.identities.known(command.get("team_id", ""), command["user_id"])

            def guidance() -> Reply:
                with read_scope(deps.engine) as s:
                    return deps.conversation.varsle_guidance(s, pid, detected=bool((command.get("text") or "").strip()))

            reply = await deps.run(guidance)
            if (command.get("text") or "").strip():
                reply = reply.model_copy(update={"text": reply.text + " Det du skrev etter /varsle er ikke lagret."})
            await send_replies(None, [reply], user_id=command["user_id"], respond=respond)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            log.exception("/varsle failed")
            await _sorry(respond)


async def _sorry(respond: Any) -> None:
    try:
        await respond(text="Beklager, noe gikk galt hos meg. Prøv igjen om litt.", response_type="ephemeral")
    except Exception:  # noqa: BLE001
        log.exception("could not tell the user about an error")

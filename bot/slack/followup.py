"""What happens after a change made in Slack: the leader's message and other people's App Homes.

The conversation says what the leader's message reads now and who is concerned
(`Conversation.avvik_followup`, a neutral `Reply`); this module renders that in Slack:

- A leader who presses «Ta saken» (or closes the avvik through the «Lukk» modal) in the DM
  about a new avvik sees that message change in place (`chat.update`): the new status and
  only the buttons that still apply, so nobody presses «Ta saken» twice.
- The App Home of everyone the change concerns (the reporter, the unit's leaders, the
  actor) is refreshed, coalesced per user by `SlackDeps.refresh_home`.

All of it runs after the ack and never raises: it is presentation, the change is committed.
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import message_payloads
from bot.slack.deps import SlackDeps
from models.messages import Reply
from models.notices import new_avvik_title_prefixes
from models.services.listings import AvvikFollowup

log = logging.getLogger("trad.slack")
AVVIK_ACTIONS = {"avvik.take", "avvik.add_tiltak", "avvik.close", "avvik.reopen"}
MSG_CHANNEL = "slack_channel"  # kept in a modal's private_metadata to update the message the button was in
MSG_TS = "slack_ts"


def _header(blocks: list[dict]) -> str:
    for b in blocks:
        if b.get("type") == "header":
            return str((b.get("text") or {}).get("text") or "")
    return ""


def patched_blocks(blocks: list[dict], block_id: str, view: AvvikFollowup) -> list[dict] | None:
    """The message with the new state of the avvik, or None to leave it as it is.

    The DM about a new avvik is rebuilt whole (status fact and buttons). Elsewhere (a list
    with several avvik) only the pressed row's buttons are replaced by those that still apply.
    """
    if _header(blocks).startswith(new_avvik_title_prefixes()):  # the leader's DM, in any language
        return message_payloads(view.leader_message)[0]["blocks"]
    if not block_id:
        return None
    fresh = [b for b in message_payloads(Reply(actions=view.leader_message.actions))[0]["blocks"]
             if b.get("type") == "actions"]
    out: list[dict] = []
    hit = False
    for b in blocks:
        if b.get("type") == "actions" and b.get("block_id") == block_id:
            hit = True
            if fresh:
                out.append({**fresh[0], "block_id": block_id})
            continue
        out.append(b)
    return out if hit else None


def refresh_people(deps: SlackDeps, client: AsyncWebClient, people: frozenset[int]) -> None:
    """Refresh the App Home of each person's linked Slack accounts (soon, coalesced)."""

    async def run() -> None:
        for pid in people:
            for _team, user_id in await deps.run(deps.identities.slack_users_for, pid):
                deps.refresh_home(client, user_id, pid)

    if people:
        deps.background(run(), "App Home of the people concerned")


async def after_avvik_change(deps: SlackDeps, client: AsyncWebClient, *, actor_id: int, avvik_id: int,
                             channel: str | None = None, ts: str | None = None, blocks: list[dict] | None = None,
                             block_id: str = "") -> None:
    """After the actor changed an avvik: update the message the button was in, refresh the homes concerned."""
    try:
        view = await deps.run(deps.conversation.avvik_followup, actor_id, avvik_id)
    except Exception:  # noqa: BLE001 - e.g. the actor may no longer see it; nothing to show then
        log.info("avvik %s not shown after a change", avvik_id, exc_info=True)
        return
    refresh_people(deps, client, view.people - {actor_id})
    if not (channel and ts):
        return
    if blocks is None:  # from a modal: only the DM about a new avvik is identified without its blocks
        new = message_payloads(view.leader_message)[0]
    else:
        patched = patched_blocks(blocks, block_id, view)
        if patched is None:
            return
        new = {"text": message_payloads(view.leader_message)[0]["text"], "blocks": patched}
    try:
        await client.chat_update(channel=channel, ts=ts, text=new["text"], blocks=new["blocks"])
    except Exception as e:  # noqa: BLE001 - an old or deleted message: the status DM still tells the story
        log.info("chat.update of the avvik message failed: %r", e)


def message_ref(body: dict) -> tuple[str | None, str | None]:
    """(channel, ts) of the non-ephemeral bot message a button was pressed in, if any."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None, None
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts



"""One case on a card shared in a channel or group chat: its status for everyone, its buttons for its leaders.

Why: many people read a card in a channel, but only the case's leader may act on it.
Teams asks the bot for each reader's own version of such a card (Universal Actions'
`refresh`); this module phrases both versions, platform-neutral, from
`listings.avvik_case`, which applies the same rule as every leader's button.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation import views
from models.errors import NotFound
from models.i18n import _
from models.messages import Fact, Reply
from models.services.listings import AvvikCase
from models.vocabulary import AVVIK_STATUSES

KIND = "avvik"
# The buttons that act on a case: shown, and accepted, only for a reader who may manage it.
LEADER_ACTIONS = frozenset({"avvik.take", "avvik.add_tiltak", "avvik.close", "avvik.reopen"})


@dataclass(frozen=True)
class CaseView:
    """One reader's view of a shared case card."""

    key: str  # «avvik:12», carried in the card's data
    mine: Reply  # what this reader sees: with the buttons when they may act
    status: Reply  # the status only, what everyone else sees
    refused: Reply  # the status with a note, for a reader who pressed a button they may not use
    manage: bool
    leader_ids: frozenset[int]


def case_key(avvik_id: int) -> str:
    return f"{KIND}:{avvik_id}"


def parse_key(key: object) -> int:
    """The avvik id of a card's case key; a forged or unknown key is NotFound, never a crash."""
    kind, _sep, raw = str(key or "").partition(":")
    if kind != KIND or not raw.isdecimal() or not 0 < int(raw) <= 2**31 - 1:
        raise NotFound(_("Fant ikke saken. Den kan være slettet, eller lenken er feil."))
    return int(raw)


def case_of(reply: Reply) -> int | None:
    """The avvik a reply is about, when its buttons are a leader's buttons for one case."""
    values = {a.value for a in reply.actions if a.action_id in LEADER_ACTIONS}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdecimal() and 0 < int(value) <= 2**31 - 1 else None


def status_only(reply: Reply) -> Reply:
    """A list for a channel: its items without the leader's buttons (one case at a time gets a case card)."""
    if not any(a.action_id in LEADER_ACTIONS for item in reply.items for a in item.actions):
        return reply
    items = [item.model_copy(update={"actions": [a for a in item.actions if a.action_id not in LEADER_ACTIONS]})
             for item in reply.items]
    return reply.model_copy(update={"items": items})


def case_view(case: AvvikCase) -> CaseView:
    status_label = _(AVVIK_STATUSES.get(case.status, case.status))
    if case.line is not None:
        item = views.avvik_item(case.line, for_leader=case.manage)
        status = Reply(title=item.title, facts=item.facts)
        mine = Reply(title=item.title, facts=item.facts, actions=item.actions if case.manage else [])
    else:  # the reader may not see the case: its number and status only
        status = Reply(title=case.ref, facts=[Fact(label=_("Status"), value=status_label)])
        mine = status
    refused = status.model_copy(update={"text": _("Bare lederen for saken kan gjøre dette. Ingenting er endret.")})
    return CaseView(key=case_key(case.avvik_id), mine=mine, status=status, refused=refused, manage=case.manage,
                    leader_ids=case.leader_ids)

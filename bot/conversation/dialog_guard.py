"""Ending half-finished dialogs cleanly, and the offer to report an incident as an avvik.

Why: a guided dialog stores whatever is typed as the next answer. When someone comes back
after a while, or types a new command in the middle («eg vil melde avvik», «mine avvik»),
those words must not become answers (AV-475 got the description «Inngangen» and the place
«mine avvik»). Before a message reaches a dialog, `settle` ends the dialog when it is older
than 30 minutes or when the message is plainly a new command, and says so; the message is
then read as a new request. The test for «plainly a command» is strict (a close match to a
known phrasing of two words or more, or a handful of one-word commands), because a dialog's
answers are free text too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from bot.conversation.channel import ChannelUser
from bot.conversation.guided import key
from bot.conversation.intents import PHRASES, Intent, parse
from bot.conversation.parsing import normalise
from bot.conversation.understanding import detect_incident, is_yes, offer_reply
from models.i18n import _
from models.messages import Reply
from models.services import dialogs
from models.uow import Tx, UnitOfWork

OFFER_DIALOG = "avvik_offer"
# Intents that never interrupt a dialog: the dialog handles them, or they are not commands at all.
NOT_COMMANDS = frozenset({"unknown", "empty", "cancel", "back", "thanks", "update_oppdrag"})
# Intents found by pattern (a number or a unit name in them): a short message is a command.
PATTERN_INTENTS = frozenset({"show_avvik", "show_oppdrag", "styringskort"})
ONE_WORD_COMMANDS = frozenset({"hjelp", "help", "sjekkliste", "sjekklista", "checklist", "checklists",
                               "styringskort", "scorecard", "varsle", "whistleblow", "internkontroll"})
MAX_COMMAND_WORDS = 8
STRICT_RATIO = 88
_CANDIDATES = [(normalise(p), name) for name, phrases in PHRASES.items() for p in phrases]


class DialogState(Protocol):
    """What this module reads of a stored dialog (`models.services.dialogs`); edges import no tables."""

    @property
    def name(self) -> str: ...

    @property
    def step(self) -> int: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True)
class Settled:
    """The dialog to continue (None when there is none now), notes for the person, and an accepted offer."""

    state: DialogState | None
    notes: list[Reply] = field(default_factory=list)
    offer_text: str | None = None


def new_command(text: str, state: DialogState) -> Intent | None:
    """The new command `text` plainly is, or None when it may well be an answer to the dialog."""
    t = normalise(text)
    words = t.split()
    if not words or len(words) > MAX_COMMAND_WORDS or _answers_choice(state, t):
        return None
    intent = parse(text)
    if intent.name in NOT_COMMANDS:
        return None
    if intent.name in PATTERN_INTENTS:
        return intent if len(words) <= 4 else None
    best = process.extractOne(t, [p for p, _n in _CANDIDATES], scorer=fuzz.ratio, score_cutoff=STRICT_RATIO)
    if best is None:
        return None
    phrase, name = _CANDIDATES[best[2]]
    if name in NOT_COMMANDS or (len(phrase.split()) < 2 and phrase not in ONE_WORD_COMMANDS):
        return None
    return Intent(name)


def _answers_choice(state: DialogState, t: str) -> bool:
    """True when `t` picks an option of the select question the dialog is waiting on (by number or label)."""
    if state.name != "form":
        return False
    fields = (state.data.get("form") or {}).get("fields") or []
    if not 0 <= state.step < len(fields) or fields[state.step].get("kind") != "select":
        return False
    options = fields[state.step].get("options") or []
    return t.isdecimal() or any(t in (normalise(str(v)), normalise(str(label))) for v, label in options)


def settle(tx: Tx, user: ChannelUser, state: DialogState | None, text: str) -> Settled:
    """End a stale or interrupted dialog (and any pending offer) before `text` is read."""
    if state is None:
        return Settled(None)
    if dialogs.is_stale(state):
        dialogs.clear_dialog(session=tx, **key(user))
        if state.name == OFFER_DIALOG:
            return Settled(None)
        return Settled(None, [Reply(text=_("Du hadde en uferdig dialog som er over 30 minutter gammel. "
                                           "Den er avsluttet, og ingenting fra den er lagret."))])
    if state.name == OFFER_DIALOG:
        dialogs.clear_dialog(session=tx, **key(user))
        accepted = is_yes(text)
        return Settled(None, offer_text=str(state.data.get("description") or "") if accepted else None)
    if new_command(text, state) is not None:
        dialogs.clear_dialog(session=tx, **key(user))
        return Settled(None, [Reply(text=_("Jeg avsluttet den uferdige dialogen uten å lagre noe fra den."))])
    return Settled(state)


def offer_incident(tx: Tx, user: ChannelUser, text: str) -> list[Reply] | None:
    """Free text that describes an incident: offer an avvik with the text filled in, and remember the offer."""
    incident = detect_incident(text)
    if incident is None:
        return None
    dialogs.save_dialog(session=tx, **key(user), name=OFFER_DIALOG, step=0, data={"description": text.strip()[:3000]})
    return [offer_reply(text, incident, text_channel=True)]


def waiting_for_answer(uow: UnitOfWork, user: ChannelUser) -> bool:
    """True while a dialog waits for an answer: a typed number then answers it instead of pressing a button."""
    with uow.read() as tx:
        state = dialogs.load_dialog(session=tx, **key(user))
    return state is not None and state.name != OFFER_DIALOG and not dialogs.is_stale(state)

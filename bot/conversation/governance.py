"""Buttons on the risk, tilsyn and escalation notices (models/governance_notices.py).

Why here: the notices are neutral Replies that every platform shows with the same buttons, so
what a press does is decided once, in the conversation. Acknowledging and ticking off a tiltak
happen at once; reviewing a risk or updating a finding needs the longer forms of the web
pages, so the answer is a button that opens that page.
"""

from __future__ import annotations

from bot.conversation.channel import Interaction
from models.messages import Action, Reply
from models.services import escalation, risk
from models.uow import Tx

ACTION_PREFIXES = frozenset({"escalation", "risk", "risk_tiltak", "tilsyn"})


def act(tx: Tx, ia: Interaction, *, public_base_url: str, tz: str) -> list[Reply]:
    pid, ref = ia.person_id, _id(ia.value)
    if ia.action_id == "escalation.ack":
        escalation.acknowledge(session=tx, actor_id=pid, escalation_id=ref, tz=tz)
        return [Reply(text="Registrert: du har bekreftet at du har sett varselet.")]
    if ia.action_id == "risk_tiltak.done":
        t = risk.complete_risk_tiltak(session=tx, actor_id=pid, tiltak_id=ref)
        return [Reply(text=f"Tiltaket «{t.description[:80]}» er markert som utført.")]
    base = public_base_url.rstrip("/")
    if ia.action_id == "risk.review":
        return [_open_page("Gjennomgå risikoen på nettsiden: der ser du vurderingen og kan endre den.",
                           "Gjennomgå risikoen", f"{base}/risiko/{ref}/gjennomga")]
    if ia.action_id == "tilsyn.finding_update":
        return [_open_page("Oppdater status og tiltak for funnet på nettsiden.", "Oppdater funnet",
                           f"{base}/tilsyn/funn/{ref}")]
    return [Reply(text="Den knappen kjenner jeg ikke igjen. Skriv «hjelp» for å se hva jeg kan.")]


def _open_page(text: str, label: str, url: str) -> Reply:
    return Reply(text=text, actions=[Action(label=label, action_id="web.open", url=url)])


def _id(value: str) -> int:
    """Button values are ids the notice put there; anything else is refused as an unknown item."""
    from models.errors import NotFound

    if not value.isdigit() or len(value) > 12:
        raise NotFound("Fant ikke saken knappen gjelder.")
    return int(value)

"""Buttons on the risk, tilsyn and escalation notices (models/governance_notices.py).

Why here: the notices are neutral Replies that every platform shows with the same buttons, so
what a press does is decided once, in the conversation. Acknowledging and ticking off a tiltak
happen at once; reviewing a risk («Gjennomgå», or «gjennomgå risiko 3») is a short form (a
Slack modal, a Teams card, a guided dialog in the terminal) on the same use case as the web
review page. Updating a tilsyn finding needs the web page's longer form, so that answer is a link.
"""

from __future__ import annotations

from datetime import date

from bot.conversation.channel import Interaction
from bot.conversation.forms import scale_k, scale_p
from bot.conversation.parsing import parse_date
from models.errors import PermissionDenied, ValidationFailed
from models.governance_terms import TREATMENTS
from models.i18n import _, fmt_date
from models.messages import Action, Form, FormField, Reply
from models.services import escalation, org, risk, risk_read
from models.uow import Tx

ACTION_PREFIXES = frozenset({"escalation", "risk", "risk_tiltak", "tilsyn"})


def act(tx: Tx, ia: Interaction, *, public_base_url: str, tz: str) -> list[Reply]:
    pid, ref = ia.person_id, _id(ia.value)
    if ia.action_id == "escalation.ack":
        escalation.acknowledge(session=tx, actor_id=pid, escalation_id=ref, tz=tz)
        return [Reply(text=_("Registrert: du har bekreftet at du har sett varselet."))]
    if ia.action_id == "risk_tiltak.done":
        t = risk.complete_risk_tiltak(session=tx, actor_id=pid, tiltak_id=ref)
        return [Reply(text=_("Tiltaket «{what}» er markert som utført.").format(what=t.description[:80]))]
    base = public_base_url.rstrip("/")
    if ia.action_id == "tilsyn.finding_update":
        return [_open_page(_("Oppdater status og tiltak for funnet på nettsiden."), _("Oppdater funnet"),
                           f"{base}/tilsyn/funn/{ref}")]
    return [Reply(text=_("Den knappen kjenner jeg ikke igjen. Skriv «hjelp» for å se hva jeg kan."))]


def _open_page(text: str, label: str, url: str) -> Reply:
    return Reply(text=text, actions=[Action(label=label, action_id="web.open", url=url)])


def _id(value: str) -> int:
    """Button values are ids the notice put there; anything else is refused as an unknown item."""
    from models.errors import NotFound

    if not value.isdigit() or len(value) > 12:
        raise NotFound(_("Fant ikke saken knappen gjelder."))
    return int(value)


def risk_form(tx: Tx, person_id: int) -> Form:
    """«ny risiko»: the ROS fields a leader fills in; the web page has the rest (cause, after-scores, tiltak)."""
    actor = org.load_actor(tx, person_id=person_id)
    if not actor.org_wide and not actor.managed_unit_ids:
        raise PermissionDenied(_("Risikoer legges inn av ledere. Snakk med lederen din om risikoen du ser."))
    units = [u for u in org.list_units(tx, org_id=actor.org_id)
             if actor.org_wide or u.id in actor.managed_unit_ids]
    return Form(form_id="risk.add", title=_("Ny risiko (ROS)"), submit_label=_("Lagre risiko"), fields=[
        FormField(name="unit_id", label=_("Enhet"), kind="select", options=[(str(u.id), u.name) for u in units],
                  initial=str(units[0].id) if len(units) == 1 else None),
        FormField(name="title", label=_("Hva kan gå galt?"), max_length=200),
        FormField(name="description", label=_("Beskriv risikoen"), kind="textarea", max_length=3000),
        FormField(name="probability_before", label=_("Sannsynlighet"), kind="select", options=scale_p()),
        FormField(name="consequence_before", label=_("Konsekvens"), kind="select", options=scale_k()),
        FormField(name="treatment", label=_("Hva gjør vi med den?"), kind="select",
                  options=[(k, _(v)) for k, v in TREATMENTS.items()]),
        FormField(name="review_date", label=_("Når skal den gjennomgås?"), kind="date",
                  hint=_("F.eks. «1.3.2027» eller «om 12 uker»")),
    ])


def submit_risk(tx: Tx, person_id: int, values: dict[str, str], *, today: date, tz: str) -> list[Reply]:
    review = parse_date(values.get("review_date", ""), tz=tz)
    if review is None:
        raise ValidationFailed({"review_date": _("Skriv en dato, f.eks. «1.3.2027».")})
    unit_raw = values.get("unit_id", "")
    data = risk.RiskInput(title=values.get("title", ""), description=values.get("description", ""),
                          probability_before=_score(values.get("probability_before")),
                          consequence_before=_score(values.get("consequence_before")),
                          treatment=values.get("treatment", ""), review_date=review,
                          unit_id=int(unit_raw) if unit_raw.isdigit() and len(unit_raw) < 12 else None)
    r = risk.add_risk(session=tx, actor_id=person_id, data=data)
    parts = [_("Risikoen er lagret som RO-{n} med risikotall {score}.").format(n=r.number, score=r.risk_before)]
    if r.risk_before >= escalation.current().sector:
        parts.append(_("Den er så alvorlig at den er sendt videre oppover i linjen."))
    parts.append(_("Legg til tiltak og vurdering etter tiltak på nettsiden."))
    return [Reply(text=" ".join(parts))]


def _score(raw: str | None) -> int:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 3 else 0


def review_form(tx: Tx, person_id: int, risk_id: int) -> Form:
    """The review: today's scores to confirm or change, a comment, and the next review date.
    Only the unit's leaders may review (the use case checks again on submit)."""
    v = risk_read.get_risk(session=tx, actor_id=person_id, risk_id=risk_id)
    if not org.load_actor(tx, person_id=person_id).manages(v.unit_id):
        raise PermissionDenied(_("Bare lederen for enheten kan gjennomgå denne risikoen."))
    return Form(form_id="risk.review", title=_("Gjennomgå {ref}").format(ref=v.ref)[:24],
                submit_label=_("Lagre gjennomgangen"), context={"risk_id": str(v.id)}, fields=[
        FormField(name="probability_before", label=_("Sannsynlighet (nå {n})").format(n=v.probability_before),
                  kind="select", options=scale_p(), initial=str(v.probability_before)),
        FormField(name="consequence_before", label=_("Konsekvens (nå {n})").format(n=v.consequence_before),
                  kind="select", options=scale_k(), initial=str(v.consequence_before)),
        FormField(name="comment", label=_("Kommentar til gjennomgangen"), kind="textarea", required=False,
                  max_length=1000),
        FormField(name="review_date", label=_("Neste gjennomgang"), kind="date",
                  hint=_("F.eks. «1.3.2027» eller «om 12 uker»")),
    ])


def review_form_for(tx: Tx, person_id: int, number: int) -> Form:
    """«gjennomgå risiko 3»: the review form of RO-3."""
    return review_form(tx, person_id, risk_read.find_risk_id(session=tx, actor_id=person_id, number=number))


def submit_review(tx: Tx, person_id: int, values: dict[str, str], ctx: dict[str, str], *, tz: str) -> list[Reply]:
    """Store the review through the web form's use case; the reminder is edited in place by it."""
    review = parse_date(values.get("review_date", ""), tz=tz)
    if review is None:
        raise ValidationFailed({"review_date": _("Skriv en dato, f.eks. «1.3.2027».")})
    raw = str(ctx.get("risk_id", ""))
    r = risk.review_risk(session=tx, actor_id=person_id, risk_id=_id(raw), next_review=review,
                         probability_before=_score(values.get("probability_before")) or None,
                         consequence_before=_score(values.get("consequence_before")) or None,
                         comment=values.get("comment"), tz=tz)
    return [Reply(text=_("Gjennomgangen av RO-{number} er lagret: risikotall {score}. Neste gjennomgang {date}.")
                  .format(number=r.number, score=r.risk_before, date=fmt_date(r.review_date)))]

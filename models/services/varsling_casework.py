"""Anonymous varsling, the recipients' side: opening a case, case work, deadlines and reminders.

Every view and action is audited (who, what, which case) and never with content. A
recipient can open only cases whose key was sealed to them and whose access is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from nacl.public import PrivateKey
from sqlmodel import Session, select

from models.errors import InvalidTransition, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.services import audit, tenants
from models.services import varsling_crypto as vc
from models.services._tx import writes
from models.services.org import person_names
from models.services.varsling_cases import get_varsel, message_for, notify_recipient, validate_fields
from models.sql import col
from models.tables.varsling import Varsel, VarselAccess, VarselMessage

# action -> (allowed from, new status)
TRANSITIONS = {
    "bekreft": ({"mottatt"}, "bekreftet"),
    "undersok": ({"mottatt", "bekreftet"}, "undersokes"),
    "tilbakemelding": ({"bekreftet", "undersokes"}, "tilbakemelding"),
    "lukk": ({"mottatt", "bekreftet", "undersokes", "tilbakemelding"}, "lukket"),
}
CHECKLIST = {
    "check_undersokelse": "Undersøkelse startet",
    "check_gjengjeldelse": "Risiko for gjengjeldelse vurdert",
    "check_tiltak_varsler": "Tiltak for varsleren vurdert",
}


@dataclass
class CaseView:
    varsel: Varsel
    what: str
    where_when: str
    unit: str | None
    concerns_director: bool
    has_identity: bool
    messages: list[tuple[str, str, date, str]]  # (sender, author name, date, text)
    recipients: list[str]


def _access(session: Session, *, varsel_id: int, person_id: int) -> tuple[Varsel, VarselAccess]:
    varsel = get_varsel(session, varsel_id)
    access = session.exec(select(VarselAccess).where(VarselAccess.varsel_id == varsel_id,
                                                     VarselAccess.person_id == person_id,
                                                     VarselAccess.active == True)).first()  # noqa: E712
    if access is None:
        audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.access_refused",
                     entity="varsel", entity_id=varsel_id)
        session.commit()
        raise PermissionDenied(_("Du har ikke tilgang til denne saken."))
    return varsel, access


def _key(access: VarselAccess, sk: PrivateKey) -> bytes:
    try:
        return vc.unseal(access.sealed_key, sk)
    except vc.DecryptionFailed:
        raise PermissionDenied(_("Nøkkelen din åpner ikke denne saken.")) from None


def cases_for(session: Session, *, person_id: int) -> list[Varsel]:
    """The cases this recipient may open (metadata only: no key needed to list them)."""
    return list(session.exec(
        select(Varsel).join(VarselAccess, col(VarselAccess.varsel_id) == Varsel.id)
        .where(VarselAccess.person_id == person_id, VarselAccess.active == True)  # noqa: E712
        .order_by(col(Varsel.year).desc(), col(Varsel.number).desc())).all())


def _case_view(session: Session, varsel: Varsel, key: bytes) -> CaseView:
    content = vc.decrypt_json(key, varsel.content)
    msgs = session.exec(select(VarselMessage).where(VarselMessage.varsel_id == varsel.id)
                        .order_by(col(VarselMessage.id))).all()
    accesses = session.exec(select(VarselAccess).where(VarselAccess.varsel_id == varsel.id,
                                                       VarselAccess.active == True)).all()  # noqa: E712
    names = person_names(session, {m.author_id for m in msgs if m.author_id} | {a.person_id for a in accesses})
    return CaseView(
        varsel=varsel, what=content["what"], where_when=content["where_when"], unit=content.get("unit"),
        concerns_director=bool(content.get("concerns_director")), has_identity=varsel.identity is not None,
        messages=[(m.sender, names.get(m.author_id or 0, ""), m.sent_on, vc.decrypt(key, m.body).decode("utf-8"))
                  for m in msgs],
        recipients=sorted(names[a.person_id] for a in accesses if a.person_id in names),
    )


@writes
def open_case(*, session: Session, person_id: int, varsel_id: int, sk: PrivateKey) -> CaseView:
    varsel, access = _access(session, varsel_id=varsel_id, person_id=person_id)
    view = _case_view(session, varsel, _key(access, sk))
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.viewed",
                 entity="varsel", entity_id=varsel_id)
    return view


@writes
def reveal_identity(*, session: Session, person_id: int, varsel_id: int, sk: PrivateKey) -> dict[str, str] | None:
    """The reporter's name/contact, if given: a separate, audited act."""
    varsel, access = _access(session, varsel_id=varsel_id, person_id=person_id)
    if varsel.identity is None or access.sealed_identity_key is None:
        return None
    try:
        id_key = vc.unseal(access.sealed_identity_key, sk)
    except vc.DecryptionFailed:
        raise PermissionDenied(_("Nøkkelen din åpner ikke denne saken.")) from None
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.identity_viewed",
                 entity="varsel", entity_id=varsel_id)
    return vc.decrypt_json(id_key, varsel.identity)


@writes
def post_message(*, session: Session, person_id: int, varsel_id: int, sk: PrivateKey, text: str, today: date) -> None:
    """A message to the reporter, encrypted with the varsel key (which the receipt code also opens)."""
    errors = validate_fields({"message": text}, required=("message",))
    if errors:
        raise ValidationFailed({k: message_for(v) for k, v in errors.items()})
    varsel, access = _access(session, varsel_id=varsel_id, person_id=person_id)
    if varsel.status == "lukket":
        raise InvalidTransition(_("Saken er avsluttet."))
    key = _key(access, sk)
    session.add(VarselMessage(varsel_id=varsel_id, sender="mottaker", author_id=person_id, sent_on=today,
                              body=vc.encrypt(key, text.encode("utf-8"))))
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.message_sent",
                 entity="varsel", entity_id=varsel_id)


@writes
def advance(*, session: Session, person_id: int, varsel_id: int, action: str, today: date) -> str:
    """Move the case on: bekreft (acknowledge), undersok, tilbakemelding, lukk. Returns the new status."""
    varsel, _access_row = _access(session, varsel_id=varsel_id, person_id=person_id)
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": _("Ukjent handling.")})
    allowed, new = TRANSITIONS[action]
    if varsel.status not in allowed:
        raise InvalidTransition(_("Det kan ikke gjøres nå, i sakens nåværende status."))
    if varsel.acknowledged_on is None and new != "mottatt":
        varsel.acknowledged_on = today
    if new in ("tilbakemelding",) and varsel.feedback_on is None:
        varsel.feedback_on = today
    if new == "lukket":
        varsel.closed_on = today
    varsel.status = new
    session.add(varsel)
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action=f"varsling.{action}",
                 entity="varsel", entity_id=varsel_id, detail={"status": new})
    return new


@writes
def set_checklist(*, session: Session, person_id: int, varsel_id: int, checked: set[str]) -> None:
    """The aml § 2 A-3 points: undersøkelse startet, risiko for gjengjeldelse vurdert, tiltak for varsleren."""
    varsel, _access_row = _access(session, varsel_id=varsel_id, person_id=person_id)
    for name in CHECKLIST:
        setattr(varsel, name, name in checked)
    session.add(varsel)
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.checklist",
                 entity="varsel", entity_id=varsel_id, detail={k: k in checked for k in CHECKLIST})


# ---------------------------------------------------------------- deadlines

@writes
def send_varsling_deadline_reminders(*, session: Session, now: datetime, tz: str, escalate_after_days: int,
                                     public_base_url: str | None = None) -> int:
    """Remind recipients of overdue deadlines; after a grace period escalate to the configured backup.

    Idempotent: every message has a dedupe key per (case, deadline, recipient), so running
    this daily or twice in a row enqueues each reminder once. Returns the number enqueued.
    The caller passes TZ_NAME and VARSLING_ESCALATE_AFTER_DAYS from its settings; links go to each
    case's own kommune (`tenants.org_base_url`) unless `public_base_url` is given.
    """
    today = now.astimezone(ZoneInfo(tz)).date()
    bases: dict[int, str] = {}
    sent = 0
    open_cases = session.exec(select(Varsel).where(Varsel.status != "lukket")).all()
    for v in open_cases:
        if v.org_id not in bases:
            bases[v.org_id] = public_base_url or tenants.org_base_url(session, v.org_id)
        base = bases[v.org_id]
        for which, due, done, label in (("ack", v.ack_due, v.acknowledged_on, N_("bekrefte mottak")),
                                        ("feedback", v.feedback_due, v.feedback_on, N_("gi tilbakemelding"))):
            if done is not None or today <= due:
                continue
            accesses = session.exec(select(VarselAccess).where(VarselAccess.varsel_id == v.id)).all()
            for a in accesses:
                if not a.active:
                    continue
                sent += notify_recipient(
                    session, varsel=v, person_id=a.person_id, kind="varsling.reminder",
                    title=(N_("Frist passert – sak {ref}"), {"ref": v.ref}), public_base_url=base,
                    dedupe_key=f"varsling.remind:{v.id}:{which}:{a.person_id}",
                    text=(N_("Fristen for å {what} var {date}. Logg inn og følg opp saken."),
                          {"what": label, "date": due}))
            if (today - due).days > escalate_after_days:
                for a in accesses:
                    if a.role != "backup":
                        continue
                    if not a.active:
                        a.active = True
                        session.add(a)
                        v.escalated_on = v.escalated_on or today
                        session.add(v)
                        audit.record(session, org_id=v.org_id, actor_id=None, action="varsling.escalated",
                                     entity="varsel", entity_id=v.id, detail={"deadline": which})
                    sent += notify_recipient(
                        session, varsel=v, person_id=a.person_id, kind="varsling.escalation",
                        title=(N_("Varsling eskalert til deg – sak {ref}"), {"ref": v.ref}), public_base_url=base,
                        dedupe_key=f"varsling.escalate:{v.id}:{which}:{a.person_id}",
                        text=(N_("Fristen for å {what} i saken var {date}, og den er ikke fulgt opp. "
                                 "Du er satt som reserve og har nå tilgang."), {"what": label, "date": due}))
    return sent

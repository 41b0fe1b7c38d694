"""Anonymous varsling, the reporter's side: who receives, conflict of interest, submission, follow-up.

The rutine itself lives in `varsling_rutine` (its names are re-exported here).

Every rule lives here, not in the web routes: the routes only translate forms and codes.
Field problems are raised as `ValidationFailed` whose `.errors` values are stable codes
(`FIELD_MESSAGES` maps them to bokmål; the web layer translates them for nn/en).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from models.access import LINE_ROLES
from models.errors import DomainError, NotFound, ValidationFailed
from models.i18n import N_, _
from models.messages import Action, Reply
from models.services import org as org_svc
from models.services import outbox, outbox_links
from models.services import varsling_crypto as vc
from models.services import varsling_keys as keys
from models.services._tx import writes
from models.services.languages import Words, worded
from models.services.varsling_rutine import DEFAULT_RUTINE as DEFAULT_RUTINE
from models.services.varsling_rutine import current_rutine
from models.services.varsling_rutine import set_rutine as set_rutine
from models.sql import col, pk, table_of
from models.tables import OutboxMessage, Person, PersonRole, Unit
from models.tables._common import utcnow
from models.tables.varsling import (
    RecipientKey,
    Varsel,
    VarselAccess,
    VarselMessage,
    VarslingFormNonce,
    VarslingOrg,
)

LIMITS = {"what": 10_000, "where_when": 2_000, "name": 200, "contact": 300, "message": 10_000}

FIELD_MESSAGES = {
    "required": "Fyll ut dette feltet.",
    "too_long": "Teksten er for lang. Den kan ha høyst {limit} tegn; du har skrevet {length}.",
    "unknown_unit": "Velg en enhet fra lista.",
    "no_recipient": "Velg minst én mottaker, eller bruk den alternative kanalen.",
}

STATUS_LABELS = {
    "mottatt": "Mottatt",
    "bekreftet": "Mottak bekreftet",
    "undersokes": "Under undersøkelse",
    "tilbakemelding": "Tilbakemelding gitt",
    "lukket": "Avsluttet",
}


def local_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    import calendar

    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


# ---------------------------------------------------------------- recipients and conflicts

@dataclass
class Candidate:
    person_id: int
    name: str
    eligible: bool
    reason: str | None = None  # code: leads_unit | above_unit | is_director


@dataclass
class RecipientPlan:
    candidates: list[Candidate] = field(default_factory=list)
    alternative_route: bool = False

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]


def _line_units(session: Session, person_id: int) -> tuple[set[int], bool]:
    roles = session.exec(select(PersonRole).where(PersonRole.person_id == person_id)).all()
    led = {r.unit_id for r in roles if r.role in LINE_ROLES and r.unit_id is not None}
    return led, any(r.role == "kommunedirektør" for r in roles)


def plan_recipients(session: Session, *, org_id: int, unit_id: int | None, concerns_director: bool) -> RecipientPlan:
    """Who would receive this varsel, and who is excluded for a conflict of interest and why.

    A recipient who leads the unit concerned, or a unit above it in the line, or who is the
    kommunedirektør (above every unit), is excluded. Only recipients who have set up
    their key can receive anything: the content is sealed to their key.
    """
    chain: list[int] = []
    if unit_id is not None:
        chain = [pk(u) for u in org_svc.ancestors(session, unit_id)]
    plan = RecipientPlan(alternative_route=concerns_director)
    for person in keys.recipients(session, org_id=org_id):
        person_id = pk(person)
        if keys.get_key(session, person_id) is None:
            continue
        led, director = _line_units(session, person_id)
        reason = None
        if director and (concerns_director or unit_id is not None):
            reason = "is_director"
        elif chain and chain[0] in led:
            reason = "leads_unit"
        elif chain and led & set(chain[1:]):
            reason = "above_unit"
        plan.candidates.append(Candidate(person_id, person.name, reason is None, reason))
    if not plan.eligible:
        plan.alternative_route = True
    return plan


def units_for_form(session: Session, *, org_id: int) -> list[Unit]:
    return org_svc.list_units(session, org_id=org_id)


def _receipt_salt(session: Session, org_id: int) -> str:
    row = session.get(VarslingOrg, org_id)
    if row is None:
        row = VarslingOrg(org_id=org_id, receipt_salt=vc.new_salt())
        session.add(row)
        session.flush()
    return row.receipt_salt


# ---------------------------------------------------------------- submission

def validate_fields(values: dict[str, str], required: tuple[str, ...] = ("what", "where_when")) -> dict[str, str]:
    """Field -> error code ("required", "too_long:<limit>:<length>")."""
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if name not in values:
            continue
        text = values.get(name) or ""
        if name in required and not text.strip():
            errors[name] = "required"
        elif len(text) > limit:
            errors[name] = f"too_long:{limit}:{len(text)}"
    return errors


def message_for(code: str) -> str:
    """The bokmål text for an error code from `validate_fields`."""
    kind, _, rest = code.partition(":")
    if kind == "too_long":
        limit, _, length = rest.partition(":")
        return FIELD_MESSAGES["too_long"].format(limit=limit, length=length)
    return FIELD_MESSAGES.get(kind, kind)


class ReplayedForm(DomainError):
    http_status = 400


@dataclass
class Submitted:
    varsel_id: int
    ref: str
    receipt: str  # 16 digits; shown once, never stored


def consume_form_nonce(session: Session, *, nonce: str, expires_on: date) -> None:
    """Record a form token as used; a second use raises ReplayedForm. Same transaction as the submit."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = table_of(VarslingFormNonce)
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(
        nonce_hash=vc.token_hash("form:" + nonce), expires_on=expires_on)
    # RETURNING, not rowcount: psycopg does not report a skipped ON CONFLICT DO NOTHING row reliably.
    stmt = ins.on_conflict_do_nothing(index_elements=["nonce_hash"]).returning(table.c.nonce_hash)
    if session.execute(stmt).first() is None:
        raise ReplayedForm("Skjemaet er allerede sendt. Last inn siden på nytt hvis du vil sende et nytt varsel.")


@writes
def submit_varsel(*, session: Session, org_id: int, what: str, where_when: str, unit_id: int | None,
                  concerns_director: bool, name: str, contact: str, selected_ids: set[int] | None,
                  form_nonce: str | None, nonce_expires_on: date | None, today: date, ack_days: int = 7,
                  feedback_months: int = 3, backup_email: str | None = None, public_base_url: str = "") -> Submitted:
    """Store an anonymous varsel encrypted, notify the recipients without content, return the receipt."""
    unit_path, plan, chosen = _check_submission(
        session, org_id=org_id, fields={"what": what, "where_when": where_when, "name": name, "contact": contact},
        unit_id=unit_id, concerns_director=concerns_director, selected_ids=selected_ids)
    if form_nonce is not None:
        consume_form_nonce(session, nonce=form_nonce, expires_on=nonce_expires_on or today + timedelta(days=1))

    key, id_key = vc.new_key(), vc.new_key()
    code = vc.new_receipt_code()
    lookup, reporter_key = vc.receipt_secrets(code, _receipt_salt(session, org_id))
    rutine = current_rutine(session, org_id=org_id)
    year = today.year
    number = org_svc.next_number(session, org_id=org_id, name=f"varsel-{year}")
    has_identity = bool(name.strip() or contact.strip())
    varsel = Varsel(
        org_id=org_id, year=year, number=number, received_on=today, ack_due=today + timedelta(days=ack_days),
        feedback_due=add_months(today, feedback_months), rutine_version=rutine.version, receipt_hash=lookup,
        reporter_box=vc.encrypt(reporter_key, key),
        content=vc.encrypt_json(key, {"what": what, "where_when": where_when, "unit": unit_path,
                                      "concerns_director": concerns_director}),
        identity=vc.encrypt_json(id_key, {"name": name.strip(), "contact": contact.strip()}) if has_identity else None,
    )
    session.add(varsel)
    session.flush()
    identity_key = id_key if has_identity else None
    notify = [c.person_id for c in chosen]
    for pid in notify:
        _seal_to(session, pk(varsel), pid, role="mottaker", key=key, identity_key=identity_key)
    backup = _backup_person(session, org_id=org_id, email=backup_email)
    if backup is not None and backup not in notify and any(
            c.person_id == backup and c.eligible for c in plan.candidates):
        _seal_to(session, pk(varsel), backup, role="backup", key=key, identity_key=identity_key, active=False)
    for pid in notify:
        notify_recipient(session, varsel=varsel, person_id=pid, kind="varsling.new",
                         title=(N_("Ny varsling mottatt – sak {ref}"), {"ref": varsel.ref}), public_base_url=public_base_url,
                         dedupe_key=f"varsling.new:{varsel.id}:{pid}", coarse=True)
    return Submitted(varsel_id=pk(varsel), ref=varsel.ref, receipt=code)


def _check_submission(session: Session, *, org_id: int, fields: dict[str, str], unit_id: int | None,
                      concerns_director: bool, selected_ids: set[int] | None,
                      ) -> tuple[str | None, RecipientPlan, list[Candidate]]:
    """Every problem with a submission at once: (the unit's path, the plan, the recipients chosen)."""
    errors = validate_fields(fields)
    unit_path = None
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.org_id != org_id:
            errors["unit"] = "unknown_unit"
        else:
            unit_path = unit.path
    plan = plan_recipients(session, org_id=org_id, unit_id=unit_id if "unit" not in errors else None,
                           concerns_director=concerns_director)
    chosen = [c for c in plan.eligible if selected_ids is None or c.person_id in selected_ids]
    if not chosen:
        errors["recipients"] = "no_recipient"
    if errors:
        raise ValidationFailed(errors, message="; ".join(message_for(c) for c in errors.values()))
    return unit_path, plan, chosen


def _seal_to(session: Session, varsel_id: int, person_id: int, *, role: str, key: bytes,
             identity_key: bytes | None, active: bool = True) -> None:
    """Give one recipient access: the case key (and the identity key, if any) sealed to their public key."""
    recipient_key = keys.get_key(session, person_id)
    assert recipient_key is not None  # only recipients with a key are ever candidates
    session.add(VarselAccess(varsel_id=varsel_id, person_id=person_id, role=role, active=active,
                             sealed_key=vc.seal(key, recipient_key.public_key),
                             sealed_identity_key=(vc.seal(identity_key, recipient_key.public_key)
                                                  if identity_key is not None else None)))


def _backup_person(session: Session, *, org_id: int, email: str | None) -> int | None:
    if not email:
        return None
    person = session.exec(select(Person).where(Person.org_id == org_id, func.lower(Person.email) == email.lower(),
                                               Person.active == True)).first()  # noqa: E712
    if person is None:
        return None
    person_id = pk(person)
    if not keys.is_recipient(session, person_id) or keys.get_key(session, person_id) is None:
        return None
    return person_id


def notify_recipient(session: Session, *, varsel: Varsel, person_id: int, kind: str, title: Words,
                     public_base_url: str, dedupe_key: str, coarse: bool = False, text: Words | None = None) -> bool:
    """A chat/e-mail notice with no content at all: the case number and a one-time sign-in link.

    The link is a placeholder the outbox worker mints at delivery (`outbox_links`). For a new
    anonymous varsel or the reporter's reply (`coarse`) the row goes out in the next delivery
    batch (08:00 or 14:00) and neither its times nor its id place it more precisely than the
    date (`outbox.enqueue_undated`); the token row is only created at delivery.
    """
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first() is not None:
        return False
    placeholder = outbox_links.placeholder("varsling", person_id)
    link = f"{public_base_url.rstrip('/')}/varsling/mottak/inn?t={placeholder}&sak={varsel.id}"

    def reply() -> Reply:  # in the recipient's language (built inside outbox.enqueue)
        return Reply(title=worded(title),
                     text=worded(text) or _("Logg inn for å lese saken. Innholdet sendes aldri i chat eller e-post."),
                     actions=[Action(label=_("Åpne saken"), action_id="varsling.open", url=link)])
    common: dict[str, Any] = dict(dedupe_key=dedupe_key, kind=kind, payload=reply, org_id=varsel.org_id,
                                  recipient_person_id=person_id, platform="auto")
    if coarse:
        midnight = datetime.combine(varsel.received_on, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        return outbox.enqueue_undated(session, day=midnight, **common)
    return outbox.enqueue(session, **common)


# ---------------------------------------------------------------- the reporter, with the receipt

@dataclass
class ReporterView:
    ref: str
    status: str
    received_on: date
    ack_due: date
    acknowledged_on: date | None
    feedback_due: date
    feedback_on: date | None
    closed_on: date | None
    what: str
    where_when: str
    messages: list[tuple[str, date, str]]  # (sender, date, text)


class UnknownReceipt(DomainError):
    http_status = 404


def _open_by_receipt(session: Session, *, org_id: int, receipt: str) -> tuple[Varsel, bytes]:
    code = vc.normalise_receipt(receipt)
    salt = session.get(VarslingOrg, org_id)
    if code is None or salt is None:
        # Do the same work as a real lookup, so timing does not tell a malformed code from a wrong one.
        vc.receipt_secrets("0" * vc.RECEIPT_DIGITS, salt.receipt_salt if salt else vc.new_salt())
        raise UnknownReceipt("Vi fant ingen sak med denne kvitteringskoden.")
    lookup, reporter_key = vc.receipt_secrets(code, salt.receipt_salt)
    varsel = session.exec(select(Varsel).where(Varsel.receipt_hash == lookup, Varsel.org_id == org_id)).first()
    if varsel is None:
        raise UnknownReceipt("Vi fant ingen sak med denne kvitteringskoden.")
    return varsel, vc.decrypt(reporter_key, varsel.reporter_box)


def reporter_view(session: Session, *, org_id: int, receipt: str) -> ReporterView:
    varsel, key = _open_by_receipt(session, org_id=org_id, receipt=receipt)
    return _reporter_view(session, varsel, key)


def _reporter_view(session: Session, varsel: Varsel, key: bytes) -> ReporterView:
    content = vc.decrypt_json(key, varsel.content)
    msgs = session.exec(select(VarselMessage).where(VarselMessage.varsel_id == varsel.id)
                        .order_by(col(VarselMessage.id))).all()
    return ReporterView(
        ref=varsel.ref, status=varsel.status, received_on=varsel.received_on, ack_due=varsel.ack_due,
        acknowledged_on=varsel.acknowledged_on, feedback_due=varsel.feedback_due, feedback_on=varsel.feedback_on,
        closed_on=varsel.closed_on, what=content["what"], where_when=content["where_when"],
        messages=[(m.sender, m.sent_on, vc.decrypt(key, m.body).decode("utf-8")) for m in msgs],
    )


@writes
def reporter_reply(*, session: Session, org_id: int, receipt: str, text: str, today: date,
                   public_base_url: str = "") -> ReporterView:
    """The reporter answers in the case; recipients are told (no content) that there is news."""
    errors = validate_fields({"message": text}, required=("message",))
    if errors:
        raise ValidationFailed(errors, message="; ".join(message_for(c) for c in errors.values()))
    varsel, key = _open_by_receipt(session, org_id=org_id, receipt=receipt)
    if varsel.status == "lukket":
        raise ValidationFailed({"message": "closed"}, message=_("Saken er avsluttet. Send et nytt varsel om det er noe mer."))
    session.add(VarselMessage(varsel_id=pk(varsel), sender="varsler", sent_on=today,
                              body=vc.encrypt(key, text.encode("utf-8"))))
    session.flush()
    count = session.exec(select(func.count()).select_from(VarselMessage).where(VarselMessage.varsel_id == varsel.id)).one()
    for access in session.exec(select(VarselAccess).where(VarselAccess.varsel_id == varsel.id,
                                                          VarselAccess.active == True)).all():  # noqa: E712
        notify_recipient(session, varsel=varsel, person_id=access.person_id, kind="varsling.message",
                         title=(N_("Ny melding fra varsleren – sak {ref}"), {"ref": varsel.ref}), public_base_url=public_base_url,
                         dedupe_key=f"varsling.msg:{varsel.id}:{count}:{access.person_id}", coarse=True)
    return _reporter_view(session, varsel, key)


def recipient_has_key(session: Session, person_id: int) -> bool:
    return session.get(RecipientKey, person_id) is not None


def get_varsel(session: Session, varsel_id: int) -> Varsel:
    v = session.get(Varsel, varsel_id)
    if v is None:
        raise NotFound(_("Saken finnes ikke (den kan være slettet etter oppbevaringstiden)."))
    return v

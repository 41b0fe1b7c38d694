"""What the varsling web pages read, as plain typed values (no table rows reach the edge).

Why a module of its own: the reporter's and the recipients' pages need a few reads that
combine several use cases (the form's recipient plan and units, the recipient's session
state, a case's metadata); built here, the edge only calls and renders. Functions that may
seed the varslingsrutine on first use commit (`writes`), as their pages always have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from nacl.public import PrivateKey
from sqlmodel import Session

from models.errors import PermissionDenied
from models.i18n import _
from models.services import varsling_cases as cases
from models.services import varsling_casework as work
from models.services import varsling_keys as keys
from models.services._tx import writes
from models.services.org_ref import OrgRef, org_ref
from models.tables import Person
from models.tables.varsling import Varsel


@dataclass(frozen=True)
class CaseSummary:
    """A case's metadata: what a recipient may see without the case key."""

    id: int
    ref: str
    status: str
    received_on: date
    ack_due: date
    acknowledged_on: date | None
    feedback_due: date
    feedback_on: date | None
    closed_on: date | None
    check_undersokelse: bool
    check_gjengjeldelse: bool
    check_tiltak_varsler: bool


def _summary(v: Varsel) -> CaseSummary:
    assert v.id is not None
    return CaseSummary(id=v.id, ref=v.ref, status=v.status, received_on=v.received_on, ack_due=v.ack_due,
                       acknowledged_on=v.acknowledged_on, feedback_due=v.feedback_due, feedback_on=v.feedback_on,
                       closed_on=v.closed_on, check_undersokelse=v.check_undersokelse,
                       check_gjengjeldelse=v.check_gjengjeldelse, check_tiltak_varsler=v.check_tiltak_varsler)


@dataclass(frozen=True)
class CasePage:
    """One opened case: `work.CaseView` with its metadata as a `CaseSummary`."""

    varsel: CaseSummary
    what: str
    where_when: str
    unit: str | None
    concerns_director: bool
    has_identity: bool
    messages: list[tuple[str, str, date, str]]  # (sender, author name, date, text)
    recipients: list[str]


# ---------------------------------------------------------------- the reporter's pages
@dataclass(frozen=True)
class FormChoices:
    org: OrgRef
    rutine_version: int
    plan: cases.RecipientPlan
    units: list[tuple[int, str]]  # (id, path)


@writes
def form_choices(*, session: Session, org_slug: str, unit_id: int | None, concerns_director: bool) -> FormChoices:
    """What the anonymous form offers: the units, who would receive it, and the rutine's version."""
    org = org_ref(session, slug=org_slug)
    rutine = cases.current_rutine(session, org_id=org.id)
    plan = cases.plan_recipients(session, org_id=org.id, unit_id=unit_id, concerns_director=concerns_director)
    units = [(u.id, u.path) for u in cases.units_for_form(session, org_id=org.id) if u.id is not None]
    return FormChoices(org=org, rutine_version=rutine.version, plan=plan, units=units)


@dataclass(frozen=True)
class RutineText:
    org_name: str
    text: str
    version: int
    created_at: datetime


@writes
def rutine_text(*, session: Session, org_slug: str) -> RutineText:
    org = org_ref(session, slug=org_slug)
    r = cases.current_rutine(session, org_id=org.id)
    return RutineText(org_name=org.name, text=r.text, version=r.version, created_at=r.created_at)


# ---------------------------------------------------------------- the recipients' pages
@dataclass(frozen=True)
class RecipientState:
    """Who holds this recipient cookie, whether they have made their key, and the key if unlocked."""

    person_id: int
    has_key: bool
    sk: PrivateKey | None


def _foreign(session: Session, person_id: int, org_id: int | None) -> bool:
    """A session of a recipient in another kommune than the one the request is for."""
    if org_id is None:
        return False
    person = session.get(Person, person_id)
    return person is None or person.org_id != org_id


def recipient_state(session: Session, *, cookie: str | None, org_id: int | None = None) -> RecipientState | None:
    row = keys.session_person(session, cookie)
    if row is None or cookie is None or _foreign(session, row.person_id, org_id):
        return None
    return RecipientState(person_id=row.person_id, has_key=keys.get_key(session, row.person_id) is not None,
                          sk=keys.session_key(row, cookie))


def signed_in_person(session: Session, *, cookie: str, org_id: int | None = None) -> int:
    row = keys.session_person(session, cookie)
    if row is None or _foreign(session, row.person_id, org_id):
        raise PermissionDenied(_("Du er ikke logget inn."))
    return row.person_id


def case_list(session: Session, *, person_id: int) -> list[CaseSummary]:
    return [_summary(v) for v in work.cases_for(session, person_id=person_id)]


def open_case(*, session: Session, person_id: int, varsel_id: int, sk: PrivateKey,
              identity: bool) -> tuple[CasePage, dict[str, str] | None]:
    """Open a case (audited) and, when asked, reveal the reporter's identity (audited too)."""
    view = work.open_case(session=session, person_id=person_id, varsel_id=varsel_id, sk=sk)
    ident = work.reveal_identity(session=session, person_id=person_id, varsel_id=varsel_id, sk=sk) \
        if identity else None
    page = CasePage(varsel=_summary(view.varsel), what=view.what, where_when=view.where_when, unit=view.unit,
                    concerns_director=view.concerns_director, has_identity=view.has_identity,
                    messages=view.messages, recipients=view.recipients)
    return page, ident

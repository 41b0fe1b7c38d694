"""The varslingsrutine: the text every reporter reads before they send, versioned per organisation.

Each varsel records the version its reporter was shown; publishing a new text adds a version
and never edits an old one. Split from `varsling_cases` (which still re-exports these names).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from models.errors import PermissionDenied, ValidationFailed
from models.i18n import _
from models.services import audit
from models.services._tx import writes
from models.sql import col
from models.tables import PersonRole
from models.tables.varsling import VarslingRutine

DEFAULT_RUTINE = """Varslingsrutine

1. Hva kan du varsle om?
Du kan varsle om kritikkverdige forhold i kommunen, for eksempel fare for liv eller helse, fare for klima eller miljø, korrupsjon eller annen økonomisk kriminalitet, myndighetsmisbruk, uforsvarlig arbeidsmiljø og brudd på personopplysningssikkerheten (arbeidsmiljøloven § 2 A-1).

2. Hvordan varsler du?
Du kan varsle muntlig eller skriftlig til nærmeste leder, verneombud, tillitsvalgt eller til varslingsmottakerne. Dette skjemaet går direkte til varslingsmottakerne, og du kan være anonym.

3. Hva skjer etterpå?
Mottakerne bekrefter at varselet er mottatt innen 7 dager, undersøker saken innen rimelig tid og gir deg tilbakemelding innen 3 måneder. Du følger saken med kvitteringskoden din.

4. Vern mot gjengjeldelse
Gjengjeldelse mot en arbeidstaker som varsler, er forbudt (arbeidsmiljøloven § 2 A-4).

5. Når saken gjelder kommunedirektøren eller en mottaker
Mottakere som leder enheten saken gjelder, eller som står over den i linjen, blir automatisk tatt ut. Gjelder saken kommunedirektøren eller en av mottakerne, kan du bruke den alternative kanalen som står i skjemaet.
"""


def current_rutine(session: Session, *, org_id: int) -> VarslingRutine:
    """The newest version; the default text (version 1) is seeded the first time it is asked for."""
    row = session.exec(select(VarslingRutine).where(VarslingRutine.org_id == org_id)
                       .order_by(col(VarslingRutine.version).desc())).first()
    if row is not None:
        return row
    row = VarslingRutine(org_id=org_id, version=1, text=DEFAULT_RUTINE)
    try:
        with session.begin_nested():  # a concurrent first request may seed it at the same moment
            session.add(row)
    except IntegrityError:
        return current_rutine(session, org_id=org_id)
    return row


@writes
def set_rutine(*, session: Session, org_id: int, text: str, actor_id: int | None) -> int:
    """Publish a new version of the rutine (admins only; the CLI passes actor_id=None as the operator)."""
    if actor_id is not None:
        roles = set(session.exec(select(PersonRole.role).where(PersonRole.person_id == actor_id)).all())
        if "admin" not in roles:
            raise PermissionDenied(_("Bare administratorer kan endre varslingsrutinen."))
    if not text.strip():
        raise ValidationFailed({"text": _("Rutinen kan ikke være tom.")})
    latest = session.exec(select(func.max(VarslingRutine.version)).where(VarslingRutine.org_id == org_id)).one() or 0
    version = int(latest) + 1
    session.add(VarslingRutine(org_id=org_id, version=version, text=text.strip() + "\n", created_by_id=actor_id))
    audit.record(session, org_id=org_id, actor_id=actor_id, action="varsling.rutine_published",
                 entity="varsling_rutine", entity_id=None, detail={"version": version})
    return version

"""The organisation a request serves, as a plain typed value for the edges.

Why: `org.default_org` returns the table row (whose `id` is typed optional, so every edge
needed a `type: ignore`) and looks TRAD_ORG up in the process environment itself. Here the
caller passes the slug from the settings the composition root wired, and gets an `int`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.errors import NotFound
from models.i18n import _
from models.services import org as org_svc
from models.tables import Organisation


@dataclass(frozen=True)
class OrgRef:
    id: int
    name: str


def org_ref(session: Session, *, slug: str) -> OrgRef:
    """The organisation `slug` names (TRAD_ORG), else the first one; NotFound when there is none."""
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first() \
        or session.exec(select(Organisation).order_by(col(Organisation.id))).first()
    if org is None or org.id is None:
        raise NotFound(_("Databasen har ingen kommune ennå. Kjør «trad demo» eller «trad org import»."))
    return OrgRef(id=org.id, name=org.name)


def org_id(session: Session, *, slug: str) -> int:
    return org_ref(session, slug=slug).id


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


def person_by_email(session: Session, *, email: str, org_id: int | None = None) -> PersonRef:
    """The active person with this e-mail (in `org_id` when given); UnknownPerson otherwise."""
    person = org_svc.find_person_by_email(session, email=email, org_id=org_id)
    assert person.id is not None
    return PersonRef(id=person.id, name=person.name)

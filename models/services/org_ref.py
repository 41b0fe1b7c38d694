"""The organisation a request serves, as a plain typed value for the edges.

Why: `org.default_org` returns the table row, whose `id` is typed optional; every edge then
needed a `type: ignore` to pass it on. This gives them an `int` (and the name) once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models.services import org as org_svc


@dataclass(frozen=True)
class OrgRef:
    id: int
    name: str


def default_org_ref(session: Session) -> OrgRef:
    """The organisation served by default (TRAD_ORG, else the first one); NotFound when there is none."""
    org = org_svc.default_org(session)
    assert org.id is not None  # a stored row
    return OrgRef(id=org.id, name=org.name)


def default_org_id(session: Session) -> int:
    return default_org_ref(session).id


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


def person_by_email(session: Session, *, email: str, org_id: int | None = None) -> PersonRef:
    """The active person with this e-mail (in `org_id` when given); UnknownPerson otherwise."""
    person = org_svc.find_person_by_email(session, email=email, org_id=org_id)
    assert person.id is not None
    return PersonRef(id=person.id, name=person.name)

"""A small, fully known organisation for tests: every role, two sectors, one unit with no leader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from models.services import org as org_svc
from models.sql import pk
from models.tables import (
    ChecklistItem,
    ChecklistTemplate,
    Oppdrag,
    OppdragUnit,
    Organisation,
    Person,
    PersonRole,
)


@dataclass
class TestOrg:
    org_id: int
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)
    oppdrag: dict[str, int] = field(default_factory=dict)


PEOPLE: list[tuple[str, str, str, list[tuple[str, str | None]]]] = [
    # key, name, unit path, roles (role, led-unit path or None)
    ("ansatt", "Kari Ansatt", "Oppvekst/Aurvoll skole", []),
    ("ansatt2", "Per Kollega", "Oppvekst/Solvang skole", []),
    ("leder", "Lise Leder", "Oppvekst/Aurvoll skole", [("leder", "Oppvekst/Aurvoll skole")]),
    ("leder2", "Sven Solvang", "Oppvekst/Solvang skole", [("leder", "Oppvekst/Solvang skole")]),
    ("hjemmeleder", "Hege Hjem", "Helse og omsorg/Hjemmebaserte tjenester", [("leder", "Helse og omsorg/Hjemmebaserte tjenester")]),
    ("kommunalsjef", "Ola Oppvekst", "Oppvekst", [("kommunalsjef", "Oppvekst")]),
    ("direktor", "Dina Direktør", "Oppvekst", [("kommunedirektør", None)]),
    ("mottaker", "Vera Varsel", "Helse og omsorg/Hjemmebaserte tjenester", [("varslingsmottaker", None)]),
    ("admin", "Arne Admin", "Oppvekst", [("admin", None)]),
    ("helseansatt", "Hans Helse", "Helse og omsorg/Hjemmebaserte tjenester", []),
]


def make_test_org(session: Session, *, slug: str = "testkommune") -> TestOrg:
    org = Organisation(slug=slug, name="Testkommune")
    session.add(org)
    session.flush()
    t = TestOrg(org_id=pk(org))
    for path in ("Oppvekst/Aurvoll skole", "Oppvekst/Solvang skole", "Helse og omsorg/Hjemmebaserte tjenester",
                 "Helse og omsorg/Institusjonstjenester"):
        u = org_svc.ensure_unit_path(session, org_id=t.org_id, path=path)
        t.units[path] = pk(u)
    for path in ("Oppvekst", "Helse og omsorg"):
        sector = org_svc.unit_by_path(session, org_id=t.org_id, path=path)
        assert sector is not None
        t.units[path] = pk(sector)
    for key, name, unit, roles in PEOPLE:
        email = f"{key}@{slug}.no"
        p = Person(org_id=t.org_id, email=email, name=name, unit_id=t.units[unit])
        session.add(p)
        session.flush()
        t.people[key] = pk(p)
        t.emails[key] = email
        for role, led in roles:
            session.add(PersonRole(org_id=t.org_id, person_id=pk(p), role=role, unit_id=t.units[led] if led else None))
    tpl = ChecklistTemplate(org_id=t.org_id, name="Felles sjekkliste for leiarar", recurrence="tertial")
    session.add(tpl)
    session.flush()
    for i, (purpose, typ, text) in enumerate([
        ("Leiardialog", "Leiardialog", "Er det gjennomført leiarsamtale med underordna leiar?"),
        ("HMS", "HMS", "Er vernerunde gjennomført?"),
    ]):
        item = ChecklistItem(org_id=t.org_id, template_id=pk(tpl), purpose=purpose, type=typ, text=text, position=i)
        session.add(item)
        session.flush()
        t.items.append(pk(item))
    for n, (key, title, owner, unit) in enumerate([
        ("skolebibliotek", "Utrede felles skolebibliotek", "leder", "Oppvekst/Aurvoll skole"),
        ("vernerunde", "Vernerunde i alle enheter", "kommunalsjef", "Oppvekst/Solvang skole"),
    ], start=12):
        o = Oppdrag(org_id=t.org_id, number=n, title=title, category="Administrative punkt frå kommunedirektøren",
                    owner_id=t.people[owner], deadline=date(2027, 6, 30))
        session.add(o)
        session.flush()
        session.add(OppdragUnit(oppdrag_id=pk(o), unit_id=t.units[unit]))
        t.oppdrag[key] = pk(o)
    session.commit()
    return t

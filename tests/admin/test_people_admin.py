"""People and units one at a time: the same rules as `trad org import` (one set of functions, so they cannot
drift), the parts a kommunalsjef and a leder get, and unit paths that follow a rename or a move."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.errors import ImportFailed, PermissionDenied, ValidationFailed
from models.services import people_admin, units_admin
from models.services.org_import import import_people
from models.services.people_admin import PersonInput
from models.services.units_admin import UnitInput
from models.tables import Person, PersonRole, Unit


def _roles(session, pid: int) -> set[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    return {(r.role, r.unit_id) for r in session.exec(select(PersonRole).where(PersonRole.person_id == pid))}


def test_the_page_and_the_import_read_and_store_a_person_the_same_way(session, org):  # type: ignore[no-untyped-def]
    aurvoll = org.units["Oppvekst/Aurvoll skole"]
    with pytest.raises(ImportFailed) as imported:
        import_people(session=session, org_slug="testkommune",
                      data="email,name,unit,role\nikkje-e-post,,Oppvekst/Aurvoll skole,sjef\n")
    with pytest.raises(ValidationFailed) as paged:
        people_admin.create_person(session=session, actor_id=org.people["admin"],
                                   data=PersonInput(email="ikkje-e-post", name="", unit_id=aurvoll))
    for msg in (paged.value.errors["email"], paged.value.errors["name"]):
        assert (2, msg) in imported.value.problems
    p = people_admin.create_person(session=session, actor_id=org.people["admin"], data=PersonInput(
        email=" Ny.Leiar@Testkommune.no ", name="  Ny   Leiar ", unit_id=aurvoll, role="enhetsleder"))
    assert (p.email, p.name, _roles(session, p.id)) == ("ny.leiar@testkommune.no", "Ny Leiar", {("leder", aurvoll)})
    people_admin.set_person_active(session=session, actor_id=org.people["admin"], person_id=p.id, active=False)
    # the same row through the import: the same person and role, no change but the reactivation
    report = import_people(session=session, org_slug="testkommune",
                           data="email,name,unit,role\nny.leiar@testkommune.no,Ny Leiar,Oppvekst/Aurvoll skole,leder\n")
    assert (report.created, report.updated) == (0, 1)
    session.refresh(p)
    assert p.active and _roles(session, p.id) == {("leder", aurvoll)}


def test_a_kommunalsjef_and_a_leder_get_the_parts_that_are_theirs(session, org):  # type: ignore[no-untyped-def]
    aurvoll, solvang = org.units["Oppvekst/Aurvoll skole"], org.units["Oppvekst/Solvang skole"]
    sjef, leder, kari = org.people["kommunalsjef"], org.people["leder"], org.people["ansatt"]
    people_admin.change_role(session=session, actor_id=sjef, person_id=org.people["ansatt2"], role="leder",
                             unit_id=solvang, give=True)  # in her sector
    with pytest.raises(PermissionDenied):
        people_admin.change_role(session=session, actor_id=sjef, person_id=kari, role="kommunalsjef",
                                 unit_id=org.units["Oppvekst"], give=True)
    with pytest.raises(PermissionDenied):
        people_admin.change_role(session=session, actor_id=leder, person_id=kari, role="leder", unit_id=solvang,
                                 give=True)  # not her unit
    with pytest.raises(PermissionDenied):
        people_admin.change_role(session=session, actor_id=leder, person_id=leder, role="leder", unit_id=aurvoll,
                                 give=False)  # not her own roles
    people_admin.update_person(session=session, actor_id=sjef, person_id=kari,
                               data=PersonInput(email="ansatt@testkommune.no", name="Kari Ansatt", unit_id=solvang))
    people_admin.change_role(session=session, actor_id=org.people["admin"], person_id=kari, role="varslingsmottaker",
                             unit_id=None, give=True)
    with pytest.raises(PermissionDenied):  # a varslingsmottaker is the admin's to change
        people_admin.set_person_active(session=session, actor_id=sjef, person_id=kari, active=False)
    session.refresh(session.get(Person, kari))
    assert session.get(Person, kari).active  # type: ignore[union-attr]
    assert _roles(session, org.people["ansatt2"]) == {("leder", solvang)}


def test_units_follow_a_rename_and_a_move_and_the_import_finds_them(session, org):  # type: ignore[no-untyped-def]
    sjef, leder = org.people["kommunalsjef"], org.people["leder"]
    aurvoll, solvang = org.units["Oppvekst/Aurvoll skole"], org.units["Oppvekst/Solvang skole"]
    with pytest.raises(PermissionDenied):  # the unit she leads is not hers to move
        units_admin.update_unit(session=session, actor_id=leder, unit_id=aurvoll,
                                data=UnitInput(name="Aurvoll skole", parent_id=solvang))
    avd = units_admin.create_unit(session=session, actor_id=leder, data=UnitInput(name="SFO", parent_id=aurvoll))
    units_admin.update_unit(session=session, actor_id=sjef, unit_id=avd.id,  # type: ignore[arg-type]
                            data=UnitInput(name="Skulefritidsordning", parent_id=solvang))
    units_admin.update_unit(session=session, actor_id=org.people["admin"], unit_id=org.units["Oppvekst"],
                            data=UnitInput(name="Oppvekst og læring", parent_id=None))
    moved = session.get(Unit, avd.id)
    assert moved is not None and moved.path == "Oppvekst og læring/Solvang skole/Skulefritidsordning"
    assert moved.id_path == f"/{org.units['Oppvekst']}/{solvang}/{avd.id}/"
    with pytest.raises(ValidationFailed) as e:
        units_admin.update_unit(session=session, actor_id=org.people["admin"], unit_id=org.units["Oppvekst"],
                                data=UnitInput(name="Oppvekst", parent_id=avd.id))
    assert "parent_id" in e.value.errors
    before = len(session.exec(select(Unit)).all())
    import_people(session=session, org_slug="testkommune",
                  data="email,name,unit,role\nsfo@testkommune.no,Sfo Tilsett,Oppvekst og læring/Solvang skole/"
                       "Skulefritidsordning,\n")
    assert len(session.exec(select(Unit)).all()) == before

"""The tilsyn register: validation (deadline before the tilsyn), the line, status, and deadline reminders once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.services import governance_reminders as rem
from models.services import tilsyn as svc
from models.tables import OutboxMessage, Tilsyn, TilsynFinding

HELD = date(2026, 3, 10)


def _tilsyn(org, **kw):
    base = dict(authority="arbeidstilsynet", held_on=HELD, theme="Psykososialt arbeidsmiljø",
                unit_id=org.units["Oppvekst/Aurvoll skole"])
    base.update(kw)
    return svc.TilsynInput(**base)


def _finding(**kw):
    base = dict(kind="palegg", description="Risikovurdering av vold og trusler mangler", deadline=HELD + timedelta(days=60))
    base.update(kw)
    return svc.FindingInput(**base)


def test_register_with_findings_and_list(session, org):
    t = svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org),
                            findings=[_finding(), _finding(kind="merknad", description="Rutiner er lite kjent",
                                                           owner_id=org.people["ansatt"])])
    views = svc.list_tilsyn(session=session, actor_id=org.people["kommunalsjef"])
    assert [(v.id, v.authority_label, v.unit_name) for v in views] == [(t.id, "Arbeidstilsynet", "Aurvoll skole")]
    assert [(f.kind_label, f.status_label, f.owner_name) for f in views[0].findings] == [
        ("Pålegg", "Åpen", None), ("Merknad", "Åpen", "Kari Ansatt")]
    assert views[0].findings[0].overdue is (HELD + timedelta(days=60) < date.today())
    assert svc.list_tilsyn(session=session, actor_id=org.people["direktor"], year=2025) == []


def test_deadline_before_the_tilsyn_and_other_bad_input_store_nothing(session, org):
    with pytest.raises(ValidationFailed) as e:
        svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org, authority="politiet", theme=""),
                            findings=[_finding(), _finding(deadline=HELD - timedelta(days=1), kind="x")])
    assert e.value.errors == {
        "authority": "Velg tilsynsmyndighet fra listen.", "theme": "Skriv temaet for tilsynet (3–300 tegn).",
        "findings.1.deadline": "Fristen kan ikke være før tilsynsdatoen (10.03.2026).",
        "findings.1.kind": "Velg type funn: avvik, merknad eller pålegg."}
    with pytest.raises(ValidationFailed) as e:
        svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org, unit_id=999_999))
    assert e.value.errors == {"unit_id": "Velg en enhet i din kommune."}
    with pytest.raises(ValidationFailed) as e:
        svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org, authority="annet"))
    assert set(e.value.errors) == {"authority_name"}
    assert session.exec(select(Tilsyn)).all() == [] and session.exec(select(TilsynFinding)).all() == []


def test_read_and_write_along_the_line(session, org):
    t = svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org), findings=[_finding()])
    assert svc.list_tilsyn(session=session, actor_id=org.people["leder2"]) == []
    assert svc.list_tilsyn(session=session, actor_id=org.people["hjemmeleder"]) == []
    with pytest.raises(PermissionDenied):
        svc.list_tilsyn(session=session, actor_id=org.people["ansatt"])
    with pytest.raises(PermissionDenied):
        svc.register_tilsyn(session=session, actor_id=org.people["leder2"], data=_tilsyn(org))
    with pytest.raises(NotFound):
        svc.add_finding(session=session, actor_id=org.people["leder2"], tilsyn_id=t.id, data=_finding())
    finding = session.exec(select(TilsynFinding)).one()
    with pytest.raises(NotFound):
        svc.update_finding(session=session, actor_id=org.people["leder2"], finding_id=finding.id, status="lukket")


def test_status_and_deadline_updates(session, org):
    svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org),
                        findings=[_finding(owner_id=org.people["ansatt"])])
    f = session.exec(select(TilsynFinding)).one()
    svc.update_finding(session=session, actor_id=org.people["ansatt"], finding_id=f.id, status="under_arbeid",
                       tiltak="Ny rutine for vold og trusler")
    with pytest.raises(PermissionDenied):
        svc.update_finding(session=session, actor_id=org.people["ansatt"], finding_id=f.id, deadline=HELD + timedelta(days=90))
    with pytest.raises(ValidationFailed) as e:
        svc.update_finding(session=session, actor_id=org.people["leder"], finding_id=f.id, deadline=HELD - timedelta(days=3))
    assert "tilsynsdatoen" in e.value.errors["deadline"]
    closed = svc.update_finding(session=session, actor_id=org.people["leder"], finding_id=f.id, status="lukket")
    assert closed.closed_at is not None and session.get(TilsynFinding, f.id).tiltak == "Ny rutine for vold og trusler"


def test_deadline_reminders_once_per_stage(session, org):
    svc.register_tilsyn(session=session, actor_id=org.people["leder"], data=_tilsyn(org),
                        findings=[_finding(owner_id=org.people["ansatt"]), _finding(deadline=HELD + timedelta(days=200))])
    owned = session.exec(select(TilsynFinding).where(TilsynFinding.owner_id.is_not(None))).one()
    before = datetime.combine(owned.deadline - timedelta(days=10), datetime.min.time(), UTC)
    assert rem.send_tilsyn_deadline_reminders(session=session, now=before) == 1
    assert rem.send_tilsyn_deadline_reminders(session=session, now=before + timedelta(days=3)) == 0
    after = datetime.combine(owned.deadline + timedelta(days=2), datetime.min.time(), UTC)
    assert rem.send_tilsyn_deadline_reminders(session=session, now=after) == 1
    msgs = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "tilsyn_deadline")).all()
    assert {m.recipient_person_id for m in msgs} == {org.people["ansatt"]}
    assert any("passert" in m.payload["title"] for m in msgs)
    late = datetime.combine(HELD + timedelta(days=195), datetime.min.time(), UTC)
    assert rem.send_tilsyn_deadline_reminders(session=session, now=late) == 1  # unowned: the unit's leader
    last = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "tilsyn_deadline").order_by(OutboxMessage.id.desc())).first()
    assert last.recipient_person_id == org.people["leder"]

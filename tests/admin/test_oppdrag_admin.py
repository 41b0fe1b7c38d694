"""Oppdragsbrev and oppdrag administration: who may, what the audit log keeps, one message to the owner."""

from datetime import date

import pytest
from sqlmodel import select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.services import oppdrag_admin, oppdragsbrev
from models.services.oppdrag_admin import OppdragInput
from models.tables import AuditEntry, Oppdrag, Oppdragsbrev, OppdragUnit, OppdragUpdate, OutboxMessage

CAT = "Politiske tilleggsbestillingar"


def _letter(session, org, who="admin", issuer="kommunestyre", sector=None):
    return oppdragsbrev.create_letter(session=session, actor_id=org.people[who], org_id=org.org_id, year=2027,
                                      title="Oppdragsbrev 2027", issuer=issuer, case_ref="PS 12/26",
                                      sector_id=org.units[sector] if sector else None)


def _input(org, owner="kommunalsjef", units=("Oppvekst",), title="Felles skolebibliotek"):
    return OppdragInput(title=title, category=CAT, owner_id=org.people[owner], description="Utred og legg fram.",
                        unit_ids=tuple(org.units[u] for u in units), deadline=date(2027, 6, 30))


def _audit(session, action):
    return session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()


def _messages(session, person_id):
    return session.exec(select(OutboxMessage).where(OutboxMessage.recipient_person_id == person_id)).all()


def test_admin_creates_letter_and_oppdrag_audited_and_owner_told_once(session, org):
    letter = _letter(session, org)
    o = oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                  letter_id=letter.id, data=_input(org))
    assert o.oppdragsbrev_id == letter.id and o.status == "ikke_startet"
    assert set(session.exec(select(OppdragUnit.unit_id).where(OppdragUnit.oppdrag_id == o.id)).all()) == {
        org.units["Oppvekst"]}
    [entry] = _audit(session, "oppdrag.created")
    assert entry.detail["before"] is None and entry.detail["after"]["title"] == "Felles skolebibliotek"
    assert _audit(session, "oppdragsbrev.created")[0].detail["after"]["case_ref"] == "PS 12/26"
    [msg] = _messages(session, org.people["kommunalsjef"])
    assert msg.payload["actions"][0]["action_id"] == "oppdrag.update"
    assert msg.payload["actions"][0]["value"] == str(o.number)
    # the same notice again is not queued twice
    assert oppdrag_admin.notify_owner(session, o, delegated=False) is False
    session.commit()
    assert len(_messages(session, org.people["kommunalsjef"])) == 1


def test_refusals_change_nothing(session, org):
    with pytest.raises(PermissionDenied):
        _letter(session, org, who="leder")
    with pytest.raises(PermissionDenied):  # a kommunalsjef may not write the kommunestyre's letter
        _letter(session, org, who="kommunalsjef")
    with pytest.raises(PermissionDenied):  # nor another sector's
        _letter(session, org, who="kommunalsjef", issuer="sektor", sector="Helse og omsorg")
    letter = _letter(session, org)
    with pytest.raises(PermissionDenied):
        oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["kommunalsjef"], org_id=org.org_id,
                                  letter_id=letter.id, data=_input(org))
    assert session.exec(select(Oppdragsbrev)).all() == [letter]
    assert session.exec(select(Oppdrag).where(Oppdrag.oppdragsbrev_id == letter.id)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_kommunalsjef_manages_own_sector_letter(session, org):
    letter = _letter(session, org, who="kommunalsjef", issuer="sektor", sector="Oppvekst")
    o = oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["kommunalsjef"], org_id=org.org_id,
                                  letter_id=letter.id, data=_input(org, owner="leder", units=("Oppvekst/Aurvoll skole",)))
    edited = oppdrag_admin.edit_oppdrag(session=session, actor_id=org.people["kommunalsjef"], number=o.number,
                                        data=_input(org, owner="leder2", units=("Oppvekst/Solvang skole",)))
    assert edited.owner_id == org.people["leder2"]
    [entry] = _audit(session, "oppdrag.edited")
    assert entry.detail["before"]["owner_id"] == org.people["leder"]
    assert entry.detail["after"]["owner_id"] == org.people["leder2"]
    assert entry.detail["after"]["unit_ids"] == [org.units["Oppvekst/Solvang skole"]]
    assert len(_messages(session, org.people["leder2"])) == 1
    assert [v.title for v in oppdragsbrev.list_letters(session=session, actor_id=org.people["kommunalsjef"])] == [
        "Oppdragsbrev 2027"]
    with pytest.raises(PermissionDenied):
        oppdragsbrev.list_letters(session=session, actor_id=org.people["leder"])


def test_owner_splits_for_units_below_and_sub_owner_is_told(session, org):
    letter = _letter(session, org)
    parent = oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                       letter_id=letter.id, data=_input(org))
    child = oppdrag_admin.split_oppdrag(session=session, actor_id=org.people["kommunalsjef"], number=parent.number,
                                        title="Skolebibliotek på Solvang", owner_id=org.people["leder2"],
                                        unit_ids=(org.units["Oppvekst/Solvang skole"],))
    assert child.parent_id == parent.id and child.category == CAT and child.oppdragsbrev_id == letter.id
    assert child.deadline == date(2027, 6, 30)
    [msg] = _messages(session, org.people["leder2"])
    assert msg.payload["title"] == "Du har fått et delegert oppdrag"
    assert _audit(session, "oppdrag.split")[0].detail["after"]["parent_id"] == parent.id
    with pytest.raises(PermissionDenied):  # not below the splitter
        oppdrag_admin.split_oppdrag(session=session, actor_id=org.people["kommunalsjef"], number=parent.number,
                                    title="Hjemmetjenesten", owner_id=org.people["hjemmeleder"],
                                    unit_ids=(org.units["Helse og omsorg/Hjemmebaserte tjenester"],))
    with pytest.raises(PermissionDenied):  # not the owner
        oppdrag_admin.split_oppdrag(session=session, actor_id=org.people["leder"], number=parent.number,
                                    title="X", owner_id=org.people["leder"], unit_ids=(org.units["Oppvekst/Aurvoll skole"],))
    assert len(oppdrag_admin.children(session, oppdrag_id=parent.id)) == 1


def test_close_and_cancel_need_reason_and_right(session, org):
    letter = _letter(session, org)
    o = oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                  letter_id=letter.id, data=_input(org))
    with pytest.raises(PermissionDenied):  # the owner may not cancel
        oppdrag_admin.close_oppdrag(session=session, actor_id=org.people["kommunalsjef"], number=o.number,
                                    outcome="avbrutt", reason="Ikke aktuelt")
    with pytest.raises(ValidationFailed) as e:
        oppdrag_admin.close_oppdrag(session=session, actor_id=org.people["admin"], number=o.number,
                                    outcome="avbrutt", reason=" ")
    assert "reason" in e.value.errors
    session.refresh(o)
    assert o.status == "ikke_startet"
    oppdrag_admin.close_oppdrag(session=session, actor_id=org.people["admin"], number=o.number, outcome="avbrutt",
                                reason="Vedtaket er opphevet i PS 40/27")
    session.refresh(o)
    assert o.status == "avbrutt"
    assert session.exec(select(OppdragUpdate.comment).where(OppdragUpdate.oppdrag_id == o.id)).all() == [
        "Vedtaket er opphevet i PS 40/27"]
    [entry] = _audit(session, "oppdrag.closed")
    assert entry.detail["before"]["status"] == "ikke_startet" and entry.detail["after"]["status"] == "avbrutt"


def test_bad_input_names_each_field(session, org):
    letter = _letter(session, org)
    bad = OppdragInput(title="", category="Tull", owner_id=999999, unit_ids=(999999,))
    with pytest.raises(ValidationFailed) as e:
        oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                  letter_id=letter.id, data=bad)
    assert set(e.value.errors) == {"title", "category", "owner_id", "unit_ids"}
    with pytest.raises(NotFound):
        oppdrag_admin.add_oppdrag(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                  letter_id=999999, data=_input(org))

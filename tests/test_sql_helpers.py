"""The typed seams over SQLModel (models/sql.py) and the small read helpers built on them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.services import inbound, web_auth
from models.services import org as org_svc
from models.sql import pk, table_of
from models.tables import Avvik, Person
from models.tables._common import utcnow


def test_pk_refuses_a_row_that_was_never_stored(session, org):
    p = Person(org_id=org.org_id, email="ny@testkommune.no", name="Ny Person")
    with pytest.raises(ValueError, match="no id yet"):
        pk(p)  # passing None on as a foreign key would store a broken row
    session.add(p)
    session.flush()
    assert pk(p) == p.id and isinstance(pk(p), int)


def test_table_of_is_the_mapped_table():
    assert table_of(Avvik).name == "avvik"
    assert "risk" in table_of(Avvik).c


def test_names_by_id_in_one_lookup(session, org):
    leder, aurvoll = org.people["leder"], org.units["Oppvekst/Aurvoll skole"]
    assert org_svc.person_names(session, {leder}) == {leder: "Lise Leder"}
    assert org_svc.unit_names(session, {aurvoll, -1}) == {aurvoll: "Aurvoll skole"}
    assert org_svc.unit_names(session, set()) == {} == org_svc.person_names(session, set())


def test_housekeeping_reports_how_many_rows_it_deleted(session, org):
    now = utcnow()
    web_auth.issue_link(session=session, person_id=org.people["leder"], public_base_url="https://trad.test",
                        now=now - timedelta(hours=1))
    web_auth.issue_link(session=session, person_id=org.people["leder"], public_base_url="https://trad.test", now=now)
    assert web_auth.purge_expired(session=session, now=now) == 1  # the hour-old link; the fresh one stays
    assert web_auth.purge_expired(session=session, now=now) == 0

    assert inbound.claim_event(session=session, platform="slack", event_id="Ev1")
    assert inbound.prune_events(session=session, older_than=timedelta(days=2)) == 0
    assert inbound.prune_events(session=session, older_than=timedelta(0)) == 1

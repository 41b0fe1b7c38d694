"""Gaps left by the first round of issue 17: the kommune's avvik categories, a checklist's units, and
past summaries that keep the items answered then (a new version retires items, it does not erase them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.errors import ValidationFailed
from models.i18n import use_locale
from models.services import avvik as avvik_svc
from models.services import checklist_admin, checklists
from models.services.checklist_admin import TemplateInput
from models.tables import Avvik, ChecklistAnswer, ChecklistItem, KommuneSettings
from reports.queries import build_summary

JUNE = datetime(2026, 6, 15, 10, tzinfo=UTC)
ITEMS = (("HMS", "Vernerunde", "Er vernerunden gjennomført?"), ("Personal", "Samtale", "Er samtalane haldne?"))


def _offer(session, org, codes: list[str]) -> None:  # type: ignore[no-untyped-def]
    session.add(KommuneSettings(org_id=org.org_id, avvik_categories=codes))
    session.commit()


def _avvik(category: str) -> avvik_svc.AvvikInput:
    return avvik_svc.AvvikInput(category=category, description="Glatt trapp ved inngangen",
                                occurred_at=datetime.now(UTC), probability=2, consequence=2)


def test_a_category_the_kommune_does_not_offer_is_refused_in_the_persons_language(session, org):  # type: ignore[no-untyped-def]
    _offer(session, org, ["vold", "annet"])
    with use_locale("nn"), pytest.raises(ValidationFailed) as e:
        avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_avvik("hms"))
    assert e.value.errors["category"] == "Vel ein av kategoriane kommunen nyttar."
    with use_locale("en"), pytest.raises(ValidationFailed) as e:
        avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_avvik("pasient"))
    assert e.value.errors["category"] == "Choose one of the categories the municipality uses."
    assert session.exec(select(Avvik)).all() == []
    a = avvik_svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_avvik("vold"))
    assert a.category == "vold"


def test_a_checklist_nei_gets_a_category_the_kommune_offers(session, org):  # type: ignore[no-untyped-def]
    _offer(session, org, ["vold", "annet"])
    r = checklists.answer_check_item(session=session, actor_id=org.people["leder"], item_id=org.items[1],
                                     unit_id=org.units["Oppvekst/Aurvoll skole"], answer="nei",
                                     comment="Ikkje gjennomført")
    assert r.avvik_number == 1 and session.exec(select(Avvik)).one().category == "annet"


def _template(session, org, scope: str, units: tuple[int, ...]) -> list[int]:  # type: ignore[no-untyped-def]
    tpl = checklist_admin.create_template(session=session, actor_id=org.people["admin"], org_id=org.org_id,
                                          data=TemplateInput(name="Avgrensa", recurrence="tertial",
                                                             publish_on=date(2026, 1, 1), items=ITEMS, scope=scope,
                                                             unit_ids=units), today=date(2026, 1, 1))
    return [i.id for i in checklist_admin.items_of(session, tpl.id)]  # type: ignore[misc,arg-type]


def test_a_checklist_is_answered_only_for_the_units_it_is_for(session, org):  # type: ignore[no-untyped-def]
    solvang, aurvoll = org.units["Oppvekst/Solvang skole"], org.units["Oppvekst/Aurvoll skole"]
    items = _template(session, org, "units", (solvang,))
    with use_locale("nn"), pytest.raises(ValidationFailed) as e:
        checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=aurvoll,
                                     item_id=items[0], answer="ja", now=JUNE)
    assert e.value.errors["unit_id"] == "Sjekklista «Avgrensa» gjeld ikkje denne eininga."
    assert session.exec(select(ChecklistAnswer)).all() == []
    checklists.answer_check_item(session=session, actor_id=org.people["leder2"], unit_id=solvang,
                                 item_id=items[0], answer="ja", now=JUNE)
    sector_items = _template(session, org, "sector", (org.units["Helse og omsorg"],))
    with pytest.raises(ValidationFailed):
        checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=aurvoll,
                                     item_id=sector_items[0], answer="ja", now=JUNE)
    checklists.answer_check_item(session=session, actor_id=org.people["hjemmeleder"], item_id=sector_items[0],
                                 unit_id=org.units["Helse og omsorg/Hjemmebaserte tjenester"], answer="ja", now=JUNE)
    assert len(session.exec(select(ChecklistAnswer)).all()) == 2


def test_a_past_summary_keeps_the_items_a_new_version_retired(session, org):  # type: ignore[no-untyped-def]
    aurvoll = org.units["Oppvekst/Aurvoll skole"]
    items = _template(session, org, "units", (aurvoll,))
    for item in items:
        checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=aurvoll, item_id=item,
                                     answer="ja", now=JUNE)
    reworded = (ITEMS[0], ("Personal", "Samtale", "Er medarbeidarsamtalane haldne og skrivne ned?"))
    tpl_id = session.get(ChecklistItem, items[0]).template_id
    checklist_admin.edit_template(session=session, actor_id=org.people["admin"], template_id=tpl_id,
                                  data=TemplateInput(name="Avgrensa", recurrence="tertial", publish_on=date(2026, 1, 1),
                                                     items=reworded, scope="units", unit_ids=(aurvoll,)))
    retired = session.get(ChecklistItem, items[1])
    assert retired is not None and not retired.active and retired.retired_at is not None
    past = build_summary(session=session, org_id=org.org_id, period="2026-T2", now=datetime.now(UTC))
    row = next(c for c in past.internkontroll.by_unit if c.unit_id == aurvoll)
    # the factory's template (2 items) + this one's two items as they were in T2; the new wording is not due then
    assert (row.answered, row.due) == (2, 4)

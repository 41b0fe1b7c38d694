"""Checklist templates: who may, versions that keep answered wording, units and publish date, one message per leader."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.errors import PermissionDenied, ValidationFailed
from models.services import checklist_admin, checklists
from models.services.checklist_admin import TemplateInput
from models.tables import AuditEntry, ChecklistAnswer, ChecklistItem, ChecklistTemplate, OutboxMessage

NOW = datetime(2027, 2, 10, 10, tzinfo=UTC)
TODAY = date(2027, 2, 10)
ITEMS = (("HMS", "Vernerunde", "Er vernerunde gjennomført?"), ("Leiardialog", "Samtale", "Er leiarsamtalen halden?"))


def _input(org, **over):  # type: ignore[no-untyped-def]
    data = dict(name="HR-sjekkliste 2027", recurrence="tertial", publish_on=date(2027, 2, 1), items=ITEMS, due_day=25,
                scope="units", unit_ids=(org.units["Oppvekst/Aurvoll skole"],))
    data.update(over)
    return TemplateInput(**data)  # type: ignore[arg-type]


def _make(session, org, who="admin", **over):  # type: ignore[no-untyped-def]
    return checklist_admin.create_template(session=session, actor_id=org.people[who], org_id=org.org_id,
                                           data=_input(org, **over), today=TODAY)


def _mine(session, org, who="leder"):  # type: ignore[no-untyped-def]
    return [d for d in checklists.list_checklist(session=session, actor_id=org.people[who], now=NOW)
            if d.template_name.startswith("HR-")]


def test_template_reaches_only_its_units_leaders_once_with_a_button(session, org):
    tpl = _make(session, org)
    assert [d.text for d in _mine(session, org)] == [t for _p, _t, t in ITEMS]
    assert _mine(session, org, "leder2") == []  # Solvang is not chosen
    msgs = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published")).all()
    assert [m.recipient_person_id for m in msgs] == [org.people["leder"]]
    assert msgs[0].payload["actions"][0]["action_id"] == "checklist.start"
    assert msgs[0].payload["text"] == "HR-sjekkliste 2027"
    checklist_admin.apply_edit(session, tpl=tpl, actor_id=None, data=_input(org), today=TODAY)  # nothing differs
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published")).all()) == 1
    created = session.exec(select(AuditEntry).where(AuditEntry.action == "checklist_template.created")).one()
    assert created.actor_id == org.people["admin"] and created.detail["after"]["items"][0][2] == ITEMS[0][2]


def test_sector_scope_and_future_publish_date(session, org):
    _make(session, org, scope="sector", unit_ids=(org.units["Oppvekst"],), publish_on=date(2027, 3, 1))
    assert _mine(session, org) == [] and _mine(session, org, "leder2") == []  # not published yet
    msgs = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published")).all()
    assert {m.recipient_person_id for m in msgs} == {org.people["leder"], org.people["leder2"]}
    assert all(m.next_attempt_at.date() == date(2027, 3, 1) for m in msgs)  # delivered on the publish date
    later = datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert checklists.list_checklist(session=session, actor_id=org.people["leder2"], now=later)
    assert not [d for d in checklists.list_checklist(session=session, actor_id=org.people["hjemmeleder"], now=later)
                if d.template_name.startswith("HR-")]


def test_editing_a_published_template_is_a_new_version_and_answers_keep_their_words(session, org):
    tpl = _make(session, org)
    first = _mine(session, org)[0]
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=first.unit_id,
                                 item_id=first.item_id, answer="ja", now=NOW)
    new_items = (("HMS", "Vernerunde", "Er vernerunde gjennomført og dokumentert?"), ITEMS[1])
    checklist_admin.edit_template(session=session, actor_id=org.people["admin"], template_id=tpl.id,
                                  data=_input(org, items=new_items), today=TODAY)
    session.refresh(tpl)
    assert tpl.version == 2
    answer = session.exec(select(ChecklistAnswer).where(ChecklistAnswer.item_id == first.item_id)).one()
    old = session.get(ChecklistItem, answer.item_id)
    assert old.text == "Er vernerunde gjennomført?" and not old.active and old.version == 1  # the answered words
    texts = [(d.text, d.answer) for d in _mine(session, org)]
    assert texts == [("Er vernerunde gjennomført og dokumentert?", None), (ITEMS[1][2], None)]
    kept = session.exec(select(ChecklistItem).where(ChecklistItem.text == ITEMS[1][2],
                                                    ChecklistItem.template_id == tpl.id)).one()
    assert kept.version == 1 and kept.active  # an unchanged item stays the same item
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "checklist_template.new_version")).one()
    assert entry.detail["before"]["version"] == 1 and entry.detail["after"]["version"] == 2
    keys = {m.dedupe_key for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published"))}
    assert keys == {f"checklist:{tpl.id}:v1:leader:{org.people['leder']}", f"checklist:{tpl.id}:v2:leader:{org.people['leder']}"}


def test_an_unpublished_template_is_edited_in_place(session, org):
    tpl = _make(session, org, publish_on=date(2027, 5, 1))
    checklist_admin.edit_template(session=session, actor_id=org.people["admin"], template_id=tpl.id,
                                  data=_input(org, publish_on=date(2027, 5, 1), unit_ids=(org.units["Oppvekst/Solvang skole"],)),
                                  today=TODAY)
    session.refresh(tpl)
    assert tpl.version == 1
    msgs = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published")).all()
    assert [m.recipient_person_id for m in msgs] == [org.people["leder2"]]  # the old unit's notice is withdrawn


def test_who_may_and_bad_input_change_nothing(session, org):
    with pytest.raises(PermissionDenied):
        _make(session, org, "ansatt")
    with pytest.raises(PermissionDenied):
        _make(session, org, "leder", scope="all", unit_ids=())
    with pytest.raises(PermissionDenied):  # a leader only for units they lead
        _make(session, org, "leder", unit_ids=(org.units["Oppvekst/Solvang skole"],))
    mine = _make(session, org, "leder", name="HR-Aurvoll")
    assert mine.scope == "units"
    _make(session, org, "kommunalsjef", scope="sector", unit_ids=(org.units["Oppvekst"],), name="HR-Oppvekst")
    with pytest.raises(PermissionDenied):
        _make(session, org, "kommunalsjef", scope="sector", unit_ids=(org.units["Helse og omsorg"],))
    with pytest.raises(ValidationFailed) as exc:
        _make(session, org, name="", recurrence="daily", due_day=40, publish_on=date(1999, 1, 1), items=())
    assert set(exc.value.errors) == {"name", "recurrence", "due_day", "publish_on", "items"}
    with pytest.raises(ValidationFailed) as exc:
        _make(session, org, scope="sector", unit_ids=(org.units["Oppvekst/Aurvoll skole"],))
    assert "unit_ids" in exc.value.errors
    names = set(session.exec(select(ChecklistTemplate.name)).all())
    assert names == {"Felles sjekkliste for leiarar", "HR-Aurvoll", "HR-Oppvekst"}


def test_once_is_answered_one_time(session, org):
    _make(session, org, recurrence="once")
    first = _mine(session, org)[0]
    assert first.period == "once"
    checklists.answer_check_item(session=session, actor_id=org.people["leder"], unit_id=first.unit_id,
                                 item_id=first.item_id, answer="ja", now=NOW)
    next_year = datetime(2028, 6, 1, 10, tzinfo=UTC)
    due = [d for d in checklists.list_due_checklists(session=session, actor_id=org.people["leder"], now=next_year)
           if d.template_name.startswith("HR-")]
    assert [d.item_id for d in due] == [_mine(session, org)[1].item_id]

"""The varsling domain: encryption, conflicts of interest, receipts, case work, deadlines, retention, counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.errors import InvalidTransition, PermissionDenied, ValidationFailed
from models.services import varsling_cases as cases
from models.services import varsling_casework as work
from models.services import varsling_keys as keys
from models.services import varsling_retention as retention
from models.tables import AuditEntry, OutboxMessage
from models.tables.varsling import Varsel, VarselAccess
from tests.varsling.helpers import PASSPHRASE, give_keys, submit


def test_recipient_reads_and_reporter_reads_reply(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    sub = submit(session, org, what="Økonomisk utroskap på lageret", name="Kari", contact="kari@privat.no")
    assert len(sub.receipt) == 16 and sub.ref == "V-2026-001"
    pid = org.people["mottaker"]
    sk = keys.unlock(session, person_id=pid, passphrase=PASSPHRASE)
    view = work.open_case(session=session, person_id=pid, varsel_id=sub.varsel_id, sk=sk)
    assert view.what == "Økonomisk utroskap på lageret"
    assert work.reveal_identity(session=session, person_id=pid, varsel_id=sub.varsel_id, sk=sk) == {
        "name": "Kari", "contact": "kari@privat.no"}
    work.post_message(session=session, person_id=pid, varsel_id=sub.varsel_id, sk=sk,
                      text="Takk, vi ser på saken.", today=date(2026, 3, 3))
    rv = cases.reporter_view(session, org_id=org.org_id, receipt=cases.vc.format_receipt(sub.receipt))
    assert rv.messages[-1][2] == "Takk, vi ser på saken." and rv.what == "Økonomisk utroskap på lageret"
    rv = cases.reporter_reply(session=session, org_id=org.org_id, receipt=sub.receipt, text="Flott",
                              today=date(2026, 3, 4))
    assert [m[0] for m in rv.messages] == ["mottaker", "varsler"]
    # audit: views and actions recorded, never content
    actions = [a.action for a in session.exec(select(AuditEntry)).all()]
    assert {"varsling.viewed", "varsling.identity_viewed", "varsling.message_sent"} <= set(actions)
    dumped = " ".join(str(a.detail) for a in session.exec(select(AuditEntry)).all())
    assert "utroskap" not in dumped and "Kari" not in dumped


def test_notification_has_no_content_and_coarse_time(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    submit(session, org, what="Hemmelig innhold XYZ")
    rows = session.exec(select(OutboxMessage)).all()
    assert len(rows) == 1 and rows[0].platform == "auto" and rows[0].recipient_person_id == org.people["mottaker"]
    assert rows[0].payload["title"] == "Ny varsling mottatt – sak V-2026-001"
    assert "XYZ" not in str(rows[0].payload)
    created = rows[0].created_at
    assert (created.hour, created.minute, created.second) == (0, 0, 0)


def test_wrong_receipt_and_malformed(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    sub = submit(session, org)
    wrong = ("1" if sub.receipt[0] != "1" else "2") + sub.receipt[1:]
    for bad in (wrong, "123", "abcd efgh ijkl mnop", ""):
        with pytest.raises(cases.UnknownReceipt):
            cases.reporter_view(session, org_id=org.org_id, receipt=bad)


def test_conflict_of_interest_excludes_line_leaders(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker", "leder", "kommunalsjef", "direktor", "leder2")
    plan = cases.plan_recipients(session, org_id=org.org_id, unit_id=org.units["Oppvekst/Aurvoll skole"],
                                 concerns_director=False)
    by = {c.person_id: c for c in plan.candidates}
    assert by[org.people["leder"]].reason == "leads_unit"
    assert by[org.people["kommunalsjef"]].reason == "above_unit"
    assert by[org.people["direktor"]].reason == "is_director"
    assert by[org.people["mottaker"]].eligible and by[org.people["leder2"]].eligible
    sub = submit(session, org, unit="Oppvekst/Aurvoll skole")
    who = set(session.exec(select(VarselAccess.person_id).where(VarselAccess.varsel_id == sub.varsel_id)).all())
    assert who == {org.people["mottaker"], org.people["leder2"]}
    # the excluded leader cannot open it, and the refusal is audited
    sk = keys.unlock(session, person_id=org.people["leder"], passphrase=PASSPHRASE)
    with pytest.raises(PermissionDenied):
        work.open_case(session=session, person_id=org.people["leder"], varsel_id=sub.varsel_id, sk=sk)
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "varsling.access_refused")).first()


def test_concerns_director_and_deselection(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker", "direktor")
    plan = cases.plan_recipients(session, org_id=org.org_id, unit_id=None, concerns_director=True)
    assert plan.alternative_route and [c.person_id for c in plan.eligible] == [org.people["mottaker"]]
    with pytest.raises(ValidationFailed) as exc:
        submit(session, org, selected_ids=set())
    assert exc.value.errors == {"recipients": "no_recipient"}
    sub = submit(session, org, selected_ids={org.people["direktor"]})
    who = session.exec(select(VarselAccess.person_id).where(VarselAccess.varsel_id == sub.varsel_id)).all()
    assert who == [org.people["direktor"]]


def test_oversized_fields_are_refused_with_clear_message(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    with pytest.raises(ValidationFailed) as exc:
        submit(session, org, what="x" * 10_001, name="n" * 201)
    assert exc.value.errors["what"] == "too_long:10000:10001"
    assert "høyst 10000 tegn" in exc.value.message
    assert session.exec(select(Varsel)).first() is None


def test_replayed_form_nonce_refused(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    submit(session, org, form_nonce="abc")
    with pytest.raises(cases.ReplayedForm):
        submit(session, org, form_nonce="abc")
    assert len(session.exec(select(Varsel)).all()) == 1


def test_case_work_transitions_and_checklist(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    sub = submit(session, org)
    pid, vid = org.people["mottaker"], sub.varsel_id
    with pytest.raises(InvalidTransition):
        work.advance(session=session, person_id=pid, varsel_id=vid, action="tilbakemelding", today=date(2026, 3, 3))
    assert work.advance(session=session, person_id=pid, varsel_id=vid, action="bekreft", today=date(2026, 3, 3)) == "bekreftet"
    work.set_checklist(session=session, person_id=pid, varsel_id=vid, checked={"check_undersokelse"})
    work.advance(session=session, person_id=pid, varsel_id=vid, action="undersok", today=date(2026, 3, 4))
    work.advance(session=session, person_id=pid, varsel_id=vid, action="tilbakemelding", today=date(2026, 4, 1))
    work.advance(session=session, person_id=pid, varsel_id=vid, action="lukk", today=date(2026, 4, 2))
    v = session.get(Varsel, vid)
    assert (v.status, v.acknowledged_on, v.feedback_on, v.closed_on, v.check_undersokelse, v.check_gjengjeldelse) == (
        "lukket", date(2026, 3, 3), date(2026, 4, 1), date(2026, 4, 2), True, False)
    rv = cases.reporter_view(session, org_id=org.org_id, receipt=sub.receipt)
    assert rv.status == "lukket" and rv.ack_due == date(2026, 3, 9) and rv.feedback_due == date(2026, 6, 2)


def _deadlines() -> dict:
    from models.settings import get_settings

    st = get_settings()
    return {"tz": st.tz_name, "public_base_url": st.public_base_url, "escalate_after_days": st.varsling_escalate_after_days}


def test_reminders_idempotent_then_escalate_to_backup(session, org, monkeypatch):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker", "admin")
    monkeypatch.setenv("VARSLING_BACKUP_EMAIL", org.emails["admin"])
    sub = submit(session, org, backup_email=org.emails["admin"], selected_ids={org.people["mottaker"]})
    backup = session.exec(select(VarselAccess).where(VarselAccess.person_id == org.people["admin"])).one()
    assert backup.role == "backup" and not backup.active
    before = len(session.exec(select(OutboxMessage)).all())
    assert work.send_varsling_deadline_reminders(session=session, now=datetime(2026, 3, 5, 9, tzinfo=UTC), **_deadlines()) == 0
    n = work.send_varsling_deadline_reminders(session=session, now=datetime(2026, 3, 10, 9, tzinfo=UTC), **_deadlines())
    assert n == 1
    assert work.send_varsling_deadline_reminders(session=session, now=datetime(2026, 3, 11, 9, tzinfo=UTC), **_deadlines()) == 0
    admin_sk = keys.unlock(session, person_id=org.people["admin"], passphrase=PASSPHRASE)
    with pytest.raises(PermissionDenied):
        work.open_case(session=session, person_id=org.people["admin"], varsel_id=sub.varsel_id, sk=admin_sk)
    n = work.send_varsling_deadline_reminders(session=session, now=datetime(2026, 3, 20, 9, tzinfo=UTC), **_deadlines())
    assert n == 1  # the escalation to the backup (the reminder to mottaker was already sent)
    view = work.open_case(session=session, person_id=org.people["admin"], varsel_id=sub.varsel_id, sk=admin_sk)
    assert view.what == "Noe kritikkverdig"
    assert len(session.exec(select(OutboxMessage)).all()) == before + 2


def test_export_then_purge_makes_receipt_useless(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    sub = submit(session, org, what="Arkivtekst")
    pid = org.people["mottaker"]
    sk = keys.unlock(session, person_id=pid, passphrase=PASSPHRASE)
    with pytest.raises(InvalidTransition):
        retention.export_case(session=session, person_id=pid, varsel_id=sub.varsel_id, sk=sk, today=date(2026, 3, 3))
    work.advance(session=session, person_id=pid, varsel_id=sub.varsel_id, action="lukk", today=date(2026, 3, 3))
    data = retention.export_case(session=session, person_id=pid, varsel_id=sub.varsel_id, sk=sk, today=date(2026, 3, 3))
    assert data["hva"] == "Arkivtekst" and data["sak"] == "V-2026-001"
    assert retention.purge_expired(session=session, today=date(2026, 3, 10), retention_days=30) == []
    assert retention.purge_expired(session=session, today=date(2028, 3, 10), retention_days=30) == ["V-2026-001"]
    with pytest.raises(cases.UnknownReceipt):
        cases.reporter_view(session, org_id=org.org_id, receipt=sub.receipt)
    assert session.exec(select(VarselAccess)).first() is None


def test_counts_hide_small_numbers(session, org):  # type: ignore[no-untyped-def]
    give_keys(session, org, "mottaker")
    for _ in range(6):
        submit(session, org, today=date(2026, 2, 1))
    submit(session, org, today=date(2026, 6, 1))
    t1 = cases_counts = retention.varsling_counts(session=session, org_id=org.org_id, start=date(2026, 1, 1),
                                                  end=date(2026, 5, 1))
    assert cases_counts["mottatt"] == 6 and t1["avsluttet"] == "færre enn 5"
    t2 = retention.varsling_counts(session=session, org_id=org.org_id, start=date(2026, 5, 1), end=date(2026, 9, 1))
    assert t2["mottatt"] == "færre enn 5" and t2["apne"] == 7


def test_passphrase_recovery(session, org):  # type: ignore[no-untyped-def]
    rec = give_keys(session, org, "mottaker")["mottaker"]
    pid = org.people["mottaker"]
    with pytest.raises(ValidationFailed):
        keys.unlock(session, person_id=pid, passphrase="feil feil feil feil")
    with pytest.raises(ValidationFailed):
        keys.recover(session=session, person_id=pid, recovery="AAAA-BBBB", passphrase="ny passordfrase 123")
    new_rec = keys.recover(session=session, person_id=pid, recovery=rec.lower(), passphrase="ny passordfrase 123")
    assert new_rec != rec
    keys.unlock(session, person_id=pid, passphrase="ny passordfrase 123")
    with pytest.raises(PermissionDenied):
        keys.create_key(session=session, person_id=org.people["ansatt"], passphrase="x" * 20)

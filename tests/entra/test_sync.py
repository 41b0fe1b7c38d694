"""`trad org sync entra` against a fake Microsoft Graph over HTTPS on loopback, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from bot.entra.graph import GraphClient, GraphError
from bot.entra.sync import entra_sync, run_sync
from models.settings import Settings, SettingsError, get_settings
from models.tables import AuditEntry, EntraSyncState, Person, PersonRole, Unit
from models.uow import UnitOfWork
from tests.entra.conftest import directory
from tests.entra.fake_graph import FakeGraph


def snapshot(session: Session) -> dict[str, Any]:
    """Everything the sync may touch, in a comparable form."""
    people = sorted((p.email, p.name, p.unit_id, p.active) for p in session.exec(select(Person)).all())
    roles = sorted((r.person_id, r.role, r.unit_id or 0) for r in session.exec(select(PersonRole)).all())
    units = sorted(u.path for u in session.exec(select(Unit)).all())
    links = [s.delta_link for s in session.exec(select(EntraSyncState)).all()]
    audits = len(session.exec(select(AuditEntry)).all())
    return {"people": people, "roles": roles, "units": units, "links": links, "audits": audits}


def person(session: Session, email: str) -> Person:
    return session.exec(select(Person).where(Person.email == email)).one()


def leads(session: Session, email: str) -> list[str]:
    pid = person(session, email).id
    rows = session.exec(select(PersonRole).where(PersonRole.person_id == pid, PersonRole.role == "leder")).all()
    return sorted(session.get(Unit, r.unit_id).path for r in rows)  # type: ignore[union-attr]


def sync(engine: Any, sleeps: list[float] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    settings = get_settings()
    client = GraphClient(settings, sleep=(sleeps if sleeps is not None else []).append)
    try:
        return run_sync(settings, UnitOfWork(engine), client=client, **kw)
    finally:
        client.close()


def test_a_full_read_pages_through_graph_and_applies_the_kommune_s_rules(kommune: Session, graph: FakeGraph,
                                                                         engine: Any) -> None:
    directory(graph)
    report = sync(engine)
    assert len(graph.state.graph_requests) == 3  # six users, pages of two, followed by @odata.nextLink
    assert "$skiptoken" in graph.state.graph_requests[1]
    nils, mona = person(kommune, "nils@oyer.no"), person(kommune, "mona@oyer.no")
    assert (nils.name, kommune.get(Unit, nils.unit_id).path) == ("Nils Ny", "Oppvekst/Aurvoll skole")  # type: ignore[union-attr]
    assert kommune.get(Unit, mona.unit_id).path == "Helse/Solvang sykehjem"  # type: ignore[union-attr]
    # Kari's manager Mona sits in Kari's unit: the import would make her leder there, so the sync does.
    assert leads(kommune, "mona@oyer.no") == ["Helse/Solvang sykehjem"]
    assert leads(kommune, "lise@oyer.no") == ["Oppvekst/Aurvoll skole"]
    # Kultur is no unit: Ola is reported and not created.
    assert report.unmapped == ["ola@oyer.no (avdeling «Kultur»)"]
    assert kommune.exec(select(Person).where(Person.email == "ola@oyer.no")).first() is None
    assert (report.created, report.roles_added) == (2, 1)
    actions = [a.action for a in kommune.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()]
    assert actions.count("org.entra.person_created") == 2 and "org.entra.role_added" in actions
    assert actions[-1] == "org.entra.synced"
    assert "ola@oyer.no" in str(report) and "Mona Mester" in str(report)


def test_the_second_run_reads_only_the_changes_and_deactivation_keeps_history(kommune: Session, graph: FakeGraph,
                                                                             engine: Any) -> None:
    directory(graph)
    sync(engine)
    per_id = person(kommune, "per@oyer.no").id
    graph.state.graph_requests.clear()
    graph.state.change("u-per", accountEnabled=False)
    graph.state.change("u-kari", department="Aurvoll skole")
    report = sync(engine)
    assert len(graph.state.graph_requests) == 1 and "$deltatoken" in graph.state.graph_requests[0]
    assert (report.created, report.updated, report.deactivated) == (0, 1, 1)
    per = person(kommune, "per@oyer.no")
    assert (per.id, per.name, per.active) == (per_id, "Per Ansatt", False)  # the same row: history keeps its person
    # Kari moved away from Mona: the leder role the sync gave Mona goes; the one Lise got by hand stays.
    assert leads(kommune, "mona@oyer.no") == []
    assert leads(kommune, "lise@oyer.no") == ["Oppvekst/Aurvoll skole"]
    graph.state.graph_requests.clear()
    again = sync(engine)
    assert (again.created, again.updated, again.deactivated, again.changes) == (0, 0, 0, [])


def test_a_role_set_by_hand_is_kept_unless_prune_roles(kommune: Session, graph: FakeGraph, engine: Any) -> None:
    st = graph.state
    st.put("u-lise", mail="lise@oyer.no", name="Lise Leder", department="Aurvoll skole")
    st.put("u-nils", mail="nils@oyer.no", name="Nils Ny", department="Aurvoll skole")
    st.put("u-per", mail="per@oyer.no", name="Per Ansatt", department="Aurvoll skole", manager="u-nils")
    sync(engine)
    assert leads(kommune, "nils@oyer.no") == ["Oppvekst/Aurvoll skole"]
    assert leads(kommune, "lise@oyer.no") == ["Oppvekst/Aurvoll skole"]  # nobody reports to her; set by hand
    report = sync(engine, prune_roles=True)
    assert leads(kommune, "lise@oyer.no") == []
    assert report.roles_removed == 1 and any("ikke lenger leder av" in c for c in report.changes)
    assert kommune.exec(select(AuditEntry).where(AuditEntry.action == "org.entra.role_removed")).all()


def test_throttling_and_passing_server_errors_are_retried_with_retry_after(kommune: Session, graph: FakeGraph,
                                                                           engine: Any) -> None:
    directory(graph)
    graph.state.fail_after = 1
    graph.state.fail_next += [(429, {"Retry-After": "3"}, None), (503, {}, None)]
    sleeps: list[float] = []
    report = sync(engine, sleeps)
    assert sleeps == [3.0, 2.0]  # Retry-After honoured; without it, a doubling back-off
    assert report.created == 2 and person(kommune, "mona@oyer.no").active


@pytest.mark.parametrize(("failure", "expected"), [
    ("secret", "ENTRA_CLIENT_SECRET"),
    ("401", "(401)"),
    ("403", "User.Read.All"),
    ("5xx", "(500) etter 5 forsøk"),
    ("broken", "ødelagt side"),
    ("no-value", "ødelagt side"),
])
def test_graph_errors_leave_the_organisation_as_it_was_and_say_what_happened(
        kommune: Session, graph: FakeGraph, engine: Any, monkeypatch: pytest.MonkeyPatch, failure: str,
        expected: str) -> None:
    directory(graph)
    st = graph.state
    st.fail_after = 1  # the first page is fine; the failure comes half-way
    if failure == "secret":
        monkeypatch.setenv("ENTRA_CLIENT_SECRET", "a-wrong-secret-for-the-test")
        get_settings.cache_clear()
    elif failure == "401":
        st.fail_next += [(401, {}, None)] * 2  # a fresh token is tried once
    elif failure == "403":
        st.fail_next.append((403, {}, None))
    elif failure == "5xx":
        st.fail_next += [(500, {}, None)] * 5
    elif failure == "broken":
        st.fail_next.append((200, {}, b'{"value": [{"id": "u-x", "mail": '))
    else:
        st.fail_next.append((200, {}, b'{"@odata.deltaLink": "x"}'))
    before = snapshot(kommune)
    with pytest.raises(GraphError) as caught:
        sync(engine)
    assert expected in caught.value.message and "Ingenting er endret" in caught.value.message \
        or failure == "secret" and expected in caught.value.message
    assert snapshot(kommune) == before


def test_a_dry_run_prints_the_plan_and_writes_nothing(kommune: Session, graph: FakeGraph) -> None:
    from bot.cli import main

    directory(graph)
    before = snapshot(kommune)
    result = CliRunner().invoke(main, ["org", "sync", "entra", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Prøvekjøring, ingenting er lagret: 2 nye" in result.output
    assert "ny: Mona Mester <mona@oyer.no> i Helse/Solvang sykehjem" in result.output
    assert "ola@oyer.no (avdeling «Kultur»)" in result.output
    assert snapshot(kommune) == before


def test_a_mapping_file_maps_departments_and_a_bad_one_changes_nothing(kommune: Session, graph: FakeGraph,
                                                                       tmp_path: Any) -> None:
    from bot.cli import main

    directory(graph)
    bad = tmp_path / "bad.csv"
    bad.write_text("department;unit\nKultur;\nKultur;Kultur/Bibliotek\n", encoding="cp1252")
    before = snapshot(kommune)
    result = CliRunner().invoke(main, ["org", "sync", "entra", "--map", str(bad)])
    assert result.exit_code == 1
    assert "linje 2: enhet mangler" in result.output and "Ingenting ble importert" in result.output
    assert snapshot(kommune) == before
    good = tmp_path / "map.csv"
    good.write_text("department,unit\nKultur,Kultur/Bibliotek\nAurvoll skole,Oppvekst/Aurvoll skole\n"
                    "Solvang sykehjem,Helse/Solvang sykehjem\nHelse/Solvang sykehjem,Helse/Solvang sykehjem\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["org", "sync", "entra", "--map", str(good), "--org", "oyer"])
    assert result.exit_code == 0, result.output
    ola = person(kommune, "ola@oyer.no")
    assert kommune.get(Unit, ola.unit_id).path == "Kultur/Bibliotek"  # type: ignore[union-attr]
    assert "0 uten enhet" not in result.output and "uten enhet" not in result.output


def test_the_nightly_job_does_nothing_unless_enabled_and_reads_changes_when_it_is(
        kommune: Session, graph: FakeGraph, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    directory(graph)
    assert entra_sync(engine=engine, settings=get_settings()) == {"skipped": 1}
    assert graph.state.graph_requests == []
    monkeypatch.setenv("ENTRA_SYNC_ENABLED", "true")
    get_settings.cache_clear()
    out = entra_sync(engine=engine, settings=get_settings())
    assert out["created"] == 2 and out["unmapped"] == 1
    graph.state.fail_next.append((403, {}, None))
    assert entra_sync(engine=engine, settings=get_settings()) == {"failed": 1}


@pytest.mark.parametrize("env", [{"ENTRA_CLIENT_ID": "x"}, {"ENTRA_SYNC_ENABLED": "true"},
                                 {"ENTRA_TENANT_ID": "t", "ENTRA_CLIENT_ID": "c"}])
def test_half_an_entra_setup_stops_start_up_naming_the_missing_setting(env: dict[str, str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_SYNC_ENABLED"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValueError, match="is missing: the Entra ID sync needs") as caught:
        Settings()
    missing = [k for k in ("ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET") if k not in env][0]
    assert missing in str(caught.value)
    assert issubclass(SettingsError, ValueError)


def test_a_deleted_user_is_deactivated_and_a_removed_manager_takes_back_the_sync_s_role(
        kommune: Session, graph: FakeGraph, engine: Any) -> None:
    directory(graph)
    sync(engine)
    graph.state.remove("u-nils")
    graph.state.change("u-kari", manager=None)  # Graph sends manager@delta with @removed; the fake omits it
    graph.state.users["u-kari"]["_manager_removed"] = True
    report = sync(engine)
    assert person(kommune, "nils@oyer.no").active is False
    assert (report.deactivated, report.roles_removed) == (1, 1)
    assert "deaktivert: Nils Ny <nils@oyer.no>" in report.changes
    assert leads(kommune, "mona@oyer.no") == []  # Kari no longer reports to her: the role the sync gave goes


def test_an_expired_delta_link_falls_back_to_a_full_read(kommune: Session, graph: FakeGraph, engine: Any) -> None:
    directory(graph)
    sync(engine)
    graph.state.graph_requests.clear()
    graph.state.fail_next.append((410, {}, None))
    graph.state.change("u-per", displayName="Per Pedersen")
    report = sync(engine)
    assert "$deltatoken" in graph.state.graph_requests[0] and "$deltatoken" not in graph.state.graph_requests[1]
    assert (report.updated, report.created) == (1, 0)
    assert person(kommune, "per@oyer.no").name == "Per Pedersen"


def test_a_changed_mail_that_belongs_to_someone_else_is_skipped_not_a_crash(kommune: Session, graph: FakeGraph,
                                                                           engine: Any) -> None:
    directory(graph)
    sync(engine)
    graph.state.change("u-per", mail="kari@oyer.no")
    report = sync(engine)
    assert report.skipped == ["per@oyer.no: ny e-post kari@oyer.no tilhører allerede Kari Helse i Tråd"]
    assert person(kommune, "per@oyer.no").active


def test_the_default_schedule_stays_clear_of_the_summer_time_hour() -> None:
    from notifications.scheduler import check_safe, parse_schedule

    settings = Settings()
    check_safe(parse_schedule(settings.entra_sync_schedule, settings.tz_name), settings.tz_name,
               name="ENTRA_SYNC_SCHEDULE")


def test_after_a_new_mapping_a_full_read_picks_up_people_reported_unmapped_before(
        kommune: Session, graph: FakeGraph, engine: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from bot.cli import main

    directory(graph)
    assert sync(engine).unmapped == ["ola@oyer.no (avdeling «Kultur»)"]
    mapping = tmp_path / "map.csv"
    mapping.write_text("department,unit\nKultur,Kultur/Bibliotek\n", encoding="utf-8")
    monkeypatch.setenv("ENTRA_SYNC_MAP", str(mapping))
    monkeypatch.setenv("ENTRA_SYNC_ENABLED", "true")
    get_settings.cache_clear()
    assert entra_sync(engine=engine, settings=get_settings())["created"] == 0  # Ola did not change: not in the delta
    result = CliRunner().invoke(main, ["org", "sync", "entra", "--full"])
    assert result.exit_code == 0, result.output
    assert kommune.get(Unit, person(kommune, "ola@oyer.no").unit_id).path == "Kultur/Bibliotek"  # type: ignore[union-attr]

"""The summary test dataset plus what the politicians' reports add: avvik with tiltak, risks, tilsyn.

Closed in 2026 (local dates), against the deadline rule (latest tiltak deadline, else 30 days):
the dataset's seven closures are all within 30 days; added here are
  hms    2 May → 20 Jun, tiltak due 30 Jun (done 15 Jun, effect evaluated)   within
  annet  3 May → 10 Jul, tiltak due 1 Jun and 30 Jun                          late
  annet  5 Jan → 1 Mar, no tiltak (55 days)                                   late
  hms    1 Aug 12:00 → 31 Aug 23:30 local (21:30 UTC), no tiltak (30 days)     within
so 11 closed, 9 within, 2 with tiltak: 81,8 %.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from models.services import risk as risk_svc
from models.services import tilsyn as tilsyn_svc
from models.tables import Risk, RiskTiltak, TilsynFinding, Tiltak
from tests.factories import TestOrg
from tests.reports.dataset import AURVOLL, SOLVANG, add_avvik, build_dataset, local


def _tiltak(session: Session, t: TestOrg, avvik_id: int, deadline: date, done: bool = False) -> None:
    session.add(Tiltak(org_id=t.org_id, avvik_id=avvik_id, description="Tiltak", owner_id=t.people["leder"],
                       deadline=deadline, done_at=local(2026, 6, 15) if done else None))


def _avvik_with_deadlines(session: Session, t: TestOrg) -> None:
    a = add_avvik(session, t, unit=AURVOLL, category="hms", risk=6, created=local(2026, 5, 2),
                  closed=local(2026, 6, 20))
    a.effect_evaluation = "Ny rutine virker"
    b = add_avvik(session, t, unit=SOLVANG, category="annet", risk=2, created=local(2026, 5, 3),
                  closed=local(2026, 7, 10))
    add_avvik(session, t, unit=SOLVANG, category="annet", risk=2, created=local(2026, 1, 5), closed=local(2026, 3, 1))
    add_avvik(session, t, unit=AURVOLL, category="hms", risk=2, created=local(2026, 8, 1),
              closed=local(2026, 8, 31, 23, 30))
    session.flush()
    _tiltak(session, t, a.id, date(2026, 6, 30), done=True)
    _tiltak(session, t, b.id, date(2026, 6, 1))
    _tiltak(session, t, b.id, date(2026, 6, 30))
    session.commit()


def _risks(session: Session, t: TestOrg) -> None:
    soon = date.today() + timedelta(days=60)

    def add(who: str, unit: str, title: str, p: int, c: int, pa: int, ca: int) -> Risk:
        return risk_svc.add_risk(session=session, actor_id=t.people[who], data=risk_svc.RiskInput(
            title=title, description="Hva kan gå galt", probability_before=p, consequence_before=c,
            probability_after=pa, consequence_after=ca, treatment="reduce", review_date=soon, unit_id=t.units[unit]))

    r1 = add("leder", AURVOLL, "Fall i trapp <b>", 4, 5, 2, 5)
    add("leder2", SOLVANG, "Datainnbrudd", 3, 3, 3, 3)
    closed = add("leder", AURVOLL, "Gammel risiko", 5, 5, 5, 5)
    risk_svc.close_risk(session=session, actor_id=t.people["leder"], risk_id=closed.id, reason="Aktiviteten er lagt ned")
    tk = risk_svc.add_risk_tiltak(session=session, actor_id=t.people["leder"], risk_id=r1.id, description="Sikre trappa",
                                  deadline=soon)
    row = session.get(RiskTiltak, tk.id)
    row.done_at = local(2026, 9, 10)
    session.add(row)
    session.commit()


def _tilsyn(session: Session, t: TestOrg) -> None:
    F = tilsyn_svc.FindingInput
    tilsyn_svc.register_tilsyn(
        session=session, actor_id=t.people["direktor"],
        data=tilsyn_svc.TilsynInput(authority="arbeidstilsynet", held_on=date(2026, 6, 10), theme="Arbeidsmiljø",
                                    unit_id=t.units[AURVOLL]),
        findings=[F(kind="palegg", description="Mangler ROS for trapp", deadline=date(2026, 8, 1), tiltak="Lag ROS"),
                  F(kind="merknad", description="Rutinen er gammel", deadline=date(2026, 12, 1), tiltak="Oppdater")])
    tilsyn_svc.register_tilsyn(
        session=session, actor_id=t.people["direktor"],
        data=tilsyn_svc.TilsynInput(authority="statsforvalteren", held_on=date(2026, 10, 5), theme="Skolemiljø",
                                    unit_id=t.units[SOLVANG]))
    merknad = session.exec(select(TilsynFinding).where(TilsynFinding.kind == "merknad")).one()
    merknad.status, merknad.closed_at = "lukket", local(2026, 9, 1)
    session.add(merknad)
    session.commit()


def build_report_dataset(session: Session, t: TestOrg) -> None:
    build_dataset(session, t)
    _avvik_with_deadlines(session, t)
    _risks(session, t)
    _tilsyn(session, t)

"""The demo plan for Øyer: three perspectives, eight indicators, two years of values, oppdrag tied to goals.

Built as a plan file and a values file fed through the same use cases as `trad plan import`
and `trad indikator import`, so the demo exercises the real path. Deterministic per seed;
some units sit persistently below target so the styringskort shows red.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

from sqlmodel import Session, col, select

from models.periods import Period, local_date
from models.services import plan as plan_svc
from models.services import plan_import
from models.tables import Oppdrag, Person, PersonRole, Unit
from models.tables._common import utcnow

SCHOOLS = "Oppvekst/Aurvoll skole;Oppvekst/Solvang skole;Oppvekst/Øyer ungdomsskole"
# perspective, goal, indicator, measure, direction, frequency, units, target, red_limit, rollup, spread
PLAN = [
    ("Tjenestekvalitet", "Gode tjenester til innbyggerne > Brukerne er fornøyde", "Brukertilfredshet", "poeng",
     "høy", "tertial", "alle", 4.5, 4.0, "snitt", 0.4),
    ("Tjenestekvalitet", "Gode tjenester til innbyggerne > Brukerne er fornøyde", "Elever som trives", "%",
     "høy", "tertial", SCHOOLS, 90, 80, "snitt", 6),
    ("Tjenestekvalitet", "Gode tjenester til innbyggerne > Avvik følges opp", "Avvik lukket innen frist", "%",
     "høy", "måned", "alle", 90, 75, "snitt", 10),
    ("Medarbeidere", "Attraktiv arbeidsgiver > Høyt nærvær", "Nærvær", "%", "høy", "måned", "alle", 93, 90,
     "vektet", 2.5),
    ("Medarbeidere", "Attraktiv arbeidsgiver > Høyt nærvær", "Gjennomførte medarbeidersamtaler", "%", "høy", "år",
     "alle", 100, 80, "snitt", 12),
    ("Medarbeidere", "Attraktiv arbeidsgiver > Riktig kompetanse", "Andel med fagutdanning", "%", "høy", "tertial",
     "alle", 80, 70, "vektet", 7),
    ("Økonomi", "Sunn økonomi", "Budsjettavvik", "kr", "lav", "måned", "alle", 0, 150000, "sum", 120000),
    ("Økonomi", "Sunn økonomi", "Vikarutgifter", "kr", "lav", "tertial", "alle", 200000, 300000, "sum", 70000),
]
GOAL_LINKS = {
    "Redusere sykefraværet i institusjonstjenestene til under 8 %": "Høyt nærvær",
    "Etablere velferdsteknologi i hjemmetjenesten": "Brukerne er fornøyde",
    "Plan for kompetanseheving i miljøterapi": "Riktig kompetanse",
    "Innføre nytt avvikssystem for alle ansatte": "Avvik følges opp",
}
RED_COMMENTS = ["Høyt sykefravær etter influensautbrudd.", "Vakanser som ikke er besatt.",
                "Forsinket innkjøp flyttet kostnader hit.", "Ny rutine er ikke innarbeidet ennå."]


def _num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _csv(rows: list[list[str]]) -> str:
    """Semicolon CSV with decimal commas, as Excel in Norway saves it (unit lists get quoted)."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue()


def plan_csv(year: int) -> str:
    """The plan file (with a year column: last year's and this year's targets)."""
    lines = [["perspective", "goal", "indicator", "measure", "direction", "frequency", "units", "target", "red_limit",
              "rollup", "year"]]
    for y in (year - 1, year):
        for persp, goal, name, measure, direction, freq, units, target, red, rollup, _ in PLAN:
            lines.append([persp, goal, name, measure, direction, freq, units, _num(target), _num(red), rollup, str(y)])
    return _csv(lines)


def _periods(frequency: str, year: int, today: Period) -> list[Period]:
    """Every finished period of the kind from January last year up to `today` (a month)."""
    kind = {"måned": "month", "tertial": "tertial", "år": "year"}[frequency]
    count = {"month": 12, "tertial": 3, "year": 1}[kind]
    out = [Period(kind, y, i) for y in (year - 1, year) for i in range(1, count + 1)]
    return [p for p in out if p.end_date() <= today.start_date()]


def values_csv(units: list[tuple[str, int]], year: int, today: Period, rng: random.Random) -> str:
    """Values for every unit and finished period; a few units lag behind (the red ones)."""
    lines = [["indicator", "unit", "period", "value", "comment"]]
    for _persp, _goal, name, measure, direction, freq, unit_spec, target, red, _r, spread in PLAN:
        sign = 1 if direction == "høy" else -1
        paths = unit_spec.split(";") if unit_spec != "alle" else [p for p, _ in units]
        for path in paths:
            lag = rng.choice([0.0, 0.0, 0.3, 0.8, 1.6])  # in spreads below target
            for per in _periods(freq, year, today):
                v = target + sign * spread * (rng.gauss(0.3, 0.6) - lag)
                v = min(max(v, 0.0), 100.0) if measure == "%" else v
                v = max(v, 0.0) if measure == "poeng" else v
                bad = (v <= red) if direction == "høy" else (v >= red)
                comment = rng.choice(RED_COMMENTS) if bad and rng.random() < 0.5 else ""
                lines.append([name, path, per.key, _num(round(v, 1)), comment])
    return _csv(lines)


def _admin_id(session: Session, org_id: int) -> int | None:
    row = session.exec(select(Person.id).join(PersonRole, col(PersonRole.person_id) == Person.id)
                       .where(Person.org_id == org_id, PersonRole.role == "admin")).first()
    return int(row) if row is not None else None


def seed_demo_plan(session: Session, org_id: int, *, seed: int = 2026, now: datetime | None = None) -> str:
    """Import the demo plan and values for the kommune and tie the demo oppdrag to goals."""
    rng = random.Random(seed)
    today = local_date(now or utcnow())
    actor = _admin_id(session, org_id)
    plan_import.import_plan(session=session, org_id=org_id, data=plan_csv(today.year), actor_id=actor)
    leaves = plan_svc.leaf_unit_ids(session, org_id=org_id)
    units = [(u.path, int(u.id or 0)) for u in session.exec(select(Unit).where(Unit.org_id == org_id)).all()
             if u.id in leaves]
    month = Period("month", today.year, today.month)
    report = plan_import.import_values(session=session, org_id=org_id, data=values_csv(units, today.year, month, rng),
                                       actor_id=actor, now=now)
    goals = {g.title: g.id for g in plan_svc.list_goals(session=session, org_id=org_id)}
    linked = 0
    for oppdrag in session.exec(select(Oppdrag).where(Oppdrag.org_id == org_id)).all():
        goal = GOAL_LINKS.get(oppdrag.title)
        if goal in goals and actor is not None:
            plan_svc.link_oppdrag_to_goal(session=session, actor_id=actor, number=oppdrag.number, goal_id=goals[goal])
            linked += 1
    return f"Styringskort: {len(PLAN)} indikatorer, {report.created} verdier, {linked} oppdrag knyttet til mål."

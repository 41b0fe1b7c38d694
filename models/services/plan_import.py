"""`trad plan import` and `trad indikator import`: the plan and its values from CSV or .xlsx.

All or nothing, like the org import: every row is checked first and a file with any bad
row stores nothing, each problem named by line. Both go through the same use-case steps
as a chat check-in (`plan.upsert_indicator`, `indicators.check_entry/store_value`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.errors import DomainError, ImportFailed, PermissionDenied
from models.i18n import _
from models.indicator_rules import (
    DIRECTIONS,
    FREQUENCIES,
    MEASURE_ALIASES,
    MEASURES,
    ROLLUPS,
    default_rollup,
    parse_number,
)
from models.periods import Period, local_date
from models.services import audit, org
from models.services import indicators as ind_svc
from models.services._tx import writes
from models.services.plan import IndicatorSpec, leaf_unit_ids, upsert_indicator
from models.services.tabular import read_rows
from models.tables import Indicator, IndicatorUnit, IndicatorValue, Unit
from models.tables._common import utcnow

PLAN_COLUMNS = ("perspective", "goal", "indicator", "measure", "direction", "frequency", "units", "target", "red_limit")
VALUE_COLUMNS = ("indicator", "unit", "period", "value", "comment")


@dataclass(frozen=True)
class PlanReport:
    created: int
    updated: int

    def __str__(self) -> str:
        return f"Plan importert: {self.created} nye indikatorer, {self.updated} oppdatert."


@dataclass(frozen=True)
class ValuesReport:
    created: int
    corrected: int
    unchanged: int

    def __str__(self) -> str:
        return f"Verdier importert: {self.created} nye, {self.corrected} rettet, {self.unchanged} uendret."


def _check_admin(session: Session, actor_id: int | None) -> None:
    if actor_id is not None and not org.load_actor(session, person_id=actor_id).org_wide:
        raise PermissionDenied(_("Bare kommunedirektøren og administratorer kan importere planen."))


def _units_by_path(session: Session, org_id: int) -> dict[str, int]:
    rows = session.exec(select(Unit.path, Unit.id).where(Unit.org_id == org_id, Unit.active == True)).all()  # noqa: E712
    return {path.lower(): int(uid) for path, uid in rows if uid is not None}


def _plan_row(raw: dict[str, str], units: dict[str, int], leaves: list[int], year: int) -> tuple[IndicatorSpec | None, list[str]]:
    """One plan row as a spec, or the reasons it is not one."""
    errs: list[str] = []
    measure = MEASURE_ALIASES.get(raw["measure"].lower(), raw["measure"].lower())
    if measure not in MEASURES:
        errs.append(f"ukjent måleenhet «{raw['measure'][:20]}» (gyldige: {', '.join(MEASURES)})")
    direction = DIRECTIONS.get(raw["direction"].lower())
    if direction is None:
        errs.append(f"retning må være høy eller lav, ikke «{raw['direction'][:20]}»")
    frequency = FREQUENCIES.get(raw["frequency"].lower())
    if frequency is None:
        errs.append(f"frekvens må være måned, tertial eller år, ikke «{raw['frequency'][:20]}»")
    rollup = ROLLUPS.get(raw.get("rollup", "").lower()) if raw.get("rollup") else default_rollup(measure)
    if rollup is None:
        errs.append("sammenstilling må være sum, snitt eller vektet")
    goal = tuple(" ".join(g.split()) for g in raw["goal"].split(">") if g.strip())
    for label, text, limit in (("perspektiv", raw["perspective"], 80), ("indikator", raw["indicator"], 200)):
        if not text or len(text) > limit:
            errs.append(f"{label} mangler" if not text else f"{label} er for lang (høyst {limit} tegn)")
    if not goal or len(goal) > 2 or any(len(g) > 300 for g in goal):
        errs.append("mål mangler, eller har mer enn to nivåer (skriv «Mål» eller «Mål > Delmål»)")
    unit_ids: list[int] = []
    if raw["units"].strip().lower() == "alle":
        unit_ids = leaves
    else:
        for path in [p.strip().strip("/") for p in raw["units"].split(";") if p.strip()]:
            if path.lower() in units:
                unit_ids.append(units[path.lower()])
            else:
                errs.append(f"ukjent enhet «{path[:80]}»")
        if not raw["units"].strip():
            errs.append("enheter mangler (skriv enhetsstier skilt med ; eller «alle»)")
    target, red = parse_number(raw["target"]), parse_number(raw["red_limit"]) if raw["red_limit"] else None
    if target is None:
        errs.append(f"målverdi «{raw['target'][:20]}» er ikke et tall")
    if raw["red_limit"] and red is None:
        errs.append(f"rød grense «{raw['red_limit'][:20]}» er ikke et tall")
    if target is not None and red is not None and direction and (red > target if direction == "hoy" else red < target):
        errs.append("rød grense må ligge under målverdien når høy er bra, og over når lav er bra")
    if errs or direction is None or frequency is None or rollup is None or target is None:
        return None, errs
    return IndicatorSpec(perspective=raw["perspective"], goal=goal, name=" ".join(raw["indicator"].split()),
                         measure=measure, direction=direction, frequency=frequency, rollup=rollup,
                         unit_ids=tuple(dict.fromkeys(unit_ids)), year=year, target=target, red_limit=red), []


def parse_plan(session: Session, *, org_id: int, data: bytes | str, year: int) -> list[IndicatorSpec]:
    """Check every row of a plan file; ImportFailed lists every problem by line."""
    units, leaves = _units_by_path(session, org_id), leaf_unit_ids(session, org_id=org_id)
    problems: list[tuple[int, str]] = []
    specs: list[IndicatorSpec] = []
    seen: dict[tuple[str, int], int] = {}
    for line, raw in read_rows(data, PLAN_COLUMNS):
        row_year = year
        if raw.get("year"):
            if not raw["year"].isdecimal() or not 2000 <= int(raw["year"]) <= 2100:
                problems.append((line, f"ugyldig år «{raw['year'][:10]}»"))
                continue
            row_year = int(raw["year"])
        spec, errs = _plan_row(raw, units, leaves, row_year)
        problems.extend((line, e) for e in errs)
        if spec is not None:
            key = (spec.name.lower(), spec.year)
            if key in seen:
                problems.append((line, f"indikatoren «{spec.name}» står også på linje {seen[key]}"))
            seen[key] = line
            specs.append(spec)
    if problems:
        raise ImportFailed(problems)
    return specs


@writes
def import_plan(*, session: Session, org_id: int, data: bytes | str, actor_id: int | None = None,
                year: int | None = None) -> PlanReport:
    """Create or update the plan's indicators in place; `year` is the targets' year when the file has none."""
    _check_admin(session, actor_id)
    specs = parse_plan(session, org_id=org_id, data=data, year=year or local_date(utcnow()).year)
    created = 0
    for position, spec in enumerate(specs):
        _ind, is_new = upsert_indicator(session, org_id=org_id, spec=spec, position=position)
        created += is_new
    audit.record(session, org_id=org_id, actor_id=actor_id, action="plan.imported", entity="organisation",
                 entity_id=org_id, detail={"rows": len(specs), "created": created})
    return PlanReport(created=created, updated=len(specs) - created)


def _unit_lookup(session: Session, org_id: int) -> dict[str, int | None]:
    """Unit paths, and unit names where the name alone is unambiguous (None when it is not)."""
    rows = session.exec(select(Unit.path, Unit.name, Unit.id).where(Unit.org_id == org_id, Unit.active == True)).all()  # noqa: E712
    out: dict[str, int | None] = {}
    for _path, name, uid in rows:
        out[name.lower()] = None if name.lower() in out else uid
    out.update({path.lower(): uid for path, _name, uid in rows})
    return out


@dataclass(frozen=True)
class _Entry:
    line: int
    ind: Indicator
    unit_id: int
    period: Period
    value: float
    comment: str | None


def _check_value_rows(session: Session, org_id: int, data: bytes | str, today: date,
                      actor_id: int | None) -> list[_Entry]:
    inds = {i.name.lower(): i for i in session.exec(select(Indicator).where(Indicator.org_id == org_id,
                                                                          Indicator.active == True))}  # noqa: E712
    links = {(link.indicator_id, link.unit_id) for link in session.exec(select(IndicatorUnit).where(IndicatorUnit.org_id == org_id))}
    units = _unit_lookup(session, org_id)
    actor = org.load_actor(session, person_id=actor_id) if actor_id is not None else None
    problems: list[tuple[int, str]] = []
    entries: list[_Entry] = []
    seen: dict[tuple[int, int, str], int] = {}
    for line, raw in read_rows(data, VALUE_COLUMNS):
        ind = inds.get(" ".join(raw["indicator"].split()).lower())
        uid = units.get(raw["unit"].strip().strip("/").lower())
        if ind is None:
            problems.append((line, f"ukjent indikator «{raw['indicator'][:60]}»"))
        if uid is None:
            problems.append((line, f"ukjent enhet «{raw['unit'][:80]}» (skriv hele stien hvis navnet finnes flere steder)"))
        if ind is None or uid is None:
            continue
        if (ind.id, uid) not in links:
            problems.append((line, f"enheten rapporterer ikke «{ind.name}»"))
            continue
        if actor is not None and not ind_svc.can_enter(actor, org_id=org_id, unit_id=uid):
            problems.append((line, "du er ikke leder for enheten og kan ikke registrere verdier for den"))
            continue
        try:
            per, number = ind_svc.check_entry(ind, raw["period"], raw["value"], today)
        except DomainError as exc:
            problems.append((line, exc.message))
            continue
        key = (int(ind.id or 0), uid, per.key)
        if key in seen:
            problems.append((line, f"samme indikator, enhet og periode står også på linje {seen[key]}"))
        seen[key] = line
        entries.append(_Entry(line, ind, uid, per, number, raw.get("comment") or None))
    if problems:
        raise ImportFailed(problems)
    return entries


@writes
def import_values(*, session: Session, org_id: int, data: bytes | str, actor_id: int | None = None,
                  now: datetime | None = None) -> ValuesReport:
    """Store every value of the file, correcting (with history) those already there."""
    entries = _check_value_rows(session, org_id, data, local_date(now or utcnow()), actor_id)
    keys = {e.period.key for e in entries}
    existing = {(v.indicator_id, v.unit_id, v.period): v for v in session.exec(
        select(IndicatorValue).where(IndicatorValue.org_id == org_id, col(IndicatorValue.period).in_(keys)))}
    created = corrected = 0
    for e in entries:
        old = existing.get((int(e.ind.id or 0), e.unit_id, e.period.key))
        if old is None:
            created += 1
        changed = ind_svc.store_value(session, ind=e.ind, unit_id=e.unit_id, period=e.period, value=e.value,
                                      comment=e.comment, actor_id=actor_id, existing=old)
        corrected += changed
    audit.record(session, org_id=org_id, actor_id=actor_id, action="indicator_values.imported", entity="organisation",
                 entity_id=org_id, detail={"created": created, "corrected": corrected})
    return ValuesReport(created=created, corrected=corrected, unchanged=len(entries) - created - corrected)

"""Read side of the periodic summaries: every figure comes from a SQL aggregate.

Each query groups at the finest grain a summary shows (unit, category, risk band,
status, sector for medians) and is answered from covering indexes; coarser totals
(sector, organisation) are sums of those few aggregate rows — never of data rows.
Periods are half-open UTC intervals computed from local midnight in Europe/Oslo
(`models.periods`), so DST months and an avvik at 00:30 on the 1st land right.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, case, cast, func, literal, or_, select, text, union_all
from sqlmodel import Session

from models.periods import Period, local_date, parse_period
from models.tables import (
    Avvik,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    Oppdrag,
    Organisation,
    PersonRole,
    Unit,
)
from models.tables._common import utcnow
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES
from reports.summary import (
    RISK_BANDS,
    ChecklistCompletion,
    MonthSeries,
    OppdragCategory,
    SectorAvvik,
    Summary,
    Totals,
    Trend,
    UnitAvvik,
    suppress_row,
    suppress_small,
)

log = logging.getLogger("trad.reports")

A = Avvik.__table__  # type: ignore[attr-defined]
U = Unit.__table__  # type: ignore[attr-defined]
RUN = ChecklistRun.__table__  # type: ignore[attr-defined]
ANS = ChecklistAnswer.__table__  # type: ignore[attr-defined]
ITEM = ChecklistItem.__table__  # type: ignore[attr-defined]
TPL = ChecklistTemplate.__table__  # type: ignore[attr-defined]
OPP = Oppdrag.__table__  # type: ignore[attr-defined]
ROLE = PersonRole.__table__  # type: ignore[attr-defined]
ORG = Organisation.__table__  # type: ignore[attr-defined]

SHORT_MONTHS = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"]


def risk_band_expr() -> Any:
    """The ROS band of `avvik.risk` in SQL, matching `models.risk.severity`."""
    return case((A.c.risk <= 4, literal(RISK_BANDS[0])), (A.c.risk <= 9, literal(RISK_BANDS[1])),
                (A.c.risk <= 16, literal(RISK_BANDS[2])), else_=literal(RISK_BANDS[3]))


def _stale_cutoff(today: date, tz_name: str) -> datetime:
    """«No update for 45 days» compares local dates; as a UTC instant that is «before local
    midnight starting today − 45 days»."""
    stale_day = today - timedelta(days=45)
    return datetime(stale_day.year, stale_day.month, stale_day.day, tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def _traffic_light(today: Any, soon: Any, stale_cutoff: Any) -> Any:
    """The trafikklys CASE over values or bind parameters (today, today + 30 days, the stale cutoff)."""
    last = func.coalesce(OPP.c.last_status_at, OPP.c.created_at)
    return case(
        (OPP.c.status == "avbrutt", literal("ingen")),
        (OPP.c.status == "fullfort", literal("gronn")),
        (or_(OPP.c.status == "forsinket", and_(OPP.c.deadline.is_not(None), OPP.c.deadline < today)), literal("rod")),
        (and_(OPP.c.deadline.is_not(None), OPP.c.deadline <= soon, OPP.c.progress < 75), literal("gul")),
        (last < stale_cutoff, literal("gul")),
        else_=literal("gronn"),
    )


def traffic_light_expr(today: date, tz_name: str = "Europe/Oslo") -> Any:
    """`models.services.oppdrag.traffic_light` as a SQL CASE ('ingen' for an avbrutt oppdrag)."""
    return _traffic_light(today, today + timedelta(days=30), _stale_cutoff(today, tz_name))


def _between(col: Any, start: datetime, end: datetime) -> Any:
    return and_(col >= start, col < end)


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def checklist_keys(period: Period) -> list[str]:
    """The checklist run periods that fall inside a summary period (months, tertials, the year)."""
    months = period.months()
    keys = [m.key for m in months]
    tertials = sorted({(m.index - 1) // 4 + 1 for m in months})
    if period.kind in ("tertial", "year"):
        keys += [Period("tertial", period.year, t).key for t in tertials]
    if period.kind == "year":
        keys.append(Period("year", period.year, 1).key)
    return keys


def _key_started(key: str, as_of: date) -> bool:
    return parse_period(key).start_date() <= as_of


# --------------------------------------------------------------------------- statements, built once
#
# Every statement below is built once per process (and per dialect where the SQL differs),
# with bind parameters for the organisation and the period bounds. Building a Core statement
# and generating its cache key cost about as much as running a small aggregate, so a summary
# that rebuilt them per call spent a fifth of its time there; a reused statement object
# memoises its cache key and hits the engine's compiled cache directly. Results are read
# as plain rows on the Core connection — no ORM entities.

def _p(name: str, col: Any | None = None) -> Any:
    """A bind parameter typed like `col` (so datetimes go through UTCDateTime's processing)."""
    return bindparam(name, type_=col.type) if col is not None else bindparam(name)


@cache
def _org_name_stmt() -> Any:
    return select(ORG.c.name).where(ORG.c.id == _p("org"))


@cache
def _unit_directory_stmt() -> Any:
    s = U.alias("s")
    return (select(U.c.id, U.c.name, s.c.id, s.c.name)
            .select_from(U.join(s, and_(s.c.parent_id.is_(None), s.c.org_id == U.c.org_id,
                                        U.c.id_path.startswith(s.c.id_path))))
            .where(U.c.org_id == _p("org")))


@cache
def _status_by_unit_stmt() -> Any:
    org, s, e, pe = _p("org"), _p("s", A.c.created_at), _p("e", A.c.created_at), _p("pe", A.c.created_at)
    lo, lo_closed = _p("lo", A.c.created_at), _p("lo_closed", A.c.created_at)
    z = literal(0)
    flag = lambda cond: case((cond, 1), else_=0)  # noqa: E731
    branches = [
        select(A.c.unit_id, flag(A.c.created_at >= s).label("nc"), z.label("cc"), z.label("oc"),
               flag(A.c.created_at < pe).label("np"), z.label("cp"), z.label("op"))
        .where(A.c.org_id == org, A.c.created_at >= lo, A.c.created_at < e),
        select(A.c.unit_id, z, flag(A.c.closed_at >= s), z, z, flag(A.c.closed_at < pe), z)
        .where(A.c.org_id == org, A.c.closed_at >= lo, A.c.closed_at < e),
        select(A.c.unit_id, z, z, flag(A.c.created_at < e), z, z, flag(A.c.created_at < pe))
        .where(A.c.org_id == org, A.c.closed_at.is_(None)),
        select(A.c.unit_id, z, z, flag(and_(A.c.closed_at >= e, A.c.created_at < e)), z, z,
               flag(and_(A.c.closed_at >= pe, A.c.created_at < pe)))
        .where(A.c.org_id == org, A.c.closed_at >= lo_closed),
    ]
    u = union_all(*branches).subquery("x")
    return select(u.c.unit_id, *(func.sum(u.c[k]) for k in ("nc", "cc", "oc", "np", "cp", "op"))).group_by(u.c.unit_id)


@cache
def _new_aggregates_stmt() -> Any:
    org, s, e = _p("org"), _p("s", A.c.created_at), _p("e", A.c.created_at)
    band = risk_band_expr()
    return union_all(
        select(literal("u").label("k"), A.c.category.label("a"), cast(A.c.unit_id, String).label("b"),
               func.count().label("n"))
        .where(A.c.org_id == org, _between(A.c.created_at, s, e)).group_by(A.c.category, A.c.unit_id),
        select(literal("s"), A.c.status, band, func.count())
        .where(A.c.org_id == org, _between(A.c.created_at, s, e)).group_by(A.c.status, band),
    )


@cache
def _per_month_stmt(n_months: int) -> Any:
    """New avvik per (month bucket, unit); bucket i = created before the i-th month's end (`m0`…)."""
    bucket = case(*((A.c.created_at < _p(f"m{i}", A.c.created_at), literal(i)) for i in range(n_months)),
                  else_=literal(-1)).label("m")
    return (select(bucket, A.c.unit_id, func.count())
            .where(A.c.org_id == _p("org"), _between(A.c.created_at, _p("lo", A.c.created_at), _p("hi", A.c.created_at)))
            .group_by(bucket, A.c.unit_id))


@cache
def _checklist_answered_stmt() -> Any:
    per_item = (select(RUN.c.unit_id, ANS.c.item_id, func.count().label("n"),
                       _count_if(ANS.c.answer == "nei").label("nei"))
                .select_from(RUN.join(ANS, ANS.c.run_id == RUN.c.id))
                .where(RUN.c.org_id == _p("org"), RUN.c.period.in_(bindparam("keys", expanding=True)))
                .group_by(RUN.c.unit_id, ANS.c.item_id)).subquery("x")
    return (select(per_item.c.unit_id, func.sum(per_item.c.n), func.sum(per_item.c.nei))
            .select_from(per_item.join(ITEM, ITEM.c.id == per_item.c.item_id).join(TPL, TPL.c.id == ITEM.c.template_id))
            .where(ITEM.c.org_id == _p("org"), ITEM.c.active.is_(True), TPL.c.active.is_(True))
            .group_by(per_item.c.unit_id))


@cache
def _items_per_recurrence_stmt() -> Any:
    return (select(TPL.c.recurrence, func.count(ITEM.c.id))
            .select_from(TPL.join(ITEM, ITEM.c.template_id == TPL.c.id))
            .where(TPL.c.org_id == _p("org"), TPL.c.active.is_(True), ITEM.c.active.is_(True))
            .group_by(TPL.c.recurrence))


@cache
def _units_expected_stmt() -> Any:
    return select(ROLE.c.unit_id).where(ROLE.c.org_id == _p("org"), ROLE.c.role == "leder",
                                        ROLE.c.unit_id.is_not(None)).distinct()


@cache
def _oppdrag_stmt() -> Any:
    light = _traffic_light(_p("today", OPP.c.deadline), _p("soon", OPP.c.deadline),
                           _p("stale_cutoff", OPP.c.created_at)).label("light")
    return (select(OPP.c.category, OPP.c.status, light, func.count())
            .where(OPP.c.org_id == _p("org")).group_by(OPP.c.category, OPP.c.status, light))


def _conn(session: Session) -> Any:
    """The Core connection of the session's transaction (same transaction, no ORM on the way)."""
    return session.connection()


# --------------------------------------------------------------------------- units and sectors

def unit_directory(session: Session, org_id: int) -> dict[int, tuple[str, int, str]]:
    """unit_id → (unit name, sector id, sector name); the sector is the top unit of the path.

    Resolved in SQL with the id_path prefix join (a few hundred rows at most), one cached
    statement: cheaper than keeping a per-org cache coherent with unit edits.
    """
    rows = _conn(session).execute(_unit_directory_stmt(), {"org": org_id}).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


# --------------------------------------------------------------------------- avvik

def avvik_status_by_unit(session: Session, org_id: int, cur: tuple[datetime, datetime],
                         prev: tuple[datetime, datetime]) -> list[tuple[int, int, int, int, int, int, int]]:
    """Per unit: new, closed, open at end for this period and the previous one, in one statement.

    Four index range scans instead of one scan of every avvik reported before the period's
    end: reported in either period (created index), closed in either period and closed after
    the previous period's end (closed index), and never closed (`closed_at IS NULL`, an
    equality on the same index). Open at an instant t = reported before t and not closed by t.
    """
    (s, e), (ps, pe) = cur, prev
    params = {"org": org_id, "s": s, "e": e, "pe": pe, "lo": min(ps, s), "lo_closed": min(pe, e)}
    return [(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0), int(r[6] or 0))
            for r in _conn(session).execute(_status_by_unit_stmt(), params).all()]


def avvik_new_aggregates(session: Session, org_id: int, start: datetime, end: datetime
                         ) -> tuple[list[tuple[int, str, int]], list[tuple[str, str, int]]]:
    """Avvik reported in [start, end): counts per (unit, category) and per (status, risk band), one statement.

    Both halves read the covering created index; the (category, unit) grouping order keeps
    SQLite from walking the unit index instead. Category, status and risk totals are sums of
    these few aggregate rows.
    """
    by_unit, by_status_band = [], []
    for k, x, y, n in _conn(session).execute(_new_aggregates_stmt(), {"org": org_id, "s": start, "e": end}).all():
        if k == "u":
            by_unit.append((int(y), x, n))
        else:
            by_status_band.append((x, y, n))
    return by_unit, by_status_band


def avvik_new_by(session: Session, org_id: int, start: datetime, end: datetime, *keys: Any) -> list[tuple]:
    """Count of avvik reported in [start, end) grouped by the given expressions (ad hoc; not cached)."""
    q = (select(*keys, func.count()).where(A.c.org_id == org_id, _between(A.c.created_at, start, end))
         .group_by(*keys))
    return [tuple(r) for r in session.execute(q).all()]


MEDIAN_ALL, MEDIAN_PREV = -1, -2  # group ids of the overall medians beside the sector ids


def medians_days_to_close(session: Session, org_id: int, cur: tuple[datetime, datetime],
                          prev: tuple[datetime, datetime]) -> dict[int, float]:
    """Median days from report to close of the avvik closed in a period: per sector and overall
    for this period, overall for the previous one — one statement, one range scan.

    Keys: sector ids, MEDIAN_ALL, MEDIAN_PREV. PostgreSQL: percentile_cont(0.5). SQLite has no
    ordered-set aggregates: the middle one or two rows of each group (ROW_NUMBER/COUNT windows),
    averaged. The unit→sector map (a hundred rows) is materialised once, not re-derived per avvik.
    """
    (s, e), (ps, pe) = cur, prev
    conn = _conn(session)
    sql = _MEDIAN_SQL["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    rows = conn.execute(sql, {"org": org_id, "s": s, "e": e, "ps": ps, "pe": pe,
                              "lo": min(s, ps), "hi": max(e, pe)}).all()
    return {int(r[0]): round(float(r[1]), 1) for r in rows if r[1] is not None}


_UNIT_SECTOR = ("SELECT u.id AS uid, sec.id AS sid FROM unit u JOIN unit sec ON sec.parent_id IS NULL "
                "AND sec.org_id = u.org_id AND u.id_path LIKE sec.id_path || '%' WHERE u.org_id = :org")
_MEDIAN_GROUPS = (
    "g AS (SELECT us.sid AS g, d.d FROM us JOIN d ON us.uid = d.unit_id WHERE d.cur = 1"
    " UNION ALL SELECT -1, d FROM d WHERE cur = 1 UNION ALL SELECT -2, d FROM d WHERE prv = 1)")
_MEDIAN_BINDS = [bindparam(k, type_=A.c.closed_at.type) for k in ("s", "e", "ps", "pe", "lo", "hi")]
_MEDIAN_SQL = {
    "sqlite": text(
        f"WITH us AS MATERIALIZED ({_UNIT_SECTOR}),"
        " d AS MATERIALIZED (SELECT unit_id, CASE WHEN closed_at >= :s AND closed_at < :e THEN 1 ELSE 0 END AS cur,"
        " CASE WHEN closed_at >= :ps AND closed_at < :pe THEN 1 ELSE 0 END AS prv,"
        " julianday(closed_at) - julianday(created_at) AS d FROM avvik"
        " WHERE org_id = :org AND closed_at >= :lo AND closed_at < :hi),"
        f" {_MEDIAN_GROUPS}"
        " SELECT g, AVG(d) FROM (SELECT g, d, ROW_NUMBER() OVER (PARTITION BY g ORDER BY d) AS rn,"
        " COUNT(*) OVER (PARTITION BY g) AS n FROM g) AS r WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY g"
    ).bindparams(*_MEDIAN_BINDS),
    "postgresql": text(
        f"WITH us AS MATERIALIZED ({_UNIT_SECTOR}),"
        " d AS MATERIALIZED (SELECT unit_id, CASE WHEN closed_at >= :s AND closed_at < :e THEN 1 ELSE 0 END AS cur,"
        " CASE WHEN closed_at >= :ps AND closed_at < :pe THEN 1 ELSE 0 END AS prv,"
        " extract(epoch FROM closed_at - created_at) / 86400.0 AS d FROM avvik"
        " WHERE org_id = :org AND closed_at >= :lo AND closed_at < :hi),"
        f" {_MEDIAN_GROUPS}"
        " SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM g GROUP BY g"
    ).bindparams(*_MEDIAN_BINDS),
}


def avvik_per_month_by_unit(session: Session, org_id: int, months: list[Period],
                            tz_name: str) -> list[tuple[int, int, int]]:
    """New avvik per (month index, unit) over consecutive months: one range scan of the created index."""
    bounds = [m.bounds_utc(tz_name) for m in months]
    params: dict[str, Any] = {f"m{i}": b[1] for i, b in enumerate(bounds)}
    params.update(org=org_id, lo=bounds[0][0], hi=bounds[-1][1])
    return [(r[0], r[1], r[2]) for r in _conn(session).execute(_per_month_stmt(len(bounds)), params).all()]


def chart_months(period: Period) -> list[Period]:
    """Twelve months ending with the period (a year: its own months), so every chart reads as a year."""
    last = period.months()[-1]
    out = []
    y, m = last.year, last.index
    for _ in range(12):
        out.append(Period("month", y, m))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return list(reversed(out))


# --------------------------------------------------------------------------- checklists

def checklist_answered_by_unit(session: Session, org_id: int, keys: list[str]) -> list[tuple[int, int, int]]:
    """Per unit: answers to active items in active templates' runs for these period keys, and how many «nei».

    Counted per (unit, item) first — a sequential read of each run's answers in the covering
    (run_id, item_id, answer) index — then only those few aggregate rows are joined to the items.
    """
    rows = _conn(session).execute(_checklist_answered_stmt(), {"org": org_id, "keys": list(keys)}).all()
    return [(r[0], int(r[1]), int(r[2] or 0)) for r in rows]


def checklist_items_per_recurrence(session: Session, org_id: int) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in _conn(session).execute(_items_per_recurrence_stmt(), {"org": org_id}).all()}


def units_expected_to_answer(session: Session, org_id: int) -> set[int]:
    """Units with a leder: the checklists are the leader's to answer."""
    return {r[0] for r in _conn(session).execute(_units_expected_stmt(), {"org": org_id}).all()}


# --------------------------------------------------------------------------- oppdrag

def oppdrag_by_category(session: Session, org_id: int, today: date, tz_name: str) -> list[tuple[str, str, str, int]]:
    params = {"org": org_id, "today": today, "soon": today + timedelta(days=30),
              "stale_cutoff": _stale_cutoff(today, tz_name)}
    return [(r[0], r[1], r[2], int(r[3])) for r in _conn(session).execute(_oppdrag_stmt(), params).all()]


# --------------------------------------------------------------------------- varsling

def _find_varsling_counts() -> Callable[..., Any] | None:
    """`varsling_counts` from models/services/varsling*.py, if that feature is installed."""
    return _discover_varsling_counts()


@cache
def _discover_varsling_counts() -> Callable[..., Any] | None:
    """The module scan behind `_find_varsling_counts`, done once per process (installed code
    does not change while it runs)."""
    import models.services as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("varsling"):
            continue
        try:
            mod = importlib.import_module(f"models.services.{info.name}")
        except Exception:  # noqa: BLE001 - another feature's module must not stop the summary
            log.warning("could not import models.services.%s", info.name, exc_info=True)
            continue
        fn = getattr(mod, "varsling_counts", None)
        if callable(fn):
            return fn
    return None


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            label = VARSLING_LABELS.get(str(k), str(k))
            _flatten(f"{prefix} – {label}" if prefix else label, v, out)
    else:
        out[prefix] = value


VARSLING_LABELS = {"mottatt": "Mottatt", "avsluttet": "Avsluttet", "apne": "Åpne ved periodens slutt",
                   "frist_oversittet": "Frist oversittet"}


def varsling_figures(session: Session, org_id: int, start: date, end: date) -> dict[str, str] | None:
    """Counts only, every count under 5 (0 included) shown as «færre enn 5»; None when absent.

    `start`/`end` are the period's local dates (end exclusive): varsler are dated, not timed.
    """
    fn = _find_varsling_counts()
    if fn is None:
        return None
    try:
        raw = fn(session=session, org_id=org_id, start=start, end=end)
    except Exception:  # noqa: BLE001
        log.warning("varsling_counts failed; the summary leaves varsling out", exc_info=True)
        return None
    flat: dict[str, Any] = {}
    _flatten("", raw or {}, flat)
    out: dict[str, str] = {}
    for k, v in flat.items():
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            out[k] = str(suppress_small(v, include_zero=True))
        elif isinstance(v, str) and not v.strip().isdigit():
            out[k] = v
        elif isinstance(v, str):
            out[k] = str(suppress_small(int(v), include_zero=True))
    return out


# --------------------------------------------------------------------------- the summary

def _pct_change(now: int, before: int) -> float | None:
    return round((now - before) * 100.0 / before, 1) if before else None


def build_summary(*, session: Session, org_id: int, period: Period | str, tz_name: str = "Europe/Oslo",
                  now: datetime | None = None) -> Summary:
    """All figures of one period's summary, before rendering.

    The figures are summed in plain ints and dicts and the result models are made with
    `model_construct`: every value comes from our own SQL aggregates with the declared types,
    so pydantic validation (and per-increment `__setattr__` on models) would only add time.
    """
    if isinstance(period, str):
        period = parse_period(period)
    now = now or utcnow()
    today = local_date(now, tz_name)
    as_of = min(today, period.end_date() - timedelta(days=1))
    org_name = _conn(session).execute(_org_name_stmt(), {"org": org_id}).scalar()
    start, end = period.bounds_utc(tz_name)
    prev_period = period.previous()
    pstart, pend = prev_period.bounds_utc(tz_name)
    units = unit_directory(session, org_id)

    def unit_info(uid: int) -> tuple[str, int, str]:
        return units.get(uid) or (f"enhet {uid}", uid, f"enhet {uid}")

    # avvik by unit, and the sector/organisation totals they add up to
    status_rows = avvik_status_by_unit(session, org_id, (start, end), (pstart, pend))
    cat_rows, status_band_rows = avvik_new_aggregates(session, org_id, start, end)
    unit_cats: dict[int, dict[str, int]] = {}
    by_category = dict.fromkeys(AVVIK_CATEGORIES, 0)
    for uid, cat, n in cat_rows:
        unit_cats.setdefault(uid, {})[cat] = n
        by_category[cat] = by_category.get(cat, 0) + n
    tot = [0, 0, 0, 0, 0, 0]  # new, closed, open at end; the same for the previous period
    sectors: dict[int, list[Any]] = {}  # sector id → [name, new, closed, open at end]
    sector_cats: dict[int, dict[str, int]] = {}
    by_unit: list[UnitAvvik] = []
    for row in status_rows:
        uid, new, closed, open_end = row[0], row[1], row[2], row[3]
        for i in range(6):
            tot[i] += row[i + 1]
        name, sid, sname = unit_info(uid)
        sec = sectors.get(sid)
        if sec is None:
            sec = sectors[sid] = [sname, 0, 0, 0]
        sec[1] += new
        sec[2] += closed
        sec[3] += open_end
        cats = unit_cats.get(uid, {})
        if cats:
            scats = sector_cats.setdefault(sid, {})
            for cat, n in cats.items():
                scats[cat] = scats.get(cat, 0) + n
        if new or closed or open_end:
            by_unit.append(UnitAvvik.model_construct(unit_id=uid, unit=name, sector=sname, new=new, closed=closed,
                                                     open_at_end=open_end, categories=suppress_row(cats)))
    medians = medians_days_to_close(session, org_id, (start, end), (pstart, pend))
    totals = Totals.model_construct(new=tot[0], closed=tot[1], open_at_end=tot[2],
                                    median_days_to_close=medians.get(MEDIAN_ALL))
    prev = Totals.model_construct(new=tot[3], closed=tot[4], open_at_end=tot[5],
                                  median_days_to_close=medians.get(MEDIAN_PREV))
    by_sector = sorted(
        (SectorAvvik.model_construct(sector_id=sid, sector=sname, new=new, closed=closed, open_at_end=open_end,
                                     median_days_to_close=medians.get(sid),
                                     categories=suppress_row(sector_cats.get(sid, {})))
         for sid, (sname, new, closed, open_end) in sectors.items() if new or closed or open_end),
        key=lambda s: s.sector)
    by_unit.sort(key=lambda u: (u.sector, u.unit))

    by_risk = dict.fromkeys(RISK_BANDS, 0)
    by_status = dict.fromkeys(AVVIK_STATUSES, 0)
    for st, b, n in status_band_rows:
        by_risk[b] = by_risk.get(b, 0) + n
        by_status[st] = by_status.get(st, 0) + n

    trend = Trend.model_construct(
        previous_key=prev_period.key, previous_label=prev_period.label, previous=prev,
        new_change=totals.new - prev.new, closed_change=totals.closed - prev.closed,
        open_change=totals.open_at_end - prev.open_at_end, new_change_pct=_pct_change(totals.new, prev.new))

    # checklists: answered / due for the runs whose period lies inside this one
    keys = checklist_keys(period)
    due_keys = [k for k in keys if _key_started(k, as_of)]
    per_rec = checklist_items_per_recurrence(session, org_id)
    due_per_unit = sum(per_rec.get(parse_period(k).kind, 0) for k in due_keys)
    answered = {uid: (n, nei) for uid, n, nei in checklist_answered_by_unit(session, org_id, due_keys)} if due_keys else {}
    expected = units_expected_to_answer(session, org_id) | set(answered)
    checklists = []
    for uid in expected:
        name, _sid, sname = unit_info(uid)
        n, nei = answered.get(uid, (0, 0))
        checklists.append(ChecklistCompletion.model_construct(
            unit_id=uid, unit=name, sector=sname, due=due_per_unit, answered=n, nei=nei,
            completion_pct=round(min(n, due_per_unit) * 100.0 / due_per_unit, 1) if due_per_unit else None))
    checklists.sort(key=lambda c: (c.sector, c.unit))
    c_due = due_per_unit * len(checklists)
    c_ans = sum(min(c.answered, due_per_unit) for c in checklists)

    # oppdrag by category, status and trafikklys
    opp: dict[str, tuple[list[int], dict[str, int], dict[str, int]]] = {}
    lights = {"gronn": 0, "gul": 0, "rod": 0, "ingen": 0}
    for cat, st, light, n in oppdrag_by_category(session, org_id, as_of, tz_name):
        oc = opp.get(cat)
        if oc is None:
            oc = opp[cat] = ([0], {}, {})
        oc[0][0] += n
        oc[1][st] = oc[1].get(st, 0) + n
        oc[2][light] = oc[2].get(light, 0) + n
        lights[light] = lights.get(light, 0) + n
    oppdrag = [OppdragCategory.model_construct(category=cat, total=t[0], by_status=bs, by_light=bl)
               for cat, (t, bs, bl) in sorted(opp.items())]

    # chart series: new avvik per month per sector
    months = chart_months(period)
    series: dict[str, list[int]] = {}
    for i, uid, n in avvik_per_month_by_unit(session, org_id, months, tz_name):
        sname = unit_info(uid)[2]
        s = series.get(sname)
        if s is None:
            s = series[sname] = [0] * len(months)
        s[i] += n

    return Summary.model_construct(
        org_id=org_id, org_name=org_name or "", period_key=period.key, period_kind=period.kind,
        period_label=period.label, start_utc=start, end_utc=end, as_of=as_of, generated_at=now,
        totals=totals, trend=trend, by_sector=by_sector, by_unit=by_unit, by_category=by_category,
        by_risk=by_risk, by_status=by_status, checklist_keys=keys, checklists=checklists, checklist_due=c_due,
        checklist_answered=c_ans, checklist_completion_pct=round(c_ans * 100.0 / c_due, 1) if c_due else None,
        oppdrag=oppdrag, oppdrag_lights=lights, oppdrag_total=sum(t[0][0] for t in opp.values()),
        varsling=varsling_figures(session, org_id, period.start_date(), period.end_date()),
        series=MonthSeries.model_construct(
            months=[m.key for m in months],
            labels=[f"{SHORT_MONTHS[m.index - 1]} {m.year % 100:02d}" for m in months],
            sectors=dict(sorted(series.items()))),
    )


__all__ = ["build_summary", "checklist_keys", "risk_band_expr", "traffic_light_expr"]

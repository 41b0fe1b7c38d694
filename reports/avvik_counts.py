"""Avvik counts of a summary from the pre-aggregated monthly counters, exact to the instant.

The counters (`models.tables.summary_counts`, kept by triggers) hold avvik reported and closed per
unit, UTC calendar month and category, by status and risk, and open now per unit. A summary's
bounds are local midnights (Europe/Oslo), an hour or two off the UTC month starts, so each bound
`t` is taken to its nearest UTC month start M and corrected from the base table:

    count[t, …) = counters[M, …) + rows in [t, M)     (or − rows in [M, t) when M < t)

The corrections are range scans of an hour or two on the created and closed indexes, one
statement for every bound of the summary. «Open at t» = open now − reported since t + closed
since t, so it reads the counters from the period on, never the history before it. Assumes an
avvik is never closed before it was reported (the service stamps closed_at at the close).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import String, case, cast, func, literal, select, union_all
from sqlmodel import Session

from models.tables.summary_counts import AvvikMonth, AvvikMonthStatus, AvvikOpen
from reports.sql import A, between, conn, param, table
from reports.summary import RISK_BANDS

AM, AMS, AO = table(AvvikMonth), table(AvvikMonthStatus), table(AvvikOpen)


def month_key(t: datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}"


def nearest_month_start(t: datetime) -> datetime:
    """The UTC month start nearest to `t` (local midnight on the 1st is an hour or two before it)."""
    t = t.astimezone(UTC)
    lo = datetime(t.year, t.month, 1, tzinfo=UTC)
    hi = datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=UTC)
    return lo if t - lo <= hi - t else hi


def band(risk: int) -> str:
    """The ROS band of a risk score, as `reports.avvik.risk_band_expr` says it in SQL."""
    return RISK_BANDS[0] if risk <= 4 else RISK_BANDS[1] if risk <= 9 else RISK_BANDS[2] if risk <= 16 else RISK_BANDS[3]


@dataclass
class Edges:
    """The base-table corrections of every bound: signed counts of the rows between it and its month start."""

    new: dict[datetime, Counter[tuple[int, str, str, int]]]  # bound → (unit, category, status, risk) → ±n
    closed: dict[datetime, Counter[int]]  # bound → unit → ±n

    def new_by(self, t: datetime, key: Any) -> Counter[Any]:
        out: Counter[Any] = Counter()
        for k, n in self.new[t].items():
            out[key(k)] += n
        return out


@cache
def _edges_stmt(n: int) -> Any:
    """Reported and closed avvik in each of `n` windows [lo_i, hi_i): index range scans of an hour or two."""
    org, z = param("org"), literal(0)
    branches = []
    for i in range(n):
        lo, hi = param(f"lo{i}", A.c.created_at), param(f"hi{i}", A.c.created_at)
        branches.append(select(literal(i).label("w"), literal("c").label("k"), A.c.unit_id, A.c.category, A.c.status,
                               A.c.risk, func.count().label("n"))
                        .where(A.c.org_id == org, between(A.c.created_at, lo, hi))
                        .group_by(A.c.unit_id, A.c.category, A.c.status, A.c.risk))
        branches.append(select(literal(i), literal("x"), A.c.unit_id, literal(""), literal(""), z, func.count())
                        .where(A.c.org_id == org, between(A.c.closed_at, lo, hi)).group_by(A.c.unit_id))
    return union_all(*branches)


def fetch_edges(session: Session, org_id: int, bounds: list[datetime]) -> Edges:
    """The corrections for these bounds, in one statement."""
    params: dict[str, Any] = {"org": org_id}
    signs = []
    for i, t in enumerate(bounds):
        m = nearest_month_start(t)
        lo, hi, sign = (t, m, 1) if m >= t else (m, t, -1)
        params[f"lo{i}"], params[f"hi{i}"] = lo, hi
        signs.append(sign)
    edges = Edges({t: Counter() for t in bounds}, {t: Counter() for t in bounds})
    for w, k, uid, cat, status, risk, n in conn(session).execute(_edges_stmt(len(bounds)), params).all():
        t = bounds[w]
        if k == "c":
            edges.new[t][(uid, cat, status, int(risk))] += signs[w] * n
        else:
            edges.closed[t][uid] += signs[w] * n
    return edges


def keys(*bounds: datetime) -> dict[str, str]:
    return {f"k{i}": month_key(nearest_month_start(t)) for i, t in enumerate(bounds)}


@cache
def _status_stmt() -> Any:
    """Per unit: reported and closed in [k0, k1) and [k2, k3), and closed − reported from k1 and from k3 on."""
    m, k = AM.c.month, [param(f"k{i}") for i in range(4)]

    def within(lo: Any, hi: Any, col: Any) -> Any:
        return func.sum(case(((m >= lo) & (m < hi), col), else_=0))

    def since(lo: Any) -> Any:
        return func.sum(case((m >= lo, AM.c.n_closed - AM.c.n_new), else_=0))

    return (select(AM.c.unit_id, within(k[0], k[1], AM.c.n_new), within(k[0], k[1], AM.c.n_closed), since(k[1]),
                   within(k[2], k[3], AM.c.n_new), within(k[2], k[3], AM.c.n_closed), since(k[3]))
            .where(AM.c.org_id == param("org"), m >= param("kmin"))
            .group_by(AM.c.unit_id))


@cache
def _open_stmt() -> Any:
    return select(AO.c.unit_id, AO.c.n).where(AO.c.org_id == param("org"))


def status_by_unit(session: Session, org_id: int, cur: tuple[datetime, datetime], prev: tuple[datetime, datetime],
                   edges: Edges) -> dict[int, list[int]]:
    """unit → [new, closed, open at end, previous new, previous closed, previous open at end]."""
    (s, e), (ps, pe) = cur, prev
    c = conn(session)
    out: dict[int, list[int]] = {}
    for uid, n in c.execute(_open_stmt(), {"org": org_id}).all():
        out[uid] = [0, 0, int(n), 0, 0, int(n)]
    k = keys(s, e, ps, pe)
    params: dict[str, Any] = {"org": org_id, "kmin": min(k["k0"], k["k2"]), **k}
    for uid, *v in c.execute(_status_stmt(), params).all():
        row = out.setdefault(uid, [0] * 6)
        for i, x in enumerate(v):
            row[i] += int(x or 0)
    new = {t: edges.new_by(t, lambda k: k[0]) for t in (s, e, ps, pe)}
    for off, (lo, hi) in ((0, (s, e)), (3, (ps, pe))):
        for uid in set(new[lo]) | set(new[hi]) | set(edges.closed[lo]) | set(edges.closed[hi]):
            row = out.setdefault(uid, [0] * 6)
            row[off] += new[lo][uid] - new[hi][uid]
            row[off + 1] += edges.closed[lo][uid] - edges.closed[hi][uid]
            row[off + 2] += edges.closed[hi][uid] - new[hi][uid]
    return out


@cache
def _new_stmt() -> Any:
    """Reported in [k0, k1): per (unit, category) and per (status, risk); and per (month, unit) from k2 to k3."""
    org, k = param("org"), [param(f"k{i}") for i in range(4)]
    return union_all(
        select(literal("u").label("t"), literal("").label("month"), cast_str(AM.c.unit_id), AM.c.category, func.sum(AM.c.n_new))
        .where(AM.c.org_id == org, AM.c.month >= k[0], AM.c.month < k[1]).group_by(AM.c.unit_id, AM.c.category),
        select(literal("s"), literal(""), AMS.c.status, cast_str(AMS.c.risk), func.sum(AMS.c.n))
        .where(AMS.c.org_id == org, AMS.c.month >= k[0], AMS.c.month < k[1]).group_by(AMS.c.status, AMS.c.risk),
        select(literal("m"), AM.c.month, cast_str(AM.c.unit_id), literal(""), func.sum(AM.c.n_new))
        .where(AM.c.org_id == org, AM.c.month >= k[2], AM.c.month < k[3]).group_by(AM.c.month, AM.c.unit_id),
    )


def cast_str(col: Any) -> Any:
    return cast(col, String)


@dataclass
class NewCounts:
    by_unit_category: Counter[tuple[int, str]]
    by_status_band: Counter[tuple[str, str]]
    per_month: Counter[tuple[int, int]]  # (month index in the chart, unit) → n


def new_counts(session: Session, org_id: int, cur: tuple[datetime, datetime], chart: list[tuple[datetime, datetime]],
               edges: Edges) -> NewCounts:
    """Reported in the period per (unit, category) and per (status, band), and per chart month and unit."""
    s, e = cur
    bounds = [b[0] for b in chart] + [chart[-1][1]]
    out = NewCounts(Counter(), Counter(), Counter())
    starts = [month_key(nearest_month_start(b)) for b in bounds]
    params = {"org": org_id, **keys(s, e, bounds[0], bounds[-1])}
    for t, month, a, b, n in conn(session).execute(_new_stmt(), params).all():
        if t == "u":
            out.by_unit_category[(int(a), b)] += int(n)
        elif t == "s":
            out.by_status_band[(a, band(int(b)))] += int(n)
        else:
            out.per_month[(bisect_right(starts, month) - 1, int(a))] += int(n)
    for t, sign in ((s, 1), (e, -1)):
        for (uid, cat, status, risk), n in edges.new[t].items():
            out.by_unit_category[(uid, cat)] += sign * n
            out.by_status_band[(status, band(risk))] += sign * n
    for i, t in enumerate(bounds):
        for (uid, _c, _s, _r), n in edges.new[t].items():
            if i < len(chart):
                out.per_month[(i, uid)] += n
            if i > 0:
                out.per_month[(i - 1, uid)] -= n
    return out

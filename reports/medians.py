"""Median days from report to close, per sector and overall: one range scan of the closed index.

A median is not additive, so it is not pre-aggregated: it reads the avvik closed in the period
and in the previous one (never older history), from the covering (org, closed_at, unit, created)
index. PostgreSQL has `percentile_cont(0.5)`. SQLite has no ordered-set aggregates, and its
window functions sorted every row once per group (1.2 s for a year at 2× the demo data), so
SQLite hands the durations (computed in SQL, the same doubles) to Python, which sorts each group
once and averages the middle one or two, as the window query did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from reports.sql import A, conn

MEDIAN_ALL, MEDIAN_PREV = -1, -2  # group ids of the overall medians beside the sector ids

_UNIT_SECTOR = ("SELECT u.id AS uid, sec.id AS sid FROM unit u JOIN unit sec ON sec.parent_id IS NULL "
                "AND sec.org_id = u.org_id AND u.id_path LIKE sec.id_path || '%' WHERE u.org_id = :org")
_CLOSED = ("d AS MATERIALIZED (SELECT unit_id, CASE WHEN closed_at >= :s AND closed_at < :e THEN 1 ELSE 0 END AS cur,"
           " CASE WHEN closed_at >= :ps AND closed_at < :pe THEN 1 ELSE 0 END AS prv,"
           " {days} AS d FROM avvik WHERE org_id = :org AND closed_at >= :lo AND closed_at < :hi)")
_GROUPS = (
    "g AS (SELECT us.sid AS g, d.d FROM us JOIN d ON us.uid = d.unit_id WHERE d.cur = 1"
    " UNION ALL SELECT -1, d FROM d WHERE cur = 1 UNION ALL SELECT -2, d FROM d WHERE prv = 1)")
_BINDS = [bindparam(k, type_=A.c.closed_at.type) for k in ("s", "e", "ps", "pe", "lo", "hi")]
_PG = text(
    f"WITH us AS MATERIALIZED ({_UNIT_SECTOR}), "
    + _CLOSED.format(days="extract(epoch FROM closed_at - created_at) / 86400.0")
    + f", {_GROUPS}"
    " SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM g GROUP BY g"
).bindparams(*_BINDS)


SQLITE_DAYS = ("SELECT unit_id, julianday(closed_at) - julianday(created_at) FROM avvik"
                " WHERE org_id = ? AND closed_at >= ? AND closed_at < ?")


def _median(values: list[float]) -> float:
    values.sort()
    n = len(values)
    return values[(n - 1) // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def stored_instant(t: datetime) -> str:
    """An instant as SQLAlchemy stores it in SQLite (UTC, no offset), for the bare cursor."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_medians(c: Any, org_id: int, cur: tuple[datetime, datetime], prev: tuple[datetime, datetime],
                    sectors: dict[int, int]) -> dict[int, float]:
    """On the bare sqlite3 cursor of the session's connection (same transaction): a row object per
    avvik through SQLAlchemy's result machinery cost as much as the scan itself."""
    cursor = c.connection.dbapi_connection.cursor()
    groups: dict[int, list[float]] = {}
    rows = cursor.execute(SQLITE_DAYS, (org_id, stored_instant(cur[0]), stored_instant(cur[1]))).fetchall()
    for uid, d in rows:
        sid = sectors.get(uid)
        if sid is not None:
            groups.setdefault(sid, []).append(d)
    if rows:
        groups[MEDIAN_ALL] = [d for _uid, d in rows]
    before = [d for _uid, d in cursor.execute(SQLITE_DAYS, (org_id, stored_instant(prev[0]), stored_instant(prev[1]))).fetchall()]
    if before:
        groups[MEDIAN_PREV] = before
    cursor.close()
    return {g: round(_median(v), 1) for g, v in groups.items()}


def medians_days_to_close(session: Session, org_id: int, cur: tuple[datetime, datetime],
                          prev: tuple[datetime, datetime], sectors: dict[int, int]) -> dict[int, float]:
    """Median days from report to close of the avvik closed in a period: per sector and overall
    for this period, overall for the previous one — range scans of the closed index over the two periods.

    Keys: sector ids, MEDIAN_ALL, MEDIAN_PREV. `sectors`: unit id → sector id (the summary's unit directory).
    """
    (s, e), (ps, pe) = cur, prev
    c = conn(session)
    if c.dialect.name != "postgresql":
        return _sqlite_medians(c, org_id, cur, prev, sectors)
    params = {"org": org_id, "s": s, "e": e, "ps": ps, "pe": pe, "lo": min(s, ps), "hi": max(e, pe)}
    rows = c.execute(_PG, params).all()
    return {int(r[0]): round(float(r[1]), 1) for r in rows if r[1] is not None}

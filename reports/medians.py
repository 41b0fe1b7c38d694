"""Median days from report to close, per sector and overall, in one statement per dialect.

PostgreSQL has `percentile_cont(0.5)`. SQLite has no ordered-set aggregates: the middle one
or two rows of each group (ROW_NUMBER/COUNT windows), averaged. The unit→sector map (a
hundred rows) is materialised once, not re-derived per avvik.
"""

from __future__ import annotations

from datetime import datetime

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
_SQL = {
    "sqlite": text(
        f"WITH us AS MATERIALIZED ({_UNIT_SECTOR}), "
        + _CLOSED.format(days="julianday(closed_at) - julianday(created_at)")
        + f", {_GROUPS}"
        " SELECT g, AVG(d) FROM (SELECT g, d, ROW_NUMBER() OVER (PARTITION BY g ORDER BY d) AS rn,"
        " COUNT(*) OVER (PARTITION BY g) AS n FROM g) AS r WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY g"
    ).bindparams(*_BINDS),
    "postgresql": text(
        f"WITH us AS MATERIALIZED ({_UNIT_SECTOR}), "
        + _CLOSED.format(days="extract(epoch FROM closed_at - created_at) / 86400.0")
        + f", {_GROUPS}"
        " SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM g GROUP BY g"
    ).bindparams(*_BINDS),
}


def medians_days_to_close(session: Session, org_id: int, cur: tuple[datetime, datetime],
                          prev: tuple[datetime, datetime]) -> dict[int, float]:
    """Median days from report to close of the avvik closed in a period: per sector and overall
    for this period, overall for the previous one — one statement, one range scan.

    Keys: sector ids, MEDIAN_ALL, MEDIAN_PREV.
    """
    (s, e), (ps, pe) = cur, prev
    c = conn(session)
    sql = _SQL["postgresql" if c.dialect.name == "postgresql" else "sqlite"]
    rows = c.execute(sql, {"org": org_id, "s": s, "e": e, "ps": ps, "pe": pe,
                           "lo": min(s, ps), "hi": max(e, pe)}).all()
    return {int(r[0]): round(float(r[1]), 1) for r in rows if r[1] is not None}

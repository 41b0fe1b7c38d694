"""Styringskort speed: the whole-kommune card against one hand-written SQL query, same run.

Scales: demo (11 units × 20 indicators × 24 months) and large (200 units × 40 indicators × 36 months).
Every unit reports every indicator; a quarter of the indicators are staff-weighted, a quarter summed.

    .venv/bin/python bench/styringskort.py [--db sqlite|postgresql|both] [--scale demo|large|both] [--repeat 15]

Figures are medians after one warm-up, the two sides alternating. The raw side computes the same
figures (per indicator: target of the year, sum, mean, count and staff-weighted sum for the
card's period and the one before) with one statement through the bare DB-API cursor.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models.periods import Period  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCALES = {"demo": (11, 20, 24), "large": (200, 40, 36)}
RAW = """
SELECT i.id, i.name, p.name, g.title, t.target, t.red_limit, v.period,
       sum(v.value), avg(v.value), count(v.value), sum(v.value * coalesce(w.n, 0)), sum(coalesce(w.n, 0))
FROM indicator i
JOIN plan_goal g ON g.id = i.goal_id
JOIN plan_perspective p ON p.id = g.perspective_id
LEFT JOIN indicator_target t ON t.indicator_id = i.id AND t.year = %(year)s
LEFT JOIN indicator_value v ON v.indicator_id = i.id AND v.org_id = %(org)s AND v.period IN (%(cur)s, %(prev)s)
LEFT JOIN (SELECT unit_id, count(*) AS n FROM person WHERE org_id = %(org)s AND active GROUP BY unit_id) w
       ON w.unit_id = v.unit_id
WHERE i.org_id = %(org)s AND i.active
GROUP BY i.id, i.name, p.name, g.title, t.target, t.red_limit, v.period, p.position, i.position
ORDER BY p.position, i.position
"""


def build(engine, n_units: int, n_ind: int, n_months: int) -> int:  # type: ignore[no-untyped-def]
    """The kommune, its plan and every value, by bulk insert."""
    from models.services import org as org_svc
    from models.services.plan import IndicatorSpec, upsert_indicator
    from models.tables import IndicatorValue, Organisation, Person

    rnd = random.Random(7)
    with Session(engine) as s:
        o = Organisation(slug=f"bench{n_units}", name="Benchkommune")
        s.add(o)
        s.flush()
        oid = int(o.id or 0)
        units = [int(org_svc.ensure_unit_path(s, org_id=oid, path=f"Sektor {u % 10}/Enhet {u}").id or 0)
                 for u in range(n_units)]
        s.execute(insert(Person.__table__), [  # type: ignore[attr-defined]
            {"org_id": oid, "email": f"p{u}.{k}@b.no", "name": "P", "unit_id": uid, "active": True,
             "created_at": T0, "updated_at": T0}
            for u, uid in enumerate(units) for k in range(rnd.randint(5, 40))])
        for k in range(n_ind):
            for year in (2025, 2026, 2027):
                upsert_indicator(s, org_id=oid, position=k, spec=IndicatorSpec(
                    perspective=["Tjenestekvalitet", "Medarbeidere", "Økonomi"][k % 3], goal=(f"Mål {k % 6}",),
                    name=f"Indikator {k}", measure="%", direction="hoy" if k % 2 else "lav", frequency="month",
                    rollup=["mean", "weighted", "sum", "mean"][k % 4], unit_ids=tuple(units), year=year,
                    target=90, red_limit=80))
        ids = [int(i) for i in s.execute(text("SELECT id FROM indicator WHERE org_id = :o"), {"o": oid}).scalars()]
        months = [Period("month", 2025 + m // 12, m % 12 + 1).key for m in range(n_months)]
        rows = [{"org_id": oid, "indicator_id": i, "unit_id": u, "period": m, "value": rnd.uniform(70, 100),
                 "entered_at": T0} for i in ids for u in units for m in months]
        for start in range(0, len(rows), 20_000):
            s.execute(insert(IndicatorValue.__table__), rows[start:start + 20_000])  # type: ignore[attr-defined]
        s.commit()
        return oid


def run(url: str, scale: str, repeat: int) -> None:
    from models.db import make_engine, read_scope
    from models.migrate import upgrade
    from models.periods import parse_period
    from models.services import styringskort as sk

    upgrade(url)
    engine = make_engine(url)
    n_units, n_ind, n_months = SCALES[scale]
    oid = build(engine, n_units, n_ind, n_months)
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
            c.commit()
    period = Period("month", 2025 + (n_months - 1) // 12, (n_months - 1) % 12 + 1)
    raw_sql = RAW if engine.dialect.name == "postgresql" else RAW.replace("%(", ":").replace(")s", "")
    params = {"org": oid, "year": period.year, "cur": period.key, "prev": period.previous().key}

    def card() -> None:
        with read_scope(engine) as s:
            scope = sk.resolve_scope(s, org_id=oid, kommune=True)
            result = sk.styringskort(session=s, org_id=oid, scope=scope, period=parse_period(period.key))
            assert len(result.rows) == n_ind and all(r.reported == n_units for r in result.rows)

    def raw() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(raw_sql, params)
            assert len(cur.fetchall()) == 2 * n_ind
        finally:
            conn.close()

    times: dict[str, list[float]] = {"card": [], "raw": []}
    card(), raw()
    for _ in range(repeat):
        for name, fn in (("card", card), ("raw", raw)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    c, r = statistics.median(times["card"]) * 1000, statistics.median(times["raw"]) * 1000
    print(f"{engine.dialect.name:10} {scale:5} {n_units}×{n_ind}×{n_months}: card {c:7.1f} ms  raw {r:7.1f} ms  "
          f"ratio {c / r:4.2f}")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--scale", choices=("demo", "large", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    for_each_database(run, a.db, a.scale, a.repeat, prefix="sk")


def for_each_database(run_one: Callable[[str, str, int], None], db: str, scale: str, repeat: int, *,
                      prefix: str) -> None:
    """Run `run_one(url, scale, repeat)` on a fresh SQLite file and/or a fresh PostgreSQL schema per scale."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    for sc in ("demo", "large") if scale == "both" else (scale,):
        if db in ("sqlite", "both"):
            path = tmp / f"trad-bench-{prefix}-{uuid.uuid4().hex[:8]}.db"
            run_one(f"sqlite:///{path}", sc, repeat)
            path.unlink()
        if db in ("postgresql", "both"):
            base = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            schema = f"bench_{prefix}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                run_one(f"{base}?options={quote(f'-csearch_path={schema}')}", sc, repeat)
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()

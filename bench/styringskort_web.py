"""Styringskort over the web: `GET /styringskort` for the whole kommune against the raw SQL query of
bench/styringskort.py, same run, same database.

    .venv/bin/python bench/styringskort_web.py [--db sqlite|postgresql|both] [--scale demo|medium|large|both|all] [--repeat 15]

The page is the card plus its matrix (one rolled-up column per sector) rendered to HTML, through
Starlette's TestClient (no network) with a signed-in kommunedirektør; the session check on every
request is included. Medians after a warm-up, the sides alternating; GET /healthz (one database
round trip through the same client) shows the framework's share.

Two page figures, since the page keeps its card as a memo of the kommune's plan version
(`reports/styringskort_cache.py`): **cold** is the first request after a write (one value changed
through plain SQL before each such request, not timed; the database's trigger moves the version,
so the card is computed and rendered again), **warm** a request with nothing written since the last.

The like-for-like raw side computes the page's figures by hand through the bare DB-API cursor: the
card (`bench/styringskort.RAW`), the matrix (the same sums per sector: `RAW_MATRIX`) and how many
units of each sector report each indicator (`RAW_COUNTS`, for the sectors' targets of summed
indicators). The card-only ratio of the record before is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlmodel import Session  # noqa: E402
from styringskort import RAW, SCALES, build, for_each_database  # noqa: E402

SCALES = {**SCALES, "medium": (60, 30, 36)}  # between demo and large, for how the cost grows

from models.periods import Period  # noqa: E402

#: The bench's tree is sector → unit, so a value's column is its unit's parent (or the unit at the top).
RAW_MATRIX = """
SELECT coalesce(u.parent_id, u.id), v.indicator_id, v.period, sum(v.value), avg(v.value), count(v.value),
       sum(v.value * coalesce(w.n, 0)), sum(coalesce(w.n, 0))
FROM indicator_value v
JOIN unit u ON u.id = v.unit_id
LEFT JOIN (SELECT unit_id, count(*) AS n FROM person WHERE org_id = %(org)s AND active GROUP BY unit_id) w
       ON w.unit_id = v.unit_id
WHERE v.org_id = %(org)s AND v.period IN (%(cur)s, %(prev)s)
GROUP BY coalesce(u.parent_id, u.id), v.indicator_id, v.period
"""
RAW_COUNTS = """
SELECT coalesce(u.parent_id, u.id), iu.indicator_id, count(*)
FROM indicator_unit iu JOIN unit u ON u.id = iu.unit_id JOIN indicator i ON i.id = iu.indicator_id
WHERE i.org_id = %(org)s AND i.active
GROUP BY coalesce(u.parent_id, u.id), iu.indicator_id
"""


def _signed_in_client(app, engine, org_id: int):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from models.services import web_auth
    from models.tables import Person, PersonRole

    with Session(engine) as s:
        p = Person(org_id=org_id, email="direktor@bench.no", name="Dina Direktør")
        s.add(p)
        s.flush()
        s.add(PersonRole(org_id=org_id, person_id=int(p.id or 0), role="kommunedirektør"))
        s.commit()
        link = web_auth.issue_link(session=s, person_id=int(p.id or 0), public_base_url="http://testserver")
        cookie, _ = web_auth.redeem_link(session=s, token=link.split("t=", 1)[1])
    c = TestClient(app)
    c.cookies.set("trad_web", cookie)
    return c


def run(url: str, scale: str, repeat: int) -> None:
    from bot.main import create_app
    from models.db import make_engine
    from models.migrate import upgrade
    from models.settings import Settings

    upgrade(url)
    engine = make_engine(url)
    n_units, n_ind, n_months = SCALES[scale]
    oid = build(engine, n_units, n_ind, n_months)
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.commit()
    period = Period("month", 2025 + (n_months - 1) // 12, (n_months - 1) % 12 + 1)
    pg = engine.dialect.name == "postgresql"
    raw_sql, raw_matrix, raw_counts = (q if pg else q.replace("%(", ":").replace(")s", "")
                                       for q in (RAW, RAW_MATRIX, RAW_COUNTS))
    n_cols = len({u % 10 for u in range(n_units)})
    params = {"org": oid, "year": period.year, "cur": period.key, "prev": period.previous().key}
    app = create_app(Settings(DATABASE_URL=url, SECRET_KEY="bench-sk-web-Vq4Nz8Lt2Rm6Xc9Pw3Kd7Hs5Jf1Gb", SCHEDULER_ENABLED=False,
                              OUTBOX_WORKER_ENABLED=False, TRAD_ORG=f"bench{n_units}"))
    client = _signed_in_client(app, engine, oid)
    path = f"/styringskort?omfang=kommune&periode={period.key}"

    def page() -> None:
        r = client.get(path)
        assert r.status_code == 200 and r.text.count("<tr><th scope=\"row\">") >= 2 * n_ind, r.text[:500]

    def raw_card() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(raw_sql, params)
            assert len(cur.fetchall()) == 2 * n_ind
        finally:
            conn.close()

    def raw() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(raw_sql, params)
            assert len(cur.fetchall()) == 2 * n_ind
            cur.execute(raw_matrix, params)
            assert len(cur.fetchall()) == 2 * n_ind * n_cols
            cur.execute(raw_counts, params)
            assert len(cur.fetchall()) == n_ind * n_cols
        finally:
            conn.close()

    def healthz() -> None:
        assert client.get("/healthz").status_code == 200

    def write() -> None:
        """One value corrected, as a check-in would (the trigger bumps the plan version)."""
        with engine.begin() as c:
            c.exec_driver_sql(f"UPDATE indicator_value SET value = value + 0.001 WHERE id = "
                              f"(SELECT min(id) FROM indicator_value WHERE org_id = {int(oid)} AND period = '{period.key}')")

    times: dict[str, list[float]] = {"cold": [], "warm": [], "raw": [], "card": [], "healthz": []}
    page(), raw(), raw_card(), healthz()
    for _ in range(repeat):
        write()
        for name, fn in (("cold", page), ("raw", raw), ("warm", page), ("card", raw_card), ("healthz", healthz)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    cold, warm, r, c, h = (statistics.median(times[k]) * 1000 for k in ("cold", "warm", "raw", "card", "healthz"))
    print(f"{engine.dialect.name:10} {scale:6} {n_units}×{n_ind}×{n_months}: GET /styringskort cold {cold:7.1f} ms "
          f"(ratio {cold / r:4.2f})  warm {warm:6.1f} ms (ratio {warm / r:4.2f})  raw card+matrix {r:7.1f} ms  "
          f"(raw card only {c:6.1f} ms: cold / card {cold / c:4.2f}; GET /healthz {h:5.1f} ms)", flush=True)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--scale", choices=("demo", "medium", "large", "both", "all"), default="large")
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="bench-sk-web-"))  # the app writes var/ here
    scales = {"both": ("demo", "large"), "all": ("demo", "medium", "large")}.get(a.scale, (a.scale,))
    for scale in scales:
        for_each_database(run, a.db, scale, a.repeat, prefix="skw")


if __name__ == "__main__":
    main()

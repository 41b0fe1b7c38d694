"""Styringskort over the web: `GET /styringskort` for the whole kommune against the raw SQL query of
bench/styringskort.py, same run, same database.

    .venv/bin/python bench/styringskort_web.py [--db sqlite|postgresql|both] [--scale demo|large|both] [--repeat 15]

The page is the card plus its matrix (one rolled-up column per sector, so 2 + 2 × sectors
statements) rendered to HTML, through Starlette's TestClient (no network) with a signed-in
kommunedirektør; the session check on every request is included. Medians after a warm-up, the
sides alternating; GET /healthz (one database round trip through the same client) shows the framework's share. The raw side is `bench/styringskort.RAW` through the bare DB-API cursor.
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

from models.periods import Period  # noqa: E402


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
    raw_sql = RAW if engine.dialect.name == "postgresql" else RAW.replace("%(", ":").replace(")s", "")
    params = {"org": oid, "year": period.year, "cur": period.key, "prev": period.previous().key}
    app = create_app(Settings(DATABASE_URL=url, SECRET_KEY="bench-sk-web-Vq4Nz8Lt2Rm6Xc9Pw3Kd7Hs5Jf1Gb", SCHEDULER_ENABLED=False,
                              OUTBOX_WORKER_ENABLED=False, TRAD_ORG=f"bench{n_units}"))
    client = _signed_in_client(app, engine, oid)
    path = f"/styringskort?omfang=kommune&periode={period.key}"

    def page() -> None:
        r = client.get(path)
        assert r.status_code == 200 and r.text.count("<tr><th scope=\"row\">") >= 2 * n_ind, r.text[:500]

    def raw() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(raw_sql, params)
            assert len(cur.fetchall()) == 2 * n_ind
        finally:
            conn.close()

    def healthz() -> None:
        assert client.get("/healthz").status_code == 200

    times: dict[str, list[float]] = {"page": [], "raw": [], "healthz": []}
    page(), raw(), healthz()
    for _ in range(repeat):
        for name, fn in (("page", page), ("raw", raw), ("healthz", healthz)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    p, r, h = (statistics.median(times[k]) * 1000 for k in ("page", "raw", "healthz"))
    print(f"{engine.dialect.name:10} {scale:5} {n_units}×{n_ind}×{n_months}: GET /styringskort {p:7.1f} ms  "
          f"raw {r:7.1f} ms  ratio {p / r:4.2f}  (GET /healthz {h:5.1f} ms)", flush=True)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--scale", choices=("demo", "large", "both"), default="large")
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="bench-sk-web-"))  # the app writes var/ here
    for_each_database(run, a.db, a.scale, a.repeat, prefix="skw")


if __name__ == "__main__":
    main()

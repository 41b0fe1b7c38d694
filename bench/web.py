"""Staff web pages: time per request in-process, as ratios against GET /healthz (one DB round trip) in the same run.

    .venv/bin/python bench/web.py [--avvik 500] [--n 200]

SQLite in a temporary directory, the test organisation plus `--avvik` open avvik in the
leader's unit (so /leder renders that many rows). Each figure is the median of `--n`
requests through Starlette's TestClient (no network), so the ratio shows what a page
costs beyond the framework and one database query.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--avvik", type=int, default=500)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="bench-web-"))

    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from bot.main import create_app
    from models.db import get_engine
    from models.migrate import upgrade
    from models.services import avvik as avvik_svc
    from models.services import web_auth
    from models.settings import Settings
    from tests.factories import make_test_org

    url = f"sqlite:///{Path('bench.db').resolve()}"
    upgrade(url)
    engine = get_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        org = make_test_org(s)
        for i in range(args.avvik):
            avvik_svc.report_avvik(session=s, reporter_id=org.people["ansatt"], data=avvik_svc.AvvikInput(
                category="hms", description=f"Avvik nummer {i} i benken", unit_id=org.units["Oppvekst/Aurvoll skole"],
                occurred_at=datetime.now(UTC) - timedelta(days=i % 300), probability=1 + i % 5, consequence=1 + i % 4))
    app = create_app(Settings(DATABASE_URL=url, SECRET_KEY="bench-web-Rt6Yp3Kx9Wm2Qv8Lz5Nc7Hd4Jg1Fs", SCHEDULER_ENABLED=False,
                              OUTBOX_WORKER_ENABLED=False, TRAD_ORG="testkommune"))

    def client_for(key: str) -> TestClient:
        c = TestClient(app)
        with Session(engine) as s:
            link = web_auth.issue_link(session=s, person_id=org.people[key], public_base_url="http://testserver")
        page = c.get(link.replace("http://testserver", ""))
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post("/logg-inn/lenke", data={"t": link.split("t=", 1)[1], "token": token})
        return c

    ansatt, leder = client_for("ansatt"), client_for("leder")
    csrf = re.search(r'name="csrf" value="([^"]+)"', ansatt.get("/").text).group(1)  # type: ignore[union-attr]
    form = {"csrf": csrf, "category": "hms", "unit_id": str(org.units["Oppvekst/Aurvoll skole"]),
            "description": "Benk-avvik", "occurred_at": datetime.now(UTC).date().isoformat(),
            "occurred_at_time": "00:01", "probability": "2", "consequence": "2"}
    counter = iter(range(10**9))

    cases = {
        "GET /healthz (baseline)": lambda: ansatt.get("/healthz"),
        "GET /logg-inn (anonymous)": lambda: TestClient(app).get("/logg-inn"),
        "GET / Mine saker (50 avvik + history)": lambda: ansatt.get("/"),
        "GET /avvik/1 (detail)": lambda: leder.get("/avvik/1"),
        f"GET /leder ({args.avvik} open avvik)": lambda: leder.get("/leder?sorter=risiko"),
        "GET /avvik/ny (form)": lambda: ansatt.get("/avvik/ny"),
        "POST /avvik/ny (report, receipt)": lambda: ansatt.post("/avvik/ny", data={**form, "nonce": f"b{next(counter)}"}),
    }
    results = {}
    for name, fn in cases.items():
        for _ in range(5):
            assert fn().status_code == 200, name
        times = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        results[name] = statistics.median(times)
    base = results["GET /healthz (baseline)"]
    print("| Request | median ms | × baseline |\n|---|---:|---:|")
    for name, t in results.items():
        print(f"| {name} | {t * 1000:.2f} | {t / base:.1f} |")


if __name__ == "__main__":
    main()

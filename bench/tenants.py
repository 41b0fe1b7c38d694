"""Many kommuner in one installation on PostgreSQL (issue 13): Slack acks, nudge fan-out, year summaries.

    .venv/bin/python bench/tenants.py [--size tiny|small|full] [--parts acks,fanout,summaries] [--reuse]
    make bench-tenants        # the full size: 1, 10 and 50 kommuner, up to 100,000 staff and 1,000,000 avvik

Each size builds one schema per kommune count (full: 1, 10 and 50 kommuner of 2,000 staff, 100
leaders and 20,000 avvik each; bench/tenants_data.py) and measures on each:

- acks: signed Slack events spread over the kommuner's workspaces at `--rate`/s, served by
  `trad serve --workers 2`: p50/p99 time to ack, non-2xx, replies (bench/tenants_acks.py);
- fanout: the monthly nudge job for every leader of every kommune, delivered by `--senders`
  processes through a fake Slack that enforces a per-workspace limit (bench/tenants_fanout.py);
- summaries: `build_summary` of year 2026 for every kommune, one after the other.

Every figure is also given as a ratio to the same figure on 1 kommune in the same run (the
growth): "linear in the data or better" means the ratio is at most the ratio of the data (10×, 50×)
for totals, and about 1× for per-request and per-kommune figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tenants_data as td  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/trad_tbench"
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def summaries(urls: dict[int, str], repeat: int = 3) -> list[dict]:
    """The year summary of every kommune of every database, `repeat` rounds.

    The shared machine's load drifts over minutes, so each summary is paired with one of the
    baseline (kommune 1 of the smallest database) timed right after it: the per-kommune
    growth is the median of those pairs' ratios. The total is the sum over the kommuner of
    each one's median time.
    """
    from sqlmodel import Session

    from models.db import make_engine
    from reports import queries

    engines = {k: make_engine(u).execution_options(trad_readonly=True) for k, u in urls.items()}
    base_k = min(engines)

    def one(k: int, org_id: int) -> float:
        t = time.perf_counter()
        with Session(engines[k]) as s:
            queries.build_summary(session=s, org_id=org_id, period="2026", now=NOW)
            s.rollback()
        return (time.perf_counter() - t) * 1000

    for k in engines:  # warm-up: imports, the first connection, the planner's first look
        one(k, 1)
    times: dict[int, dict[int, list[float]]] = {k: {j: [] for j in range(1, k + 1)} for k in engines}
    ratios: dict[int, list[float]] = {k: [] for k in engines}
    for _ in range(repeat):
        for k in engines:
            for j in range(1, k + 1):
                ms = one(k, j)
                times[k][j].append(ms)
                ratios[k].append(ms / one(base_k, 1))
    for e in engines.values():
        e.dispose()
    out = []
    for k in engines:
        med = [statistics.median(v) for v in times[k].values()]
        row = {"kommuner": k, "total_s": round(sum(med) / 1000, 2), "ms_median": round(statistics.median(med), 1),
               "ms_max": round(max(med), 1), "per_kommune_vs_base": round(statistics.median(ratios[k]), 2),
               "repeat": repeat}
        print("summaries", json.dumps(row), flush=True)
        out.append(row)
    return out


def existing(pg: str, schema: str, k_count: int, shape: td.Shape) -> dict | None:
    """A schema left by an earlier run with exactly this data, to reuse with --reuse."""
    from sqlalchemy import create_engine, text

    eng = create_engine(td.schema_url(pg, schema))
    try:
        with eng.connect() as c:
            n_org = c.execute(text("SELECT count(*) FROM organisation")).scalar()
            n_avvik = c.execute(text("SELECT count(*) FROM avvik WHERE number <= :n"), {"n": shape.avvik}).scalar()
    except Exception:  # noqa: BLE001  - no such schema
        return None
    finally:
        eng.dispose()
    if n_org != k_count or n_avvik != k_count * shape.avvik:
        return None
    from models.migrate import upgrade

    upgrade(td.schema_url(pg, schema))  # migrations added since the schema was built
    return {"schema": schema, "url": td.schema_url(pg, schema), "kommuner": k_count, "reused": True,
            "staff": k_count * shape.staff, "leaders": k_count * shape.leaders, "avvik": k_count * shape.avvik}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(td.SIZES), default="small")
    ap.add_argument("--kommuner", default=None, help="kommune counts to measure, e.g. 1,10,50 (default: the size's)")
    ap.add_argument("--parts", default="summaries,acks,fanout")
    ap.add_argument("--pg", default=PG, help="PostgreSQL URL of a database this bench may fill (one schema per count)")
    ap.add_argument("--schema-prefix", default="tb", help="schemas are <prefix>_<size>_<count>")
    ap.add_argument("--reuse", action="store_true", help="keep and reuse schemas built by an earlier run of this size")
    ap.add_argument("--rate", type=float, default=100.0, help="Slack events per second")
    ap.add_argument("--duration", type=float, default=None, help="seconds of measured load per cell")
    ap.add_argument("--users", type=int, default=None, help="distinct Slack users sending (default 20 per kommune of the largest count)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slack", choices=("oauth", "token"), default="oauth",
                    help="oauth: one installation per kommune's workspace; token: one SLACK_BOT_TOKEN (the default kommune)")
    ap.add_argument("--port", type=int, default=8440, help="trad serve's port; the fake Slack of the fan-out uses port+3")
    ap.add_argument("--senders", default="3", help="delivering processes, one fan-out per value")
    ap.add_argument("--scale", type=float, default=0.4,
                    help="Slack's limits × this (0.4: 2 posts/s per workspace, so 50 workspaces ask 100/s in all)")
    ap.add_argument("--rate-per-min", type=float, default=300.0, help="chat.postMessage per minute per workspace, before --scale")
    ap.add_argument("--channel-interval", type=float, default=1.0)
    ap.add_argument("--p429", type=float, default=0.003)
    ap.add_argument("--p5xx", type=float, default=0.002)
    ap.add_argument("--lease", type=float, default=60.0)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--profile", default=None, help="fan-out: run the first deliverer under cProfile, to PREFIX-<kommuner>.prof")
    ap.add_argument("--no-home", action="store_true",
                    help="fan-out diagnostic: deliverers skip the App Home refresh after each DM (not production)")
    ap.add_argument("--reuse-outbox", action="store_true",
                    help="fan-out: deliver what an earlier run's monthly job enqueued (its enqueue time is not re-measured)")
    ap.add_argument("--fanout-timeout", type=float, default=900.0, help="give up a fan-out after this many seconds")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of year summaries (medians are reported)")
    ap.add_argument("--json", default=None, help="write the raw results here")
    a = ap.parse_args()
    counts, shape = td.SIZES[a.size]
    if a.kommuner:
        counts = tuple(int(x) for x in a.kommuner.split(","))
    duration = a.duration or {"tiny": 2.0, "small": 10.0, "full": 30.0}[a.size]
    n_users = a.users or min(shape.staff, 20 * max(counts))
    parts = a.parts.split(",")
    res: dict = {"size": a.size, "shape": vars(shape), "command": "python bench/tenants.py " + " ".join(sys.argv[1:]),
                 "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                 "load_start": Path("/proc/loadavg").read_text().split()[0], "builds": [], "summaries": [], "acks": [],
                 "fanout": []}
    fake = None
    try:
        if "fanout" in parts:
            import tenants_fanout as tf

            fake = tf.start_fake(a.port + 3, a)
        urls = {}
        for k in counts:
            schema = f"{a.schema_prefix}_{a.size}_{k}"
            built = (existing(a.pg, schema, k, shape) if a.reuse else None) or td.build(a.pg, schema, k, shape)
            res["builds"].append(built)
            print("build", json.dumps(built), flush=True)
            urls[k] = built["url"]
        if "summaries" in parts:
            res["summaries"] = summaries(urls, a.repeat)
        for k, url in urls.items():
            if "acks" in parts:
                from tenants_acks import run_acks

                res["acks"].append(run_acks(url, k, shape, port=a.port, rate=a.rate, duration=duration,
                                            n_users=n_users, workers=a.workers, oauth=a.slack == "oauth"))
            if "fanout" in parts:
                prep = (tf.enqueued_before(url) if a.reuse_outbox else None) or tf.enqueue(url)
                for n in (int(x) for x in a.senders.split(",")):
                    res["fanout"].append(tf.run_fanout(url, k, prep, port=a.port + 3, senders=n, a=a))
        if not a.reuse:
            for b in res["builds"]:
                td.drop(a.pg, b["schema"])
    finally:
        if fake is not None:
            fake.terminate()
            fake.wait()
    res["load_end"] = Path("/proc/loadavg").read_text().split()[0]
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2), encoding="utf-8")
    from tenants_report import report

    print(report(res))


if __name__ == "__main__":
    main()

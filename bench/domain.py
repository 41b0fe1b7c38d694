"""Domain benchmarks (issue 2).

1. Write contention on SQLite: 2 "server workers" and 1 "scheduler" (separate processes),
   each writing 50 transactions/s for 60 s (open loop), count "database is locked" errors.
2. Throughput of `report_avvik` and of listing a leader's open avvik, with 5,000 people and
   100,000 avvik, on SQLite and PostgreSQL, each against a raw-SQL baseline doing the same
   work in the same run.

    .venv/bin/python bench/domain.py                 # full run (about 3 minutes)
    .venv/bin/python bench/domain.py --duration 10   # shorter contention run
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

PG_BASE = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def build(url: str, *, people: int = 5000, avvik: int = 100_000, seed: int = 7) -> dict:
    """A municipality of `people` and `avvik`, bulk-inserted; returns ids to drive the workload."""
    from models.migrate import upgrade
    from models.services import org as org_svc
    from models.tables import Counter, Organisation, Person, PersonRole

    upgrade(url)
    from models.db import make_engine

    eng = make_engine(url)
    rng = random.Random(seed)
    with Session(eng) as s:
        o = Organisation(slug=f"bench{uuid.uuid4().hex[:6]}", name="Benchkommune")
        s.add(o)
        s.flush()
        oid = o.id
        unit_ids = []
        for sec in range(10):
            for u in range(10):
                unit_ids.append(org_svc.ensure_unit_path(s, org_id=oid, path=f"Sektor {sec}/Enhet {sec}-{u}").id)
        s.commit()
        persons = [dict(org_id=oid, email=f"p{i}@bench.no", name=f"Person {i}", unit_id=unit_ids[i % 100],
                        active=True, created_at=datetime.now(UTC), updated_at=datetime.now(UTC)) for i in range(people)]
        s.execute(Person.__table__.insert(), persons)  # type: ignore[attr-defined]
        s.commit()
        pids = [r[0] for r in s.execute(text("SELECT id FROM person WHERE org_id = :o ORDER BY id"), {"o": oid})]
        leaders = {unit_ids[i]: pids[i] for i in range(100)}
        s.execute(PersonRole.__table__.insert(), [dict(org_id=oid, person_id=p, role="leder", unit_id=u)  # type: ignore[attr-defined]
                                                  for u, p in leaders.items()])
        now = datetime.now(UTC)
        rows = []
        for n in range(1, avvik + 1):
            created = now - timedelta(minutes=rng.randint(0, 525_600))
            pr, co = rng.randint(1, 5), rng.randint(1, 5)
            status = rng.choices(["lukket", "meldt", "under_behandling", "tiltak_iverksatt"], [85, 5, 5, 5])[0]
            rows.append(dict(org_id=oid, number=n, category="hms", unit_id=unit_ids[n % 100],
                             reporter_id=pids[rng.randrange(people)], title="Benchmark-avvik", description="Tekst",
                             occurred_at=created, location="", probability=pr, consequence=co, risk=pr * co,
                             immediate_action="", status=status, source="chat", created_at=created, updated_at=created,
                             closed_at=created + timedelta(days=3) if status == "lukket" else None))
            if len(rows) == 10_000:
                s.execute(text("SELECT 1"))
                from models.tables import Avvik

                s.execute(Avvik.__table__.insert(), rows)  # type: ignore[attr-defined]
                rows = []
        s.add(Counter(org_id=oid, name="avvik", value=avvik))
        s.commit()
    eng.dispose()
    return {"org_id": oid, "pids": pids, "leaders": leaders, "units": unit_ids}


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def throughput(url: str, data: dict, *, n_report: int = 1000, n_list: int = 1000) -> dict:
    from models.db import make_engine
    from models.services import avvik as svc

    eng = make_engine(url)
    rng = random.Random(1)
    reporters = [p for p in data["pids"][100:]]
    inp = svc.AvvikInput(category="hms", description="Glatt gulv ved inngangen", probability=2, consequence=3,
                         occurred_at=datetime.now(UTC) - timedelta(hours=1))
    t0 = time.perf_counter()
    for _ in range(n_report):
        with Session(eng, expire_on_commit=False) as s:
            svc.report_avvik(session=s, reporter_id=rng.choice(reporters), data=inp)
    t_report = time.perf_counter() - t0

    # Baseline: the same rows written with hand-written SQL (avvik + event + 2 outbox rows), one transaction each.
    is_pg = url.startswith("postgresql")
    raw = eng
    t0 = time.perf_counter()
    for i in range(n_report):
        now = datetime.now(UTC)
        with raw.begin() as c:
            num = c.execute(text("UPDATE counter SET value = value + 1 WHERE org_id=:o AND name='avvik' RETURNING value"),
                            {"o": data["org_id"]}).scalar()
            aid = c.execute(text(
                "INSERT INTO avvik (org_id, number, category, unit_id, reporter_id, title, description, occurred_at, location,"
                " probability, consequence, risk, immediate_action, status, source, created_at, updated_at)"
                " VALUES (:o, :n, 'hms', :u, :r, 't', 'd', :t, '', 2, 3, 6, '', 'meldt', 'chat', :t, :t) RETURNING id"),
                {"o": data["org_id"], "n": num, "u": data["units"][i % 100], "r": reporters[i % len(reporters)],
                 "t": now if is_pg else now.isoformat(" ")}).scalar()
            c.execute(text("INSERT INTO avvik_event (org_id, avvik_id, at, kind, to_status) VALUES (:o, :a, :t, 'reported', 'meldt')"),
                      {"o": data["org_id"], "a": aid, "t": now if is_pg else now.isoformat(" ")})
            for k in ("receipt", "leader"):
                c.execute(text("INSERT INTO outbox (org_id, dedupe_key, kind, platform, payload, status, attempts, next_attempt_at, created_at)"
                               " VALUES (:o, :k, 'x', 'auto', '{}', 'pending', 0, :t, :t)"),
                          {"o": data["org_id"], "k": f"raw:{aid}:{k}", "t": now if is_pg else now.isoformat(" ")})
    t_report_raw = time.perf_counter() - t0

    leaders = list(data["leaders"].items())
    t0 = time.perf_counter()
    sizes = []
    for i in range(n_list):
        unit, leader = leaders[i % len(leaders)]
        with Session(eng.execution_options(trad_readonly=True)) as s:
            sizes.append(len(svc.list_unit_avvik(session=s, actor_id=leader)))
    t_list = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(n_list):
        unit, leader = leaders[i % len(leaders)]
        with raw.connect() as c:
            # what list_unit_avvik needs: the leader's roles, then the unit's open avvik
            c.execute(text("SELECT role, unit_id FROM person_role WHERE person_id = :p"), {"p": leader}).all()
            c.execute(text("SELECT * FROM avvik WHERE unit_id IN (:u) AND status IN "
                           "('meldt','under_behandling','tiltak_iverksatt') ORDER BY created_at LIMIT 100"),
                      {"u": unit}).all()
    t_list_raw = time.perf_counter() - t0
    eng.dispose()
    return {"report_per_s": _rate(n_report, t_report), "report_raw_per_s": _rate(n_report, t_report_raw),
            "list_per_s": _rate(n_list, t_list), "list_raw_per_s": _rate(n_list, t_list_raw),
            "avg_open_listed": statistics.mean(sizes)}


def _writer(url: str, role: str, rate: float, duration: float, data: dict, q: mp.Queue) -> None:
    """One process writing `rate` transactions/s, open loop: each is due at t0 + i/rate."""
    from models.db import make_engine
    from models.services import avvik as svc
    from models.services import outbox

    eng = make_engine(url)
    rng = random.Random(os.getpid())
    inp = svc.AvvikInput(category="hms", description="Samtidig skriving", probability=2, consequence=2,
                         occurred_at=datetime.now(UTC) - timedelta(minutes=5))
    locked = other = done = 0
    lat = []
    t0 = time.perf_counter()
    i = 0
    while True:
        due = t0 + i / rate
        if due - t0 > duration:
            break
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        try:
            with Session(eng, expire_on_commit=False) as s:
                if role == "scheduler":
                    outbox.enqueue(session=s, dedupe_key=f"bench:{uuid.uuid4().hex}", kind="nudge",
                                   payload={"text": "x"}, org_id=data["org_id"])
                    # claim the next due row the way the outbox worker does (on its index), mark it delivered
                    row = s.execute(text("SELECT id FROM outbox WHERE status='pending' AND next_attempt_at <= :now "
                                         "ORDER BY next_attempt_at LIMIT 1"), {"now": datetime.now(UTC).isoformat(" ")}).first()
                    if row is not None:
                        s.execute(text("UPDATE outbox SET status='delivered' WHERE id = :id"), {"id": row[0]})
                    s.commit()
                else:
                    svc.report_avvik(session=s, reporter_id=rng.choice(data["pids"][100:]), data=inp)
            done += 1
        except Exception as exc:  # noqa: BLE001
            if "locked" in str(exc).lower():
                locked += 1
            else:
                other += 1
        lat.append(time.perf_counter() - due)
        i += 1
    q.put({"role": role, "done": done, "locked": locked, "other": other,
           "p99_ms": sorted(lat)[int(len(lat) * 0.99)] * 1000 if lat else 0})


def contention(duration: float, rate: float, workdir: Path) -> list[dict]:
    url = f"sqlite:///{workdir / 'contention.db'}"
    data = build(url, people=5000, avvik=20_000)
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_writer, args=(url, role, rate, duration, data, q))
             for role in ("worker-1", "worker-2", "scheduler")]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--avvik", type=int, default=100_000)
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trad-bench-"))
    print(f"# Tråd domain benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores)\n")
    print(f"## Write contention on SQLite: 3 processes × {args.rate:.0f} tx/s × {args.duration:.0f} s")
    res = contention(args.duration, args.rate, work)
    for r in sorted(res, key=lambda r: r["role"]):
        print(f"- {r['role']}: {r['done']} committed, {r['locked']} 'database is locked', {r['other']} other errors, "
              f"p99 lateness {r['p99_ms']:.1f} ms")
    print(f"- total 'database is locked': {sum(r['locked'] for r in res)}\n")
    targets = [("SQLite", f"sqlite:///{work / 'throughput.db'}")]
    if not args.skip_pg:
        schema = f"trad_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        from urllib.parse import quote

        targets.append(("PostgreSQL", f"{PG_BASE}?options={quote(f'-csearch_path={schema}')}"))
    print(f"## Throughput with {args.people} people and {args.avvik} avvik (single client, sequential)")
    print("| database | report_avvik/s | raw SQL insert/s | ratio | leader's open avvik/s | raw SQL select/s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, url in targets:
        t0 = time.perf_counter()
        data = build(url, people=args.people, avvik=args.avvik)
        build_s = time.perf_counter() - t0
        r = throughput(url, data)
        print(f"| {name} | {r['report_per_s']:.0f} | {r['report_raw_per_s']:.0f} | "
              f"{r['report_raw_per_s'] / r['report_per_s']:.2f}× | {r['list_per_s']:.0f} | {r['list_raw_per_s']:.0f} | "
              f"{r['list_raw_per_s'] / r['list_per_s']:.2f}× |  (built in {build_s:.0f} s, avg {r['avg_open_listed']:.0f} open per leader)")
    if not args.skip_pg:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()

"""What one outbox claim costs as the backlog grows (issue 15: cost with data).

    .venv/bin/python bench/outbox_claim.py [--sizes 1000,10000,100000] [--kommuner 1,50] [--repeat 30] [--pg URL]

A backlog is normal: Slack takes about one post a second per channel, so a nudge fan-out or a flood
of reports waits its turn, while the worker claims several times a second. For each size and number
of kommuner, a fresh database gets that many due rows (each kommune's rows enqueued at once, as the
monthly job does), and three claims of 100 rows (at most 40 of a kommune) are timed, each in its own
write transaction that is rolled back, so every repeat sees the same backlog:
- **claim**: `outbox_delivery.claim_due` as it is now (each kommune's first rows by index seeks);
- **window**: the claim before (`--old-ref`, default c908cbc, loaded from git): one window function
  that ranks every due row;
- **floor**: a plain index-ordered `SELECT … LIMIT 100` of due rows, no turns across kommuner, and
  marking them `sending`: what any claim must at least do.
Prints the median per claim in ms and the ratios to the floor of the same case.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def old_claim_module(ref: str) -> ModuleType:
    """The claim of `ref` (git), loaded beside the current code under another module name."""
    src = subprocess.run(["git", "show", f"{ref}:models/services/outbox_delivery.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="trad-oldclaim-")) / "old_outbox_delivery.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_outbox_delivery", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["old_outbox_delivery"] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def build(url: str, kommuner: int, size: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import insert
    from sqlmodel import Session

    from models.db import get_engine
    from models.migrate import upgrade
    from models.tables import Organisation, OutboxMessage
    from models.tables._common import utcnow

    upgrade(url)
    engine = get_engine(url)
    now = utcnow()
    with Session(engine) as s:
        orgs = []
        for k in range(kommuner):
            org = Organisation(slug=f"claim{k}", name=f"Kommune {k}")
            s.add(org)
            s.flush()
            orgs.append(org.id)
        per = size // kommuner
        for k, org_id in enumerate(orgs):
            due = now - timedelta(minutes=kommuners_minutes(k))
            rows = [dict(org_id=org_id, dedupe_key=f"b:{k}:{i}", kind="nudge", platform="slack", target=f"C{k}-{i}",
                         payload={"text": "Påminnelse"}, status="pending", attempts=0, next_attempt_at=due,
                         created_at=due) for i in range(per)]
            for start in range(0, len(rows), 5000):
                s.execute(insert(OutboxMessage), rows[start:start + 5000])
        s.commit()
    with engine.begin() as conn:  # statistics as a live database has them (SQLite: `trad migrate`; PostgreSQL: autovacuum)
        conn.exec_driver_sql("ANALYZE")
    return engine


def kommuners_minutes(k: int) -> int:
    return 60 - k % 60  # kommune by kommune, as the monthly job enqueues


def floor_claim(session, now):  # type: ignore[no-untyped-def]
    from sqlmodel import col, select

    from models.tables import OutboxMessage

    q = (select(OutboxMessage).where(col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= now)
         .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(100))
    for r in session.exec(q).all():
        r.status = "sending"
        r.claimed_at = now
        session.add(r)
    session.flush()


def timed(engine, fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from models.tables._common import utcnow

    times = []
    for _ in range(repeat):
        with Session(engine) as s:
            t = time.perf_counter()
            fn(s, utcnow())
            s.flush()
            times.append(time.perf_counter() - t)
            s.rollback()
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--kommuner", default="1,50")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (a fresh schema per case) instead of SQLite")
    ap.add_argument("--old-ref", default="c908cbc")
    args = ap.parse_args()
    from models.services import outbox_delivery

    old = old_claim_module(args.old_ref)
    kw = dict(platforms={"slack"}, limit=100, lease_s=20.0, per_org=40)
    print("| kommuner | waiting rows | floor ms | claim ms | window ms | claim ÷ floor | window ÷ floor |")
    print("|---|---|---|---|---|---|---|")
    for kommuner in (int(k) for k in args.kommuner.split(",")):
        for size in (int(n) for n in args.sizes.split(",")):
            url = fresh_url(args.pg)
            engine = build(url, kommuner, size)
            f = timed(engine, floor_claim, args.repeat)
            c = timed(engine, lambda s, now: outbox_delivery.claim_due.__wrapped__(session=s, now=now, **kw), args.repeat)
            w = timed(engine, lambda s, now: old.claim_due.__wrapped__(session=s, now=now, **kw), args.repeat)
            print(f"| {kommuner} | {size:,} | {f:.2f} | {c:.2f} | {w:.2f} | {c / f:.2f}× | {w / f:.2f}× |", flush=True)
            engine.dispose()


def fresh_url(pg: str | None) -> str:
    if pg is None:
        return f"sqlite:///{tempfile.mkdtemp(prefix='trad-claim-')}/claim.db"
    import uuid

    from sqlalchemy import create_engine, text

    schema = "claim_" + uuid.uuid4().hex[:8]
    with create_engine(pg).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    main()

"""One chat check-in of an indicator value (issue 10), measured the way `report_avvik` is (bench/domain.py):
against a hand-written baseline doing the same writes, in the same run, on the same database.

    .venv/bin/python bench/checkin.py [--db sqlite|postgresql|both] [--n 200]

Data: the Øyer demo (`seed_demo`: 8 indicators, about 950 values, two years), built fresh. A leader of
one reporting unit checks in «nærvær <last month> <value>» (a new value each time, so each is a
correction that keeps a revision, as a second check-in of the month is). Three sides, alternating:

- chat: `Conversation.handle_message` with the text: parsing, the check-in use case, the receipt with
  trafikklys and trend, and refreshing the month's nudge and reminder (none were sent here);
- domain: `indicators.record_value` in a write transaction (the bare use case, no chat);
- raw: hand-written SQL through the bare DB-API cursor doing the same rows: read the value, insert its
  revision, update it, insert the audit entry, read the target and the previous value.

Medians per check-in after a warm-up of 10.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402
from styringskort import for_each_database  # noqa: E402

RAW = [
    ("SELECT id, value, comment, entered_by_id, entered_at FROM indicator_value "
     "WHERE indicator_id = %(ind)s AND unit_id = %(unit)s AND period = %(period)s"),
    ("INSERT INTO indicator_value_revision (org_id, value_id, value, comment, entered_by_id, entered_at, "
     "replaced_by_id, replaced_at) VALUES (%(org)s, %(vid)s, %(old)s, NULL, %(pid)s, %(now)s, %(pid)s, %(now)s)"),
    ("UPDATE indicator_value SET value = %(value)s, comment = NULL, entered_by_id = %(pid)s, entered_at = %(now)s "
     "WHERE id = %(vid)s"),
    ("INSERT INTO audit_log (org_id, at, actor_id, action, entity, entity_id, detail) "
     "VALUES (%(org)s, %(now)s, %(pid)s, 'indicator_value.corrected', 'indicator', %(ind)s, %(detail)s)"),
    "SELECT target, red_limit FROM indicator_target WHERE indicator_id = %(ind)s ORDER BY year",
    ("SELECT value FROM indicator_value WHERE indicator_id = %(ind)s AND unit_id = %(unit)s "
     "AND period = %(prev)s"),
]


def _leader(session: Session) -> tuple[int, int, int, int, str]:
    """(org, person, unit, indicator) of a leader who leads exactly one unit reporting «Nærvær», and its name."""
    from models.services import org as org_svc

    oid, ind = session.execute(text("SELECT org_id, id FROM indicator WHERE name = 'Nærvær'")).one()
    units = {u for (u,) in session.execute(text("SELECT unit_id FROM indicator_unit WHERE indicator_id = :i"),
                                           {"i": ind})}
    for (pid,) in session.execute(text("SELECT DISTINCT person_id FROM person_role ORDER BY person_id")):
        led = org_svc.load_actor(session, person_id=pid).led_unit_ids & units
        if len(led) == 1:
            return oid, pid, next(iter(led)), ind, "Nærvær"
    raise SystemExit("no leader of exactly one reporting unit in the demo")


def run(url: str, _scale: str, n: int) -> None:
    from bot.conversation.channel import ChannelUser, IncomingMessage
    from bot.conversation.engine import Conversation
    from models.db import make_engine
    from models.demo import seed_demo
    from models.migrate import upgrade
    from models.periods import Period
    from models.services import indicators
    from models.settings import Settings
    from models.uow import UnitOfWork

    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        seed_demo(session=s, now=now)
        s.commit()
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.commit()
    with Session(engine) as s:
        oid, pid, unit, ind, name = _leader(s)
    month = Period("month", now.year, now.month).previous()
    settings = Settings(DATABASE_URL=url, SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False)
    uow = UnitOfWork(engine)
    conv = Conversation(settings=settings, uow=uow, now=lambda: datetime.now(UTC))
    user = ChannelUser(platform="console", workspace="bench", user_id="U-bench")
    pg = engine.dialect.name == "postgresql"
    raw_sql = [q if pg else q.replace("%(", ":").replace(")s", "") for q in RAW]
    counter = iter(range(10**9))

    def value() -> str:
        return f"{90 + next(counter) % 90 / 10:.1f}".replace(".", ",")

    def chat() -> None:
        (reply,) = conv.handle_message(IncomingMessage(user=user, person_id=pid, text=f"nærvær {month.key} {value()}"))
        assert "Registrert" in (reply.title or "") + reply.text or "Rettet" in (reply.title or "") + reply.text, reply

    def domain() -> None:
        with uow.write() as tx:
            indicators.record_value(session=tx, actor_id=pid, indicator=name, period=month.key, value=value(),
                                    unit_id=unit)

    def raw() -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            p = {"ind": ind, "unit": unit, "period": month.key, "prev": month.previous().key, "org": oid, "pid": pid,
                 "now": datetime.now(UTC).isoformat() if not pg else datetime.now(UTC),
                 "detail": json.dumps({"unit_id": unit, "period": month.key})}
            cur.execute(raw_sql[0], p)
            vid, old = cur.fetchone()[:2]
            p.update(vid=vid, old=old, value=float(value().replace(",", ".")))
            for q in raw_sql[1:4]:
                cur.execute(q, p)
            for q in raw_sql[4:]:
                cur.execute(q, p)
                cur.fetchall()
            conn.commit()
        finally:
            conn.close()

    sides = {"chat": chat, "domain": domain, "raw": raw}
    for fn in sides.values():
        for _ in range(10):
            fn()
    times: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(n):
        for k, fn in sides.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    c, d, r = (statistics.median(times[k]) * 1000 for k in ("chat", "domain", "raw"))
    print(f"{engine.dialect.name:10} check-in n={n}: chat {c:6.2f} ms  domain {d:6.2f} ms  raw SQL {r:6.2f} ms  "
          f"chat/raw {c / r:4.2f}  domain/raw {d / r:4.2f}  chat/domain {c / d:4.2f}", flush=True)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--n", type=int, default=200)
    a = ap.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="bench-checkin-"))
    for_each_database(run, a.db, "demo", a.n, prefix="ci")


if __name__ == "__main__":
    main()

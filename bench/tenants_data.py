"""Bulk data for bench/tenants.py: K kommuner on PostgreSQL, each with the same shape.

Per kommune (full size): 10 sectors of 10 units, 2,000 staff of whom 100 lead a unit, and
20,000 avvik over 2022–2026 (about 15 % still open; stored in time order across all kommuner, as
a shared installation receives them), every person known in the kommune's
own Slack workspace (`T0001`, `T0002`, …). 50 kommuner make 100,000 staff, 5,000 leaders
and 1,000,000 avvik. Rows are built as plain tuples and streamed with COPY, the big tables'
secondary indexes dropped during the load and rebuilt after it (as bench/summary.py does);
the ORM is never used per row. Ids are global and sequences are moved past them, so the
app can add rows afterwards.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

CATS = ["hms", "pasient", "infosikkerhet", "rutinebrudd", "lovbrudd", "vold", "materiell", "annet"]
START = datetime(2022, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 30, tzinfo=UTC)  # before the bench's "now" (2026-12): no avvik in the future
BULK = ("avvik", "person", "person_role", "chat_identity", "unit")


@dataclass(frozen=True)
class Shape:
    """How big one kommune is; every kommune in a run has the same shape."""

    staff: int = 2000
    sectors: int = 10
    units_per_sector: int = 10  # each unit has one leader: leaders = sectors × units_per_sector
    avvik: int = 20000

    @property
    def leaders(self) -> int:
        return self.sectors * self.units_per_sector


SIZES = {  # name -> (kommune counts for the growth figures, shape of each kommune)
    "full": ((1, 10, 50), Shape()),
    "small": ((1, 2, 5), Shape(staff=400, sectors=4, units_per_sector=5, avvik=4000)),
    "tiny": ((1, 2), Shape(staff=40, sectors=2, units_per_sector=2, avvik=200)),
}


def team_of(k: int) -> str:
    """The Slack workspace (team id) of kommune number k (1-based)."""
    return f"T{k:04d}"


def user_of(k: int, i: int) -> str:
    """The Slack user id of person i (0-based within the kommune) of kommune k."""
    return f"U{k:04d}X{i:05d}"


def email_of(k: int, i: int) -> str:
    return f"p{i}@k{k:04d}.bench.no"


def schema_url(pg_url: str, schema: str) -> str:
    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options={quote(f'-csearch_path={schema}')}"


def _rows(k_count: int, shape: Shape, seed: int) -> dict[str, tuple[list[str], Iterator[tuple]]]:
    """Every row of every kommune, table by table, as generators (insertion order respects foreign keys)."""
    rnd = random.Random(seed)
    created = datetime(2021, 12, 1, tzinfo=UTC)
    per_k_units = shape.sectors * (1 + shape.units_per_sector)

    def unit_ids(k: int) -> list[int]:  # the leaf units of kommune k (global ids)
        base = (k - 1) * per_k_units
        return [base + s * (1 + shape.units_per_sector) + 1 + u + 1
                for s in range(shape.sectors) for u in range(shape.units_per_sector)]

    def pid(k: int, i: int) -> int:
        return (k - 1) * shape.staff + i + 1

    def orgs() -> Iterator[tuple]:
        for k in range(1, k_count + 1):
            yield k, f"k{k:04d}", f"Benchkommune {k}", created

    def units() -> Iterator[tuple]:
        for k in range(1, k_count + 1):
            uid = (k - 1) * per_k_units
            for s in range(shape.sectors):
                uid += 1
                sid = uid
                yield sid, k, None, f"Sektor {s}", f"Sektor {s}", f"/{sid}/", "sector", True
                for u in range(shape.units_per_sector):
                    uid += 1
                    yield uid, k, sid, f"Enhet {s}.{u}", f"Sektor {s}/Enhet {s}.{u}", f"/{sid}/{uid}/", "unit", True

    def people() -> Iterator[tuple]:
        for k in range(1, k_count + 1):
            us = unit_ids(k)
            for i in range(shape.staff):
                yield pid(k, i), k, email_of(k, i), f"Person {k}.{i}", us[i % len(us)], True, created, created

    def roles() -> Iterator[tuple]:  # person i < leaders leads unit i
        n = 0
        for k in range(1, k_count + 1):
            for i, u in enumerate(unit_ids(k)):
                n += 1
                yield n, k, pid(k, i), "leder", u

    def identities() -> Iterator[tuple]:
        for k in range(1, k_count + 1):
            for i in range(shape.staff):
                p = pid(k, i)
                yield p, k, p, "slack", team_of(k), user_of(k, i), email_of(k, i), True, created

    def avvik() -> Iterator[tuple]:
        """In time order across the kommuner, as a shared installation receives them: one kommune's
        avvik of a year are spread over the whole table, not stored together."""
        span_s = (END - START).total_seconds()
        random_, choice, randint, expo = rnd.random, rnd.choice, rnd.randint, rnd.expovariate
        created = [(START + timedelta(seconds=random_() * span_s), k) for k in range(1, k_count + 1)
                   for _ in range(shape.avvik)]
        created.sort()
        numbers = dict.fromkeys(range(1, k_count + 1), 0)
        uids = {k: unit_ids(k) for k in range(1, k_count + 1)}
        for n, (c, k) in enumerate(created, start=1):
            numbers[k] += 1
            p, q = randint(1, 5), randint(1, 5)
            closed = c + timedelta(hours=expo(1 / 300)) if random_() < 0.85 else None
            if closed and closed > END:
                closed = None
            yield (n, k, numbers[k], choice(CATS), choice(uids[k]), pid(k, randint(0, shape.staff - 1)), "Hendelse",
                   "Beskrivelse", c, "", p, q, p * q, "", "lukket" if closed else choice(["meldt", "under_behandling"]),
                   "chat", c, closed or c, closed)

    def counters() -> Iterator[tuple]:
        for k in range(1, k_count + 1):
            yield k, "avvik", shape.avvik

    return {
        "organisation": (["id", "slug", "name", "created_at"], orgs()),
        "unit": (["id", "org_id", "parent_id", "name", "path", "id_path", "kind", "active"], units()),
        "person": (["id", "org_id", "email", "name", "unit_id", "active", "created_at", "updated_at"], people()),
        "person_role": (["id", "org_id", "person_id", "role", "unit_id"], roles()),
        "chat_identity": (["id", "org_id", "person_id", "platform", "workspace", "user_id", "email", "active",
                           "updated_at"], identities()),
        "avvik": (["id", "org_id", "number", "category", "unit_id", "reporter_id", "title", "description",
                   "occurred_at", "location", "probability", "consequence", "risk", "immediate_action", "status",
                   "source", "created_at", "updated_at", "closed_at"], avvik()),
        "counter": (["org_id", "name", "value"], counters()),
    }


def build(pg_url: str, schema: str, k_count: int, shape: Shape, seed: int = 7) -> dict:
    """A fresh schema, migrated, filled with `k_count` kommuner; returns the sizes and how long it took."""
    from sqlalchemy import create_engine, text

    from models.db import make_engine
    from models.migrate import upgrade

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = schema_url(pg_url, schema)
    t0 = time.perf_counter()
    upgrade(url)
    t_migrate = time.perf_counter() - t0
    engine = make_engine(url)
    raw = engine.raw_connection()
    drv = raw.driver_connection
    counts: dict[str, int] = {}
    t1 = time.perf_counter()
    with drv.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)", (list(BULK),))
        idx = cur.fetchall()
        for name, _sql in idx:
            cur.execute(f'DROP INDEX "{name}"')
        for table, (cols, rows) in _rows(k_count, shape, seed).items():
            n = 0
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
                    n += 1
            counts[table] = n
        for _name, sql in idx:
            cur.execute(sql)
        for table in ("organisation", "unit", "person", "person_role", "chat_identity", "avvik"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    drv.commit()
    t_load = time.perf_counter() - t1
    drv.autocommit = True
    with drv.cursor() as cur:  # as autovacuum would leave a table in use: statistics and the visibility map
        cur.execute("VACUUM ANALYZE")
    raw.close()
    engine.dispose()
    return {"schema": schema, "url": url, "kommuner": k_count, "staff": counts["person"], "leaders": counts["person_role"],
            "avvik": counts["avvik"], "migrate_s": round(t_migrate, 1), "load_s": round(t_load, 1),
            "total_s": round(time.perf_counter() - t0, 1)}


def drop(pg_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def token_of(k: int) -> str:
    """The bot token of kommune k's Slack installation (the fake Slack maps it back to the workspace)."""
    return f"xoxb-bench-{team_of(k)}"


def seed_installations(db_url: str, k_count: int, secret_key: str) -> int:
    """One Slack installation per kommune's workspace, mapped to it (as `trad slack map` does), through the
    use cases (tokens sealed as the install flow seals them). Needs the scale-out work (issue 13, pt 2)."""
    from models.db import make_engine
    from models.services import slack_installs  # type: ignore[attr-defined]
    from models.uow import UnitOfWork

    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    for k in range(1, k_count + 1):
        data = {"app_id": "A1", "team_id": team_of(k), "team_name": f"Benchkommune {k}", "bot_token": token_of(k),
                "bot_id": "BBOT", "bot_user_id": "UBOT", "user_id": "U0INSTALLER", "bot_scopes": "chat:write,commands,im:history",
                "is_enterprise_install": False, "token_type": "bot", "installed_at": time.time()}
        with uow.write() as tx:
            slack_installs.save_installation(session=tx, data=data, secret_key=secret_key)
        with uow.write() as tx:
            slack_installs.map_workspace(session=tx, key=team_of(k), org_slug=f"k{k:04d}")
    engine.dispose()
    return k_count

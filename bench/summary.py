"""Summary speed: a municipality of 5,000 people, 100,000 avvik and 1,000,000 checklist answers.

Builds the data (bulk insert: executemany on SQLite, COPY on PostgreSQL), then times
`reports.queries.build_summary` for one month and one year against the same aggregates
written as raw SQL and run through the bare DB-API cursor, in the same run.

    .venv/bin/python bench/summary.py [--scale 1.0] [--db sqlite|postgresql|both] [--repeat 7]

Figures are medians of --repeat runs after one warm-up, the two sides alternating. Varsling is left out of both
sides (another feature's table; empty here).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models.periods import Period, parse_period  # noqa: E402
from reports.queries import chart_months, checklist_keys  # noqa: E402  (pure period helpers, no SQL)

CATS = ["hms", "pasient", "infosikkerhet", "rutinebrudd", "lovbrudd", "vold", "materiell", "annet"]
OPP_STATUSES = ["ikke_startet", "pagar", "forsinket", "fullfort", "avbrutt"]
YEARS = range(2022, 2027)
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


def as_of(period: Period) -> date:
    """The day the figures are «as of»: the period's last day, or today (NOW, local) if earlier."""
    return min(NOW.astimezone(ZoneInfo("Europe/Oslo")).date(), period.end_date() - timedelta(days=1))


BUILD_VERSION = 4  # 4: the summary counters (migration 0015) built by their triggers during the load; bump when the generated data changes, so cached SQLite files are rebuilt
BULK_TABLES = ("avvik", "checklist_run", "checklist_answer", "person")


def fmt_dt(d: datetime | None, dialect: str):
    if d is None or dialect == "postgresql":
        return d
    return d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(dialect: str, scale: float, seed: int = 7, years: int | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row of the municipality as plain tuples, table by table (insertion order respects foreign keys).

    `years=None`: the data of record (100,000 × scale avvik and 1,000,000 × scale answers over
    2022–2026, 100 units). `years=Y` (growth runs, issue 15): the last Y years up to 2026, each year
    with 100,000 × scale avvik and 200,000 × scale answers, and 100 × scale units (the kommune
    grows with its people: 5,000 × scale either way).
    """
    rnd = random.Random(seed)
    years_of = YEARS if years is None else range(2027 - years, 2027)
    per_sector = 10 if years is None else max(1, round(10 * scale))
    dt = lambda d: fmt_dt(d, dialect)  # noqa: E731
    tables: dict[str, tuple[list[str], list[tuple]]] = {}
    created = datetime(2021, 12, 1, tzinfo=UTC)
    tables["organisation"] = (["id", "slug", "name", "created_at"], [(1, "bench", "Benchkommune", dt(created))])
    units, uid = [], 0
    unit_ids = []
    for s in range(10):
        uid += 1
        sid = uid
        units.append((sid, 1, None, f"Sektor {s}", f"Sektor {s}", f"/{sid}/", "sector", True))
        for u in range(per_sector):
            uid += 1
            unit_ids.append(uid)
            units.append((uid, 1, sid, f"Enhet {s}.{u}", f"Sektor {s}/Enhet {s}.{u}", f"/{sid}/{uid}/", "unit", True))
    tables["unit"] = (["id", "org_id", "parent_id", "name", "path", "id_path", "kind", "active"], units)
    n_people = int(5000 * scale)
    c0 = dt(created)
    tables["person"] = (["id", "org_id", "email", "name", "unit_id", "active", "created_at", "updated_at"],
                        [(i, 1, f"p{i}@bench.no", f"Person {i}", unit_ids[i % len(unit_ids)], True, c0, c0)
                         for i in range(1, n_people + 1)])
    tables["person_role"] = (["id", "org_id", "person_id", "role", "unit_id"],
                             [(i + 1, 1, i + 1, "leder", u) for i, u in enumerate(unit_ids)])

    n_avvik = int(100_000 * scale * (1 if years is None else years))
    start = datetime(years_of[0], 1, 1, tzinfo=UTC)
    span_s = (datetime(2027, 1, 1, tzinfo=UTC) - start).total_seconds()
    rows = []
    random_, choice, randint, expo = rnd.random, rnd.choice, rnd.randint, rnd.expovariate
    for i in range(1, n_avvik + 1):
        c = start + timedelta(seconds=random_() * span_s)
        p, q = randint(1, 5), randint(1, 5)
        closed = c + timedelta(hours=expo(1 / 300)) if random_() < 0.85 else None
        if closed and closed > NOW:
            closed = None
        cs = dt(c)
        rows.append((i, 1, i, choice(CATS), choice(unit_ids), randint(1, n_people), "Hendelse", "Beskrivelse",
                     cs, "", p, q, p * q, "", "lukket" if closed else choice(["meldt", "under_behandling"]),
                     "chat", cs, dt(closed) if closed else cs, dt(closed)))
    tables["avvik"] = (["id", "org_id", "number", "category", "unit_id", "reporter_id", "title", "description",
                        "occurred_at", "location", "probability", "consequence", "risk", "immediate_action",
                        "status", "source", "created_at", "updated_at", "closed_at"], rows)
    # checklists: a monthly template (m items) and a tertial one (t items); 100 units × 5 years
    target = int(1_000_000 * scale) if years is None else int(200_000 * scale * years)
    per_unit_year = target / 0.92 / (len(unit_ids) * len(years_of))  # 92 % of items get answered
    m_items = max(1, int(per_unit_year * 0.7 / 12))
    t_items = max(1, int(per_unit_year * 0.3 / 3))
    tables["checklist_template"] = (["id", "org_id", "name", "recurrence", "active"],
                                    [(1, 1, "Månedlig", "month", True), (2, 1, "Tertial", "tertial", True)])
    tables["checklist_item"] = (["id", "org_id", "template_id", "purpose", "type", "text", "position", "active"],
                                [(i, 1, 1 if i <= m_items else 2, "HMS", "HMS", f"Punkt {i}", i, True)
                                 for i in range(1, m_items + t_items + 1)])
    runs, answers, rid, aid = [], [], 0, 0
    for y in years_of:
        keys = [(1, f"{y}-{m:02d}", range(1, m_items + 1)) for m in range(1, 13)]
        keys += [(2, f"{y}-T{t}", range(m_items + 1, m_items + t_items + 1)) for t in range(1, 4)]
        at = dt(datetime(y, 6, 1, tzinfo=UTC))
        for u in unit_ids:
            for tpl, key, its in keys:
                rid += 1
                runs.append((rid, 1, tpl, u, key, c0))
                for it in its:
                    if random_() < 0.92:
                        aid += 1
                        answers.append((aid, 1, rid, it, "nei" if random_() < 0.05 else "ja", at))
    tables["checklist_run"] = (["id", "org_id", "template_id", "unit_id", "period", "created_at"], runs)
    tables["checklist_answer"] = (["id", "org_id", "run_id", "item_id", "answer", "answered_at"], answers)
    opp = []
    for i in range(1, 501):
        dl = date(2026, 1, 1) + timedelta(days=randint(0, 500)) if random_() < 0.8 else None
        last = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=randint(0, 370))
        opp.append((i, 1, i, f"Oppdrag {i}", "", f"Kategori {i % 5}", randint(1, n_people), dl,
                    choice(OPP_STATUSES), randint(0, 100), c0, dt(last), dt(last)))
    tables["oppdrag"] = (["id", "org_id", "number", "title", "description", "category", "owner_id", "deadline",
                          "status", "progress", "created_at", "updated_at", "last_status_at"], opp)
    return tables


def sizes_of(tables: dict) -> dict:
    return {"avvik": len(tables["avvik"][1]), "answers": len(tables["checklist_answer"][1]),
            "people": len(tables["person"][1]), "units": len(tables["unit"][1])}


def build_sqlite(path: Path, scale: float, seed: int, years: int | None = None) -> dict:
    """Load into a freshly migrated SQLite file: one transaction, no journal, no fsync, no foreign-key
    checks, and the big tables' secondary indexes dropped during the load and rebuilt after it."""
    import sqlite3

    tables = generate("sqlite", scale, seed, years)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA cache_size=-200000")
    marks = ",".join("?" * len(BULK_TABLES))
    idx = con.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                      f"AND tbl_name IN ({marks})", BULK_TABLES).fetchall()
    con.execute("BEGIN")
    for name, _sql in idx:
        con.execute(f'DROP INDEX "{name}"')
    for table, (cols, rows) in tables.items():
        con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    for _name, sql in idx:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    return sizes_of(tables)


def build_pg(drv, scale: float, seed: int, years: int | None = None) -> dict:
    """COPY every table in one transaction, the big tables' secondary indexes rebuilt after the load."""
    tables = generate("postgresql", scale, seed, years)
    with drv.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)", (list(BULK_TABLES),))
        idx = cur.fetchall()
        for name, _sql in idx:
            cur.execute(f'DROP INDEX "{name}"')
        for table, (cols, rows) in tables.items():
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        for _name, sql in idx:
            cur.execute(sql)
    drv.commit()
    with drv.cursor() as cur:
        cur.execute("ANALYZE")
    drv.commit()
    return sizes_of(tables)


# --------------------------------------------------------------------------- raw SQL, the baseline

def raw_summary(raw, dialect: str, period: Period, tz: str = "Europe/Oslo") -> list:
    """The same figures as build_summary, hand-written over the base tables only (avvik, runs and
    answers; no counters), through the bare DB-API cursor, results left as raw rows: the nine
    statements the summary ran before the counters of migration 0015. `check_same` takes its
    figures as the truth the counters are checked against."""
    ph = "%s" if dialect == "postgresql" else "?"
    pct = "%%" if dialect == "postgresql" else "%"
    tv = "true" if dialect == "postgresql" else "1"
    dt = lambda d: fmt_dt(d, dialect)  # noqa: E731
    s, e = (dt(x) for x in period.bounds_utc(tz))
    prev = period.previous()
    ps, pe = (dt(x) for x in prev.bounds_utc(tz))
    cur = raw.cursor()
    out = []

    def q(sql: str, *params) -> None:
        cur.execute(sql.replace("?", ph), params)
        out.append(cur.fetchall())

    us = (f"SELECT u.id uid, sec.id sid FROM unit u JOIN unit sec ON sec.parent_id IS NULL AND sec.org_id = u.org_id "
          f"AND u.id_path LIKE sec.id_path || '{pct}' WHERE u.org_id = ?")
    q(f"SELECT u.id, u.name, sec.id, sec.name FROM unit u JOIN unit sec ON sec.parent_id IS NULL AND sec.org_id = u.org_id "
      f"AND u.id_path LIKE sec.id_path || '{pct}' WHERE u.org_id = ?", 1)
    # status per unit: four range scans (pe == s for consecutive periods)
    q("SELECT unit_id, SUM(nc), SUM(cc), SUM(oc), SUM(np), SUM(cp), SUM(op) FROM ("
      " SELECT unit_id, CASE WHEN created_at >= ? THEN 1 ELSE 0 END nc, 0 cc, 0 oc,"
      "  CASE WHEN created_at < ? THEN 1 ELSE 0 END np, 0 cp, 0 op FROM avvik WHERE org_id = ? AND created_at >= ? AND created_at < ?"
      " UNION ALL SELECT unit_id, 0, CASE WHEN closed_at >= ? THEN 1 ELSE 0 END, 0, 0, CASE WHEN closed_at < ? THEN 1 ELSE 0 END, 0"
      "  FROM avvik WHERE org_id = ? AND closed_at >= ? AND closed_at < ?"
      " UNION ALL SELECT unit_id, 0, 0, CASE WHEN created_at < ? THEN 1 ELSE 0 END, 0, 0, CASE WHEN created_at < ? THEN 1 ELSE 0 END"
      "  FROM avvik WHERE org_id = ? AND closed_at IS NULL"
      " UNION ALL SELECT unit_id, 0, 0, CASE WHEN closed_at >= ? AND created_at < ? THEN 1 ELSE 0 END, 0, 0,"
      "  CASE WHEN closed_at >= ? AND created_at < ? THEN 1 ELSE 0 END FROM avvik WHERE org_id = ? AND closed_at >= ?"
      ") x GROUP BY unit_id",
      s, pe, 1, ps, e, s, pe, 1, ps, e, e, pe, 1, e, e, pe, pe, 1, pe)
    q("SELECT 'u', category, CAST(unit_id AS VARCHAR), COUNT(*) FROM avvik WHERE org_id = ? AND created_at >= ? AND created_at < ?"
      " GROUP BY category, unit_id UNION ALL"
      " SELECT 's', status, CASE WHEN risk <= 4 THEN 'Lav' WHEN risk <= 9 THEN 'Middels' WHEN risk <= 16 THEN 'Høy' ELSE 'Kritisk' END,"
      " COUNT(*) FROM avvik WHERE org_id = ? AND created_at >= ? AND created_at < ? GROUP BY 2, 3", 1, s, e, 1, s, e)
    dur = ("extract(epoch FROM closed_at - created_at) / 86400.0" if dialect == "postgresql"
           else "julianday(closed_at) - julianday(created_at)")
    groups = ("g AS (SELECT us.sid AS g, d.d FROM us JOIN d ON us.uid = d.unit_id WHERE d.cur = 1"
              " UNION ALL SELECT -1, d FROM d WHERE cur = 1 UNION ALL SELECT -2, d FROM d WHERE prv = 1)")
    med = ("SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM g GROUP BY g" if dialect == "postgresql" else
           "SELECT g, AVG(d) FROM (SELECT g, d, ROW_NUMBER() OVER (PARTITION BY g ORDER BY d) AS rn,"
           " COUNT(*) OVER (PARTITION BY g) AS n FROM g) AS r WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY g")
    q(f"WITH us AS MATERIALIZED ({us}), d AS MATERIALIZED (SELECT unit_id,"
      " CASE WHEN closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END AS cur,"
      f" CASE WHEN closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END AS prv, {dur} AS d FROM avvik"
      f" WHERE org_id = ? AND closed_at >= ? AND closed_at < ?), {groups} {med}", 1, s, e, ps, pe, 1, ps, e)


    keys = [k for k in checklist_keys(period) if parse_period(k).start_date() <= as_of(period)]  # the due ones
    q(f"SELECT t.recurrence, COUNT(i.id) FROM checklist_template t JOIN checklist_item i ON i.template_id = t.id "
      f"WHERE t.org_id = ? AND t.active = {tv} AND i.active = {tv} GROUP BY t.recurrence", 1)
    q("SELECT DISTINCT unit_id FROM person_role WHERE org_id = ? AND role = 'leder' AND unit_id IS NOT NULL", 1)
    q(f"SELECT x.unit_id, SUM(x.n), SUM(x.nei) FROM (SELECT r.unit_id, a.item_id, COUNT(*) n,"
      f" SUM(CASE WHEN a.answer = 'nei' THEN 1 ELSE 0 END) nei FROM checklist_run r JOIN checklist_answer a ON a.run_id = r.id"
      f" WHERE r.org_id = ? AND r.period IN ({', '.join('?' * len(keys))}) GROUP BY r.unit_id, a.item_id) x"
      f" JOIN checklist_item i ON i.id = x.item_id JOIN checklist_template t ON t.id = i.template_id"
      f" WHERE i.org_id = ? AND i.active = {tv} AND t.active = {tv} GROUP BY x.unit_id", 1, *keys, 1)
    # «no update for 45 days» counts local days: the cutoff is local midnight, as a UTC instant
    stale_day = as_of(period) - timedelta(days=45)
    today = as_of(period)
    stale = dt(datetime(stale_day.year, stale_day.month, stale_day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC))
    dparam = today if dialect == "postgresql" else today.isoformat()
    d30 = today + timedelta(days=30) if dialect == "postgresql" else (today + timedelta(days=30)).isoformat()
    q("SELECT category, status, CASE WHEN status = 'avbrutt' THEN 'ingen' WHEN status = 'fullfort' THEN 'gronn' "
      "WHEN status = 'forsinket' OR (deadline IS NOT NULL AND deadline < ?) THEN 'rod' "
      "WHEN deadline IS NOT NULL AND deadline <= ? AND progress < 75 THEN 'gul' "
      "WHEN COALESCE(last_status_at, created_at) < ? THEN 'gul' ELSE 'gronn' END l, COUNT(*) "
      "FROM oppdrag WHERE org_id = ? GROUP BY category, status, l", dparam, d30, stale, 1)
    months = [m.bounds_utc(tz) for m in chart_months(period)]
    bucket = "CASE " + " ".join(f"WHEN created_at < ? THEN {i}" for i in range(len(months))) + " ELSE -1 END"
    q(f"SELECT {bucket} AS m, unit_id, COUNT(*) FROM avvik WHERE org_id = ? AND created_at >= ? AND created_at < ?"
      f" GROUP BY 1, unit_id", *[dt(b[1]) for b in months], 1, dt(months[0][0]), dt(months[-1][1]))
    raw.rollback()
    return out


def plain_sql(raw, dialect: str, period: Period, tz: str = "Europe/Oslo") -> list:
    """A plain query over the base tables, as a hand-written report would start: the period's new
    avvik by unit and category, and its closed ones by unit. Less than the summary computes (no
    open-at-end, medians, checklists, oppdrag or chart): a floor, not the same work."""
    ph = "%s" if dialect == "postgresql" else "?"
    s, e = (fmt_dt(x, dialect) for x in period.bounds_utc(tz))
    cur = raw.cursor()
    cur.execute(f"SELECT unit_id, category, COUNT(*) FROM avvik WHERE org_id = {ph} AND created_at >= {ph} "
                f"AND created_at < {ph} GROUP BY unit_id, category", (1, s, e))
    out = [cur.fetchall()]
    cur.execute(f"SELECT unit_id, COUNT(*) FROM avvik WHERE org_id = {ph} AND closed_at >= {ph} AND closed_at < {ph} "
                f"GROUP BY unit_id", (1, s, e))
    out.append(cur.fetchall())
    raw.rollback()
    return out


def raw_figures(out: list, period: Period) -> dict:
    """The summary's figures derived from the raw rows alone (no reports.queries code), in the
    shape `summary_figures` gives them, so the two sides can be compared value by value."""
    from reports.summary import suppress_row

    units_rows, status, new_aggs, med, per_rec, leaders, answered, opp, chart = out
    units = {r[0]: (r[1], r[2], r[3]) for r in units_rows}
    fig: dict = {}
    tot = [sum(int(r[i] or 0) for r in status) for i in range(1, 7)]
    fig["totals"] = tot
    fig["by_unit"] = {r[0]: (int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in status
                      if int(r[1] or 0) or int(r[2] or 0) or int(r[3] or 0)}
    unit_cats: dict = {}
    by_cat: dict = {}
    by_risk: dict = {}
    by_status: dict = {}
    for k, a, b, n in new_aggs:
        if k == "u":
            unit_cats.setdefault(int(b), {})[a] = int(n)
            by_cat[a] = by_cat.get(a, 0) + int(n)
        else:
            by_risk[b] = by_risk.get(b, 0) + int(n)
            by_status[a] = by_status.get(a, 0) + int(n)
    fig["unit_categories"] = {uid: suppress_row(unit_cats.get(uid, {})) for uid in fig["by_unit"]}
    fig["by_category"], fig["by_risk"], fig["by_status"] = by_cat, by_risk, by_status
    fig["medians"] = {int(g): round(float(m), 1) for g, m in med if m is not None}
    kinds = [parse_period(k).kind for k in checklist_keys(period) if parse_period(k).start_date() <= as_of(period)]
    rec = {r[0]: int(r[1]) for r in per_rec}
    due = sum(rec.get(k, 0) for k in kinds)
    ans = {r[0]: (int(r[1]), int(r[2] or 0)) for r in answered}
    expected = {r[0] for r in leaders} | set(ans)
    fig["checklists"] = {uid: (due, *ans.get(uid, (0, 0))) for uid in expected}
    fig["checklist_totals"] = (due * len(expected), sum(min(ans.get(u, (0, 0))[0], due) for u in expected))
    oc: dict = {}
    lights = {"gronn": 0, "gul": 0, "rod": 0, "ingen": 0}
    for cat, st, light, n in opp:
        t = oc.setdefault(cat, [0, {}, {}])
        t[0] += int(n)
        t[1][st] = t[1].get(st, 0) + int(n)
        t[2][light] = t[2].get(light, 0) + int(n)
        lights[light] += int(n)
    fig["oppdrag"] = {c: (t[0], t[1], t[2]) for c, t in oc.items()}
    fig["oppdrag_lights"] = lights
    series: dict = {}
    for i, uid, n in chart:
        series.setdefault(units[uid][2], [0] * 12)[int(i)] += int(n)
    fig["series"] = series
    return fig


def summary_figures(s) -> dict:
    """The same figures read off a `Summary` (zero categories dropped: the summary lists every code)."""
    nz = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    a, ik, op = s.avvik, s.internkontroll, s.oppdrag
    med = {sec.sector_id: sec.median_days_to_close for sec in a.by_sector if sec.median_days_to_close is not None}
    if a.period.median_days_to_close is not None:
        med[-1] = a.period.median_days_to_close
    if a.previous.median_days_to_close is not None:
        med[-2] = a.previous.median_days_to_close
    t, p = a.period, a.previous
    return {
        "totals": [t.new, t.closed, t.open_at_end, p.new, p.closed, p.open_at_end],
        "by_unit": {u.unit_id: (u.new, u.closed, u.open_at_end) for u in a.by_unit},
        "unit_categories": {u.unit_id: u.categories for u in a.by_unit},
        "by_category": nz(a.by_category), "by_risk": nz(a.by_risk), "by_status": nz(a.by_status),
        "medians": med,
        "checklists": {c.unit_id: (c.due, c.answered, c.nei) for c in ik.by_unit},
        "checklist_totals": (ik.due, ik.answered),
        "oppdrag": {o.category: (o.total, o.by_status, o.by_light) for o in op.by_category},
        "oppdrag_lights": op.by_light.model_dump(),
        "series": a.per_month.sectors,
    }


def sections() -> dict:
    """The summary's sections without varsling (another feature's table; empty here), on both sides."""
    from reports.queries import SECTIONS

    return {name: build for name, build in SECTIONS.items() if name != "varsling"}


def check_same(dialect: str, key: str, summary, raw_rows: list, period: Period) -> list[str]:
    """Fail loudly unless the baseline computed exactly the figures build_summary reports."""
    a, b = summary_figures(summary), raw_figures(raw_rows, period)
    bad = [k for k in a if a[k] != b[k]]
    if bad:
        for k in bad:
            print(f"MISMATCH {dialect} {key} {k}:\n  build_summary: {a[k]!r}\n  raw SQL:       {b[k]!r}", file=sys.stderr)
        raise SystemExit(f"{dialect} {key}: the raw-SQL baseline and build_summary disagree on {', '.join(bad)}")
    t = a["totals"]
    return [f"{key}: same figures on both sides — new {t[0]}, closed {t[1]}, open at end {t[2]}, "
            f"{len(a['by_unit'])} units, {len(a['medians'])} medians, checklist answered/due "
            f"{a['checklist_totals'][1]}/{a['checklist_totals'][0]}, {sum(o[0] for o in a['oppdrag'].values())} oppdrag"]


def capture_statements(engine, build, period: Period | None = None) -> list:
    """The statements `build` sends to the driver, with their bound parameters as the driver got them.

    On SQLite the medians run on the bare cursor (`reports.medians`), outside SQLAlchemy's events: the
    two statements are added here with the bounds of `period` and of the previous period."""
    from sqlalchemy import event

    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        build()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    if period is not None and engine.dialect.name == "sqlite":
        from reports.medians import SQLITE_DAYS, stored_instant

        for lo, hi in (period.bounds_utc("Europe/Oslo"), period.previous().bounds_utc("Europe/Oslo")):
            seen.append((SQLITE_DAYS, (1, stored_instant(lo), stored_instant(hi))))
    return seen


def replay(raw, statements: list) -> None:
    """The same statements as build_summary, run on the bare DB-API cursor, rows fetched and left raw."""
    cur = raw.cursor()
    for sql, params in statements:
        cur.execute(sql, params)
        if cur.description is not None:
            cur.fetchall()
    raw.rollback()


def prepare_sqlite(scale: float, seed: int, cache_dir: Path, years: int | None = None) -> tuple[str, dict, str]:
    """The built SQLite file for (scale, seed, years), reused from `cache_dir` when it is there."""
    import json

    from models.migrate import upgrade

    cache_dir.mkdir(parents=True, exist_ok=True)
    tail = "" if years is None else f"-y{years}"
    path = cache_dir / f"summary-v{BUILD_VERSION}-s{scale:g}-seed{seed}{tail}.db"
    meta = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    if path.exists() and meta.exists():
        upgrade(url)  # a migration added since the file was built (an index) is applied to it
        return url, json.loads(meta.read_text()), f"cached {path}"
    for p in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    upgrade(url)
    t0 = time.perf_counter()
    sizes = build_sqlite(path, scale, seed, years)
    took = time.perf_counter() - t0
    meta.write_text(json.dumps(sizes))
    return url, sizes, f"built in {took:.1f} s"


def run_backend(dialect: str, url: str, sizes: dict, how: str, repeat: int) -> list[str]:
    from models.db import make_engine

    engine = make_engine(url)
    raw = engine.raw_connection()
    drv = raw.driver_connection
    lines = [f"### {dialect}: {sizes['people']} people, {sizes['avvik']} avvik, {sizes['answers']} checklist answers "
             f"({how})", "", "| summary | build_summary (ms) | same statements, bare cursor (ms) | ratio | "
             "base tables, same figures (ms) | ratio |", "|---|---:|---:|---:|---:|---:|"]
    checks: list[str] = []
    for key in ("2026-11", "2026"):
        period = parse_period(key)
        (ms_orm, ms_same, ms_raw), found = measure_period(engine, drv, dialect, key, [], repeat)
        lines.append(f"| {period.kind} {key} | {ms_orm:.1f} | {ms_same:.1f} | {ms_orm / ms_same:.2f}× | "
                     f"{ms_raw:.1f} | {ms_orm / ms_raw:.2f}× |")
        checks += found
    lines += [""] + checks
    raw.close()
    engine.dispose()
    return lines


def measure_period(engine, drv, dialect: str, key: str, extra: list, repeat: int) -> tuple[list[float], list[str]]:  # type: ignore[no-untyped-def]
    """Time build_summary, the same statements on the bare cursor, the base-table statements and `extra`
    in turn; then check that the base tables give the very figures build_summary reports."""
    from reports import queries

    without_varsling = sections()
    period = parse_period(key)

    def orm() -> None:
        with Session(engine.execution_options(trad_readonly=True)) as s:
            queries.build_summary(session=s, org_id=1, period=period, now=NOW, sections=without_varsling)
            s.rollback()

    same = capture_statements(engine, orm, period)
    ms = timed_three([orm, lambda: replay(drv, same), lambda: raw_summary(drv, dialect, period), *extra], repeat)
    with Session(engine.execution_options(trad_readonly=True)) as s:
        summary = queries.build_summary(session=s, org_id=1, period=period, now=NOW, sections=without_varsling)
    return ms, check_same(dialect, key, summary, raw_summary(drv, dialect, period), period)


def timed_three(fns: list, repeat: int) -> list[float]:
    """Median ms of each function, run in turn (a, b, c, a, b, c, …) after one warm-up each, so every
    side sees the same load on the shared machine (run one after the other, a burst of other work
    during one side skews the ratio)."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) * 1000 for ts in times]


def growth_rows(dialect: str, url: str, sizes: dict, label: str, repeat: int) -> list[str]:
    """One row per period: build_summary against the same statements replayed on the bare cursor, the
    base-table statements of the same figures (the summary's SQL before the counters) and a plain query."""
    from models.db import make_engine

    engine = make_engine(url)
    raw = engine.raw_connection()
    drv = raw.driver_connection
    rows, checks = [], []
    for key in ("2026-11", "2026"):
        period = parse_period(key)
        ms, found = measure_period(engine, drv, dialect, key, [lambda p=period: plain_sql(drv, dialect, p)], repeat)
        checks += found  # a figure that differs from the base tables is reported, not dropped
        rows.append(f"| {dialect} | {label} | {sizes['people']:,} | {sizes['avvik']:,} | {sizes['answers']:,} | "
                    f"{period.kind} {key} | {ms[0]:.1f} | {ms[1]:.1f} | {ms[2]:.1f} | {ms[3]:.1f} | "
                    f"{ms[0] / ms[1]:.2f}× | {ms[0] / ms[2]:.2f}× | {ms[0] / ms[3]:.2f}× |")
        print(rows[-1], flush=True)
    raw.close()
    engine.dispose()
    return rows + checks


GROWTH = [(0.2, 1), (0.5, 1), (1.0, 1), (2.0, 1), (5.0, 1), (1.0, 3), (1.0, 5)]


def run_growth(args: argparse.Namespace) -> list[str]:
    """Issue 15, point 3: scale 0.2×–5× of a year's volume, then 1, 3 and 5 years of history at 1×."""
    from models.db import make_engine
    from models.migrate import upgrade

    out = ["| db | data | people | avvik | answers | summary | build_summary ms | same statements, bare cursor ms | "
           "base tables, same figures ms | plain query ms | ÷ same | ÷ base tables | ÷ plain |",
           "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    cases = [(sc, y) for sc, y in GROWTH if (args.growth_only is None or f"{sc:g}x{y}" in args.growth_only)]
    for scale, years in cases:
        label = f"{scale:g}× · {years} y"
        if args.db in ("sqlite", "both"):
            url, sizes, how = prepare_sqlite(scale, args.seed, Path(args.cache_dir), years)
            print(f"sqlite {label}: {how}", flush=True)
            out += growth_rows("sqlite", url, sizes, label, args.repeat)
        if args.db in ("postgresql", "both"):
            schema = f"trad_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.pg_url}{'&' if '?' in args.pg_url else '?'}options={quote(f'-csearch_path={schema}')}"
            try:
                upgrade(url)
                engine = make_engine(url)
                raw = engine.raw_connection()
                t0 = time.perf_counter()
                sizes = build_pg(raw.driver_connection, scale, args.seed, years)
                print(f"postgresql {label}: built in {time.perf_counter() - t0:.1f} s", flush=True)
                raw.close()
                engine.dispose()
                out += growth_rows("postgresql", url, sizes, label, args.repeat)
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache-dir", default=os.environ.get("BENCH_DIR") or "var/bench",
                    help="where the built SQLite file is kept, keyed by scale and seed")
    ap.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--growth", action="store_true",
                    help="the growth matrix (issue 15): 0.2×–5× of a year, then 1, 3 and 5 years at 1×")
    ap.add_argument("--growth-only", default=None, help="comma-separated cases, e.g. 5x1,1x5")
    args = ap.parse_args()
    if args.growth:
        args.growth_only = args.growth_only.split(",") if args.growth_only else None
        load0 = Path("/proc/loadavg").read_text().split()[0]
        rows = run_growth(args)
        print(f"\nCommand: `python bench/summary.py {' '.join(sys.argv[1:])}`; load average {load0} at the start, "
              f"{Path('/proc/loadavg').read_text().split()[0]} at the end; medians of {args.repeat}\n")
        print("\n".join(rows))
        return
    out = []
    if args.db in ("sqlite", "both"):
        url, sizes, how = prepare_sqlite(args.scale, args.seed, Path(args.cache_dir))
        out += run_backend("sqlite", url, sizes, how, args.repeat) + [""]
    if args.db in ("postgresql", "both"):
        schema = f"trad_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.pg_url else "?"
        url = f"{args.pg_url}{sep}options={quote(f'-csearch_path={schema}')}"
        try:
            from models.db import make_engine
            from models.migrate import upgrade

            upgrade(url)
            engine = make_engine(url)
            raw = engine.raw_connection()
            t0 = time.perf_counter()
            sizes = build_pg(raw.driver_connection, args.scale, args.seed)
            how = f"built in {time.perf_counter() - t0:.1f} s"
            raw.close()
            engine.dispose()
            out += run_backend("postgresql", url, sizes, how, args.repeat)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print("\n".join(out))


if __name__ == "__main__":
    main()

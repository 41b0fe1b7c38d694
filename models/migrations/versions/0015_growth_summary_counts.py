"""growth: pre-aggregated avvik and checklist counts for the summaries, kept by triggers (issue 15)

Why triggers: the counts must move in the same transaction as every avvik and answer write,
whatever code (or bulk load) makes it, as 0014_skperf_plan_version does for the plan version.
SQLite: row triggers (upserts of one counter row each). PostgreSQL: statement triggers with
transition tables, one grouped upsert per statement (a bulk COPY is one statement). Triggers come
first, the backfill from the base tables after, in the same transaction: a write that waits on the
trigger's table lock is counted by the trigger, never twice or not at all.

Invariant the reads rely on: an answer's item belongs to its run's template (the service makes the
run for the item's template), so a run's tally is counted whenever its template is active.

Revision ID: 0015_growth_summary_counts
Revises: 0003_report_indexes, 0004_avvik_idempotency (after 0004: its batch rebuild of `avvik` on SQLite
would drop the triggers; a later migration that rebuilds `avvik` or `checklist_answer` in batch mode must
create them again — tests/reports/test_summary_counts.py fails if they are missing)
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_growth_summary_counts"
down_revision: str | Sequence[str] | None = ("0003_report_indexes", "0004_avvik_idempotency")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AVVIK_COLUMNS = "org_id, unit_id, category, created_at, closed_at, status, risk"
TRIGGERS = {"avvik": ("avvik_counts", AVVIK_COLUMNS), "checklist_answer": ("run_tally", "run_id, answer")}


def _month(col: str, dialect: str) -> str:
    """The UTC calendar month of a stored instant, as 'YYYY-MM'."""
    return f"strftime('%Y-%m', {col})" if dialect == "sqlite" else f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')"


def _avvik_upserts(src: str, dialect: str) -> list[str]:
    """Grouped upserts of the avvik counters from `src`, rows of (avvik columns…, s) where s is +1 or −1."""
    created, closed = _month("created_at", dialect), _month("closed_at", dialect)
    return [
        "INSERT INTO avvik_month (org_id, month, unit_id, category, n_new, n_closed) "
        f"SELECT org_id, month, unit_id, category, SUM(a), SUM(b) FROM ("
        f"SELECT org_id, {created} AS month, unit_id, category, s AS a, 0 AS b FROM {src} UNION ALL "
        f"SELECT org_id, {closed}, unit_id, category, 0, s FROM {src} WHERE closed_at IS NOT NULL) x "
        "GROUP BY org_id, month, unit_id, category HAVING SUM(a) <> 0 OR SUM(b) <> 0 ORDER BY 1, 2, 3, 4 "
        "ON CONFLICT (org_id, month, unit_id, category) DO UPDATE SET n_new = avvik_month.n_new + excluded.n_new, "
        "n_closed = avvik_month.n_closed + excluded.n_closed",
        "INSERT INTO avvik_month_status (org_id, month, status, risk, n) "
        f"SELECT org_id, {created}, status, risk, SUM(s) FROM {src} GROUP BY 1, 2, 3, 4 HAVING SUM(s) <> 0 "
        "ORDER BY 1, 2, 3, 4 ON CONFLICT (org_id, month, status, risk) DO UPDATE SET n = avvik_month_status.n + excluded.n",
        "INSERT INTO avvik_open (org_id, unit_id, n) "
        f"SELECT org_id, unit_id, SUM(s) FROM {src} WHERE closed_at IS NULL GROUP BY 1, 2 HAVING SUM(s) <> 0 "
        "ORDER BY 1, 2 ON CONFLICT (org_id, unit_id) DO UPDATE SET n = avvik_open.n + excluded.n",
    ]


def _tally_upserts(src: str) -> list[str]:
    return ["INSERT INTO checklist_run_tally (run_id, answered, nei) "
            f"SELECT run_id, SUM(s), SUM(CASE WHEN answer = 'nei' THEN s ELSE 0 END) FROM {src} GROUP BY run_id "
            "HAVING SUM(s) <> 0 OR SUM(CASE WHEN answer = 'nei' THEN s ELSE 0 END) <> 0 ORDER BY 1 "
            "ON CONFLICT (run_id) DO UPDATE SET answered = checklist_run_tally.answered + excluded.answered, nei = checklist_run_tally.nei + excluded.nei"]


def _upserts(table: str, src: str, dialect: str) -> list[str]:
    return _avvik_upserts(src, dialect) if table == "avvik" else _tally_upserts(src)


def _sqlite() -> None:
    """Row triggers; the row's contribution is a one-row subquery of OLD (−1) and/or NEW (+1)."""
    for table, (name, cols) in TRIGGERS.items():
        def rec(r: str, s: int, cols: str = cols) -> str:
            return f"SELECT {', '.join(f'{r}.{c.strip()} AS {c.strip()}' for c in cols.split(','))}, {s} AS s"
        for suffix, event, src in (("ins", "INSERT", rec("NEW", 1)), ("del", "DELETE", rec("OLD", -1)),
                                   ("upd", f"UPDATE OF {cols}", f"{rec('OLD', -1)} UNION ALL {rec('NEW', 1)}")):
            body = " ".join(f"{s};" for s in _upserts(table, f"({src}) AS d", "sqlite"))
            op.execute(f"CREATE TRIGGER trg_{name}_{suffix} AFTER {event} ON {table} BEGIN {body} END")


def _postgresql() -> None:
    """Statement triggers: one grouped upsert per statement from its transition tables."""
    for table, (name, cols) in TRIGGERS.items():
        for event, src in (("INSERT", f"SELECT {cols}, 1 AS s FROM new_rows"),
                           ("DELETE", f"SELECT {cols}, -1 AS s FROM old_rows"),
                           ("UPDATE", f"SELECT {cols}, -1 AS s FROM old_rows UNION ALL SELECT {cols}, 1 FROM new_rows")):
            fn = f"trg_{name}_{event.lower()}"
            body = "\n  ".join(f"{s};" for s in _upserts(table, f"({src}) AS d", "postgresql"))
            op.execute(f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n"
                       "  RETURN NULL;\nEND $$")
            refs = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
            op.execute(f"CREATE TRIGGER {fn} AFTER {event} ON {table} REFERENCING {refs} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()")


def upgrade() -> None:
    op.create_table(
        "avvik_month",
        sa.Column("org_id", sa.Integer(), nullable=False), sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False), sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("n_new", sa.Integer(), nullable=False), sa.Column("n_closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "unit_id", "category"))
    op.create_table(
        "avvik_month_status",
        sa.Column("org_id", sa.Integer(), nullable=False), sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False), sa.Column("risk", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("org_id", "month", "status", "risk"))
    op.create_table(
        "avvik_open",
        sa.Column("org_id", sa.Integer(), nullable=False), sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("org_id", "unit_id"))
    op.create_table(
        "checklist_run_tally",
        sa.Column("run_id", sa.Integer(), nullable=False), sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("nei", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("run_id"))
    dialect = op.get_bind().dialect.name
    (_postgresql if dialect == "postgresql" else _sqlite)()
    for table, (_name, cols) in TRIGGERS.items():  # the backfill: every existing row counted once
        for sql in _upserts(table, f"(SELECT {cols}, 1 AS s FROM {table}) AS d", dialect):
            op.execute(sql)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, (name, _cols) in TRIGGERS.items():
        for suffix in ("insert", "update", "delete") if pg else ("ins", "upd", "del"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{name}_{suffix}" + (f" ON {table}" if pg else ""))
            if pg:
                op.execute(f"DROP FUNCTION IF EXISTS trg_{name}_{suffix}()")
    for t in ("checklist_run_tally", "avvik_open", "avvik_month_status", "avvik_month"):
        op.drop_table(t)

"""skperf: a per-kommune plan version, bumped by triggers on every write a styringskort reads (issue 10)

Why triggers: the web workers keep a rendered card as a memo of one version, so the version must
move in the same transaction as every write, whatever code (or bulk import) makes it. Row triggers
on SQLite and PostgreSQL; the person table only when a person's unit, activity or kommune changes
(the staff weights), not on every profile edit. `structure` moves with every write except a value
or a person (the plan's layout: indicators, targets, units), so a check-in keeps the layout memo.

Revision ID: 0014_skperf_plan_version
Revises: 0008_risk (a head of its own; `upgrade` runs to "heads")
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_skperf_plan_version"
down_revision: str | Sequence[str] | None = "0008_risk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose writes change figures but not the plan's layout.
FIGURES_ONLY = ("indicator_value", "person")
#: table → the column holding the kommune's id.
TABLES = {"indicator_value": "org_id", "indicator": "org_id", "indicator_target": "org_id",
          "indicator_unit": "org_id", "plan_goal": "org_id", "plan_perspective": "org_id", "unit": "org_id",
          "organisation": "id"}
PERSON_COLUMNS = "unit_id, active, org_id"


def _bump(ref: str, table: str) -> str:
    s = 0 if table in FIGURES_ONLY else 1
    return (f"INSERT INTO plan_version (org_id, version, structure) VALUES ({ref}, 1, {s}) "
            f"ON CONFLICT (org_id) DO UPDATE SET version = plan_version.version + 1, "
            f"structure = plan_version.structure + {s};")


def _sqlite() -> None:
    for table, col in TABLES.items():
        events = {"ins": ("INSERT", "NEW"), "upd": ("UPDATE", "NEW"), "del": ("DELETE", "OLD")}
        if table == "organisation":
            events = {"upd": ("UPDATE OF name", "NEW")}
        for suffix, (event, rec) in events.items():
            op.execute(f"CREATE TRIGGER trg_plan_version_{table}_{suffix} AFTER {event} ON {table} "
                       f"BEGIN {_bump(f'{rec}.{col}', table)} END")
    for suffix, (event, rec) in {"ins": ("INSERT", "NEW"), "upd": (f"UPDATE OF {PERSON_COLUMNS}", "NEW"),
                                 "del": ("DELETE", "OLD")}.items():
        op.execute(f"CREATE TRIGGER trg_plan_version_person_{suffix} AFTER {event} ON person "
                   f"BEGIN {_bump(f'{rec}.org_id', 'person')} END")


def _bump_pg(source: str, table: str) -> str:
    """PostgreSQL's bump: at most once per transaction for `version` (and once for `structure`).

    Why once: each update of the one counter row adds a row version the next update must walk
    past until the transaction ends, so a bulk import (288,000 single-row inserts in the bench)
    went quadratic. One bump is all a reader can see anyway: the writes appear at commit."""
    s = 0 if table in FIGURES_ONLY else 1
    me = "txid_current()"
    structure_due = f"{s} = 1 AND plan_version.stx IS DISTINCT FROM {me}"
    return (f"INSERT INTO plan_version AS plan_version (org_id, version, structure, vtx, stx) {source} "
            f"ON CONFLICT (org_id) DO UPDATE SET "
            f"version = plan_version.version + (plan_version.vtx IS DISTINCT FROM {me})::int, vtx = {me}, "
            f"structure = plan_version.structure + ({structure_due})::int, "
            f"stx = CASE WHEN {s} = 1 THEN {me} ELSE plan_version.stx END "
            f"WHERE plan_version.vtx IS DISTINCT FROM {me} OR ({structure_due});")


def _bump_changed(col: str, table: str) -> str:
    """The bump for every kommune among a statement's changed rows (transition table `changed`)."""
    s = 0 if table in FIGURES_ONLY else 1
    return _bump_pg(f"SELECT DISTINCT {col}, 1, {s}, txid_current(), "
                    f"CASE WHEN {s} = 1 THEN txid_current() END FROM changed", table)


def _pg_function(name: str, body: str) -> None:
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n  RETURN NULL;\nEND $$")


def _postgresql() -> None:
    """Statement triggers with transition tables for the plan's tables: one bump per statement and
    kommune (a row trigger made a bulk import of 288,000 values update the counter's row 288,000
    times in one transaction, each walking the row's growing chain of versions). The person and
    organisation tables need column lists, which transition tables do not allow: row triggers there."""
    for table, col in TABLES.items():
        if table == "organisation":
            continue
        for event, rel in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"trg_plan_version_{table}_{event.lower()}"
            _pg_function(name, _bump_changed(col, table))
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {rel} TABLE AS changed "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    for table, col, events in (("person", "org_id", f"INSERT OR DELETE OR UPDATE OF {PERSON_COLUMNS}"),
                               ("organisation", "id", "UPDATE OF name")):
        name = f"trg_plan_version_{table}"
        s = 0 if table in FIGURES_ONLY else 1
        _pg_function(name, _bump_pg(f"VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.{col} ELSE NEW.{col} END, 1, {s}, "
                                    f"txid_current(), CASE WHEN {s} = 1 THEN txid_current() END)", table))
        op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")


def upgrade() -> None:
    op.create_table(
        "plan_version",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("structure", sa.Integer(), nullable=False),
        sa.Column("vtx", sa.BigInteger(), nullable=True),  # PostgreSQL: the transaction that last bumped
        sa.Column("stx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("org_id"),
    )
    (_postgresql if op.get_bind().dialect.name == "postgresql" else _sqlite)()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in [*TABLES, "person"]:
            for name in (f"trg_plan_version_{table}", *(f"trg_plan_version_{table}_{e}" for e in ("insert", "update", "delete"))):
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for table in [*TABLES, "person"]:
            for suffix in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_plan_version_{table}_{suffix}")
    op.drop_table("plan_version")

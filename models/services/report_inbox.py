"""The report inbox: an avvik reported in chat is kept as one row before the ack, registered right after.

Why: Slack gives an interaction 3 s, and «a report acknowledged is a report kept» only needs the
report on disk. `accept` is therefore one INSERT (the reporter's kommune taken in the same
statement); `register_next`, run by the background (`notifications.inbox_worker`), turns the
oldest row into an avvik with its number, notices and escalation, and deletes the row, all in
one transaction: a crash before the commit leaves the row for the next try, and the avvik's
idempotency key (the Slack view id) makes a resubmitted view end in the same case. A report the
domain refuses after the ack (a unit closed meanwhile) is not lost: the reporter gets a DM that
says why and quotes what they wrote.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, bindparam, delete, exists, literal, true
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from models.errors import DomainError, UnknownPerson, ValidationFailed
from models.i18n import _
from models.messages import Reply
from models.services import avvik as avvik_svc
from models.services import outbox
from models.services._tx import writes
from models.sql import table_of
from models.tables import Avvik, Person, ReportInbox, Unit
from models.tables._common import utcnow

AVVIK_FORM = "avvik.report"


def _encode(data: avvik_svc.AvvikInput) -> dict:
    raw = asdict(data)
    raw["occurred_at"] = data.occurred_at.isoformat()
    return raw


def _decode(raw: dict) -> avvik_svc.AvvikInput:
    return avvik_svc.AvvikInput(**{**raw, "occurred_at": datetime.fromisoformat(raw["occurred_at"])})


@lru_cache(maxsize=8)
def _accept_statement(dialect: str, with_unit: bool) -> Any:
    """The INSERT … SELECT that keeps a report, built once: building it per report (a dozen clause objects,
    coerced and cache-keyed each time) cost about as much as running it, before the Slack ack."""
    table = table_of(ReportInbox)
    reporter = bindparam("reporter_id", type_=Integer)
    source = core_select(col(Person.org_id), reporter, bindparam("key", type_=String),
                         literal(AVVIK_FORM, String), bindparam("data", type_=table.c.data.type),
                         literal("pending", String), bindparam("received_at", type_=table.c.received_at.type)).where(
        col(Person.id) == reporter, col(Person.active).is_(True), _unit_is_open(with_unit))
    ins = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).from_select(
        ["org_id", "reporter_id", "idempotency_key", "form_id", "data", "status", "received_at"], source)
    return ins.on_conflict_do_nothing(index_elements=["org_id", "idempotency_key"]).returning(table.c.id)


@writes
def accept(*, session: Session, reporter_id: int, data: avvik_svc.AvvikInput, idempotency_key: str | None,
           received_at: datetime | None = None) -> None:
    """Keep a checked report durably, in one statement. A resubmission with the same key adds nothing."""
    key = idempotency_key[:200] if idempotency_key else None
    statement = _accept_statement(session.get_bind().dialect.name, data.unit_id is not None)
    params = {"reporter_id": reporter_id, "key": key, "data": _encode(data), "received_at": received_at or utcnow(),
              "unit_id": data.unit_id}
    added = session.connection().execute(statement, params).first()
    if added is None and (key is None or not _known_key(session, reporter_id, key)):
        if data.unit_id is not None and session.get(Person, reporter_id) is not None:
            raise ValidationFailed({"unit_id": _("Velg en enhet i din kommune.")})
        raise UnknownPerson(_("Du er ikke registrert som aktiv ansatt i Tråd. Kontakt din leder eller Tråd-administratoren."))


def _unit_is_open(with_unit: bool) -> ColumnElement[bool]:
    """A chosen unit (`:unit_id`) must be an open unit of the reporter's own kommune (checked in the INSERT itself)."""
    if not with_unit:
        return true()
    return exists().where(col(Unit.id) == bindparam("unit_id", type_=Integer), col(Unit.org_id) == col(Person.org_id),
                          col(Unit.active).is_(True))


def _known_key(session: Session, reporter_id: int, key: str) -> bool:
    """The rare resubmission: the key is waiting in the inbox or already an avvik of this person's kommune."""
    org_id = select(col(Person.org_id)).where(col(Person.id) == reporter_id).scalar_subquery()
    waiting = session.exec(select(func.count()).select_from(ReportInbox).where(
        col(ReportInbox.org_id) == org_id, col(ReportInbox.idempotency_key) == key)).one()
    return bool(waiting) or _avvik_with_key(session, org_id, key) is not None


def _avvik_with_key(session: Session, org_id: object, key: str) -> int | None:
    return session.exec(select(col(Avvik.id)).where(col(Avvik.org_id) == org_id,
                                                   col(Avvik.idempotency_key) == key)).first()


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> Any:
    """The oldest waiting row and, in the same statement, the avvik its key already became (a report
    registered before a crash that left its row). Core, built once: the ORM's load of the row and a
    second look-up for the key cost a third of a registration, on the core that answers Slack."""
    table, cases = table_of(ReportInbox), table_of(Avvik)
    done = (core_select(cases.c.id).where(cases.c.org_id == table.c.org_id,
                                          cases.c.idempotency_key == table.c.idempotency_key)
            .limit(1).scalar_subquery())
    q = (core_select(table.c.id, table.c.org_id, table.c.reporter_id, table.c.idempotency_key, table.c.data,
                     done.label("done")).where(table.c.status == "pending").order_by(table.c.id).limit(1))
    if dialect == "postgresql":
        q = q.with_for_update(skip_locked=True, of=table)  # several background processes each take another row
    return q


@lru_cache(maxsize=1)
def _delete_statement() -> Any:
    table = table_of(ReportInbox)
    return delete(table).where(table.c.id == bindparam("row_id", type_=Integer))


def register_next(*, session: Session) -> bool:
    """Register the oldest waiting report; False when none waits. Commits its own transaction."""
    row = session.execute(_claim_statement(session.get_bind().dialect.name)).first()
    if row is None:
        session.rollback()
        return False
    try:
        if row.done is None:
            avvik_svc.report_avvik.__wrapped__(session=session, reporter_id=row.reporter_id, data=_decode(row.data),
                                               idempotency_key=row.idempotency_key)
    except DomainError as exc:
        session.rollback()
        _refuse(session, row.id, row.reporter_id, exc.message)
        return True
    except BaseException:
        session.rollback()
        raise
    session.connection().execute(_delete_statement(), {"row_id": row.id})
    session.commit()
    return True


def _refuse(session: Session, row_id: int | None, reporter_id: int, reason: str) -> None:
    """Tell the reporter why their report could not be registered, with their own words, and drop the row."""
    row = session.get(ReportInbox, row_id)
    if row is None:  # another process finished it meanwhile
        session.rollback()
        return
    words = str(row.data.get("description") or "")
    outbox.enqueue(session, org_id=row.org_id, dedupe_key=f"report_inbox:{row_id}:refused", kind="report_refused",
                   recipient_person_id=reporter_id, payload=lambda: refused_notice(reason, words))
    session.delete(row)
    session.commit()


def refused_notice(reason: str, words: str) -> Reply:
    return Reply(title=_("Avviket ditt ble ikke registrert"),
                 text=_("{reason} Meld det gjerne på nytt med /avvik. Dette skrev du: «{words}»").format(
                     reason=reason, words=words[:1500]))


def waiting(*, session: Session) -> int:
    """How many reports wait to be registered (for `trad outbox` and the health page)."""
    return int(session.exec(select(func.count()).select_from(ReportInbox)
                            .where(col(ReportInbox.status) == "pending")).one())

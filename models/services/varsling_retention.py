"""Retention, archive export and secure deletion of varsler; counts for leadership summaries.

Deletion is crypto-shredding plus row deletion: the only copies of a case's key are the
sealed boxes in its access rows and the reporter box, so once those rows are gone the
ciphertext (in backups, WAL, free pages) can no longer be opened, and the receipt code
finds nothing. On SQLite we also turn on `secure_delete` so freed pages are zeroed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from nacl.public import PrivateKey
from sqlalchemy import delete, text
from sqlmodel import Session, func, select

from models.errors import InvalidTransition
from models.i18n import _
from models.services import audit
from models.services._tx import writes
from models.services.varsling_cases import status_label
from models.services.varsling_casework import CHECKLIST, _access, _case_view, _key
from models.sql import col
from models.tables.varsling import Varsel, VarselAccess, VarselMessage

SMALL = "færre enn 5"


@writes
def export_case(*, session: Session, person_id: int, varsel_id: int, sk: PrivateKey, today: date) -> dict[str, Any]:
    """The closed case as a dict for the archive (JSON or printable HTML). Audited, marks the case exported."""
    varsel, access = _access(session, varsel_id=varsel_id, person_id=person_id)
    if varsel.status != "lukket":
        raise InvalidTransition(_("Bare avsluttede saker kan eksporteres til arkivet."))
    view = _case_view(session, varsel, _key(access, sk))
    varsel.exported_on = today
    session.add(varsel)
    audit.record(session, org_id=varsel.org_id, actor_id=person_id, action="varsling.exported",
                 entity="varsel", entity_id=varsel_id)
    return {
        "sak": varsel.ref,
        "mottatt": varsel.received_on.isoformat(),
        "status": status_label(varsel.status),
        "frist_bekreftelse": varsel.ack_due.isoformat(),
        "bekreftet": varsel.acknowledged_on.isoformat() if varsel.acknowledged_on else None,
        "frist_tilbakemelding": varsel.feedback_due.isoformat(),
        "tilbakemelding": varsel.feedback_on.isoformat() if varsel.feedback_on else None,
        "avsluttet": varsel.closed_on.isoformat() if varsel.closed_on else None,
        "varslingsrutine_versjon": varsel.rutine_version,
        "sjekkliste": {label: bool(getattr(varsel, name)) for name, label in CHECKLIST.items()},
        "hva": view.what,
        "hvor_og_når": view.where_when,
        "enhet": view.unit,
        "gjelder_kommunedirektøren": view.concerns_director,
        "mottakere": view.recipients,
        "meldinger": [{"fra": "varsleren" if s == "varsler" else (n or "mottaker"), "dato": d.isoformat(), "tekst": t}
                      for s, n, d, t in view.messages],
        "merknad": "Varslerens identitet (hvis oppgitt) er ikke med i eksporten.",
    }


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def expired_cases(session: Session, *, today: date, retention_days: int) -> list[Varsel]:
    cutoff = today - timedelta(days=retention_days)
    return list(session.exec(select(Varsel).where(Varsel.status == "lukket", col(Varsel.closed_on).is_not(None),
                                                  col(Varsel.closed_on) <= cutoff).order_by(col(Varsel.id))).all())


@writes
def purge_expired(*, session: Session, today: date, retention_days: int, only_exported: bool = False) -> list[str]:
    """Delete closed cases older than the retention period. Returns the case numbers deleted."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    gone: list[str] = []
    for v in expired_cases(session, today=today, retention_days=retention_days):
        if only_exported and v.exported_on is None:
            continue
        delete_case(session, v)
        gone.append(v.ref)
    return gone


def delete_case(session: Session, v: Varsel) -> None:
    """Remove every row of one case, keys first (crypto-shredding), in the caller's transaction."""
    session.execute(delete(VarselAccess).where(col(VarselAccess.varsel_id) == v.id))
    session.execute(delete(VarselMessage).where(col(VarselMessage.varsel_id) == v.id))
    audit.record(session, org_id=v.org_id, actor_id=None, action="varsling.deleted", entity="varsel",
                 entity_id=v.id, detail={"sak": v.ref})
    session.delete(v)
    session.flush()


def _shown(n: int) -> int | str:
    return SMALL if n < 5 else n


def varsling_counts(*, session: Session, org_id: int, start: date, end: date) -> dict[str, int | str]:
    """Counts only, for leadership summaries over [start, end): never per case; under 5 shown as «færre enn 5».

    Keys: mottatt (received in the period), avsluttet (closed in the period), apne (open at the end),
    frist_oversittet (open cases whose acknowledgement or feedback deadline passed before the end).
    """
    def count(*conds: Any) -> int:
        return int(session.exec(select(func.count()).select_from(Varsel).where(Varsel.org_id == org_id, *conds)).one())

    received = count(Varsel.received_on >= start, Varsel.received_on < end)
    closed_on = col(Varsel.closed_on)
    closed = count(closed_on.is_not(None), closed_on >= start, closed_on < end)
    open_at_end = count(Varsel.received_on < end, closed_on.is_(None) | (closed_on >= end))
    overdue = count(Varsel.received_on < end, Varsel.status != "lukket",
                    (col(Varsel.acknowledged_on).is_(None) & (col(Varsel.ack_due) < end))
                    | (col(Varsel.feedback_on).is_(None) & (col(Varsel.feedback_due) < end)))
    return {"mottatt": _shown(received), "avsluttet": _shown(closed), "apne": _shown(open_at_end),
            "frist_oversittet": _shown(overdue)}

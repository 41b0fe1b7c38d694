"""Shared set-up for the varsling tests: recipients with keys, a submitted varsel."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from models.services import varsling_cases as cases
from models.services import varsling_keys as keys
from tests.factories import TestOrg

PASSPHRASE = "korrekt hest batteri stift"


def give_keys(session: Session, org: TestOrg, *who: str) -> dict[str, str]:
    """Make the named people varslingsmottakere (if needed) with a key; returns their recovery keys."""
    from models.tables import PersonRole

    out = {}
    for key in who:
        pid = org.people[key]
        if not keys.is_recipient(session, pid):
            session.add(PersonRole(org_id=org.org_id, person_id=pid, role="varslingsmottaker"))
            session.commit()
        out[key] = keys.create_key(session=session, person_id=pid, passphrase=PASSPHRASE)
    return out


def submit(session: Session, org: TestOrg, *, what: str = "Noe kritikkverdig", unit: str | None = None,
           today: date = date(2026, 3, 2), name: str = "", contact: str = "", **kw) -> cases.Submitted:  # type: ignore[no-untyped-def]
    return cases.submit_varsel(
        session=session, org_id=org.org_id, what=what, where_when="På kontoret, i februar",
        unit_id=org.units[unit] if unit else None, concerns_director=kw.pop("concerns_director", False),
        name=name, contact=contact, selected_ids=kw.pop("selected_ids", None), form_nonce=kw.pop("form_nonce", None),
        nonce_expires_on=None, today=today, public_base_url="https://trad.example", **kw)

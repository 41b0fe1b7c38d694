"""Which language a message is written in: the recipient's, else the kommune's default.

Why here: notices are written to the outbox when something happens, one per recipient, so the
domain (not the edge that later delivers them) must know each recipient's language. Leadership
channels and other messages without a person speak the kommune's default; `kommune_locale` is the
one place that decides it, so a per-kommune setting can replace the global `DEFAULT_LOCALE` there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlmodel import Session, select

from models.i18n import DEFAULT_LOCALE, _, fmt_date, normalize, use_locale
from models.services import tenants
from models.settings import get_settings
from models.sql import col
from models.tables import Person


def kommune_locale(org_id: int | None = None, session: Session | None = None) -> str:
    """The kommune's default language: its own setting (`trad org set … locale=nn`), else DEFAULT_LOCALE."""
    if org_id is not None and session is not None:
        return tenants.org_locale(session, org_id)
    return normalize(get_settings().default_locale) or DEFAULT_LOCALE


def person_locale(session: Session, person_id: int | None, org_id: int | None = None) -> str:
    """The person's chosen language (org import, chat, platform guess), else the kommune's."""
    person = session.get(Person, person_id) if person_id is not None else None
    chosen = normalize(person.locale) if person is not None else None
    return chosen or kommune_locale(person.org_id if person is not None else org_id, session)


def person_locales(session: Session, person_ids: list[int]) -> dict[int, str]:
    """`person_locale` for many people in one read: a fan-out words one message per leader, and two
    ORM look-ups per leader for the language (its read, then its enqueue) were a sixth of its CPU."""
    rows = session.execute(select(col(Person.id), col(Person.locale), col(Person.org_id))
                           .where(col(Person.id).in_(person_ids))).all() if person_ids else []
    return {pid: normalize(own) or kommune_locale(org_id, session) for pid, own, org_id in rows}


def chosen_locale(*, session: Session, person_id: int) -> str | None:
    """The language the person chose (or was given in the org import), None when they have none yet."""
    person = session.get(Person, person_id)
    return normalize(person.locale) if person is not None else None


@contextmanager
def speaking_to(session: Session, person_id: int | None, org_id: int | None = None) -> Iterator[str]:
    """Every `_()` inside speaks `person_id`'s language (the kommune's when there is no person)."""
    with use_locale(person_locale(session, person_id, org_id)) as chosen:
        yield chosen


#: A text to be worded later in the recipient's language: a marked bokmål msgid and its values (dates are
#: formatted, strings are looked up in the catalog, so a marked word such as N_("bekrefte mottak") is translated).
Words = tuple[str, dict[str, Any]]


def worded(words: Words | None) -> str | None:
    if words is None:
        return None
    msgid, values = words
    return _(msgid).format(**{k: fmt_date(v) if isinstance(v, date) else _(v) if isinstance(v, str) else v
                              for k, v in values.items()})

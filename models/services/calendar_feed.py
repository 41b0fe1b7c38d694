"""Each person's private iCalendar feed (.ics): their own deadlines, for Outlook and other calendars.

The URL carries a random token (256 bits); only its SHA-256 is stored, so a database
leak gives no working URL. Making a new token revokes the old one; a revoked or unknown
token gets nothing at all (the edge answers 404), and so does a person who has left.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from models.errors import NotFound, PermissionDenied
from models.governance_terms import FINDING_KINDS, OPEN_FINDING_STATUSES, risk_ref
from models.i18n import _, use_locale
from models.periods import local_date
from models.services import arshjul, audit, org, tenants
from models.services._tx import writes
from models.tables import (
    Avvik,
    CalendarFeedToken,
    Person,
    Risk,
    RiskTiltak,
    Tilsyn,
    TilsynFinding,
    Tiltak,
)
from models.tables._common import utcnow


@dataclass(frozen=True)
class Deadline:
    uid: str
    on: date
    summary: str
    description: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@writes
def create_feed_token(*, session: Session, actor_id: int) -> str:
    """A new private feed token for the actor; their earlier ones stop working. Shown once."""
    actor = org.load_actor(session, person_id=actor_id)
    _revoke(session, actor_id)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeedToken(org_id=actor.org_id, person_id=actor_id, token_hash=_hash(token)))
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="calendar_feed.created", entity="person",
                 entity_id=actor_id)
    return token


def _revoke(session: Session, person_id: int) -> int:
    rows = session.exec(select(CalendarFeedToken).where(col(CalendarFeedToken.person_id) == person_id,
                                                        col(CalendarFeedToken.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    return len(rows)


@writes
def revoke_feed_token(*, session: Session, actor_id: int, person_id: int | None = None) -> int:
    """Stop the actor's feed (or, for an admin, another person's). Returns how many tokens stopped."""
    actor = org.load_actor(session, person_id=actor_id)
    target = person_id or actor_id
    if target != actor_id:
        person = session.get(Person, target)
        if person is None or person.org_id != actor.org_id:
            raise NotFound(_("Fant ikke personen."))
        if not actor.org_wide:
            raise PermissionDenied(_("Bare administratorer kan stoppe andres kalenderlenke."))
    n = _revoke(session, target)
    audit.record(session, org_id=actor.org_id, actor_id=actor_id, action="calendar_feed.revoked", entity="person",
                 entity_id=target, detail={"tokens": n})
    return n


def person_for_token(session: Session, token: str) -> int | None:
    if not token or len(token) > 200:
        return None
    row = session.exec(select(CalendarFeedToken).where(col(CalendarFeedToken.token_hash) == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row.person_id


def my_deadlines(session: Session, *, person_id: int, today: date) -> list[Deadline]:
    """The person's own deadlines from today's year on: årshjul, risk reviews and tiltak, tilsyn findings, avvik tiltak."""
    actor = org.load_actor(session, person_id=person_id)
    out: list[Deadline] = []
    for act in arshjul.active_activities(session, org_id=actor.org_id):
        if arshjul.is_responsible(session, actor, act):
            for year in (today.year, today.year + 1):
                on = arshjul.occurrence_in_year(act, year)
                if on is not None:
                    out.append(Deadline(uid=f"arshjul-{act.id}-{on.isoformat()}", on=on, summary=_("Årshjul: {title}").format(title=act.title),
                                        description=act.description))
    for r in session.exec(select(Risk).where(col(Risk.owner_id) == person_id, col(Risk.status) == "aktiv")).all():
        out.append(Deadline(uid=f"risk-review-{r.id}-{r.review_date.isoformat()}", on=r.review_date,
                            summary=_("ROS-gjennomgang {ref}: {title}").format(ref=risk_ref(r.number), title=r.title)))
    for t, r in session.exec(select(RiskTiltak, Risk).join(Risk, col(Risk.id) == col(RiskTiltak.risk_id)).where(
            col(RiskTiltak.owner_id) == person_id, col(RiskTiltak.done_at).is_(None))).all():
        out.append(Deadline(uid=f"risk-tiltak-{t.id}", on=t.deadline, summary=_("Tiltak i {ref}").format(ref=risk_ref(r.number)),
                            description=t.description))
    for f, ts in session.exec(select(TilsynFinding, Tilsyn).join(Tilsyn, col(Tilsyn.id) == col(TilsynFinding.tilsyn_id))
                              .where(col(TilsynFinding.owner_id) == person_id,
                                     col(TilsynFinding.status).in_(OPEN_FINDING_STATUSES))).all():
        out.append(Deadline(uid=f"tilsyn-finding-{f.id}", on=f.deadline,
                            summary=_("{kind} etter tilsyn: {theme}").format(kind=FINDING_KINDS.get(f.kind, f.kind), theme=ts.theme),
                            description=f.description))
    for at, a in session.exec(select(Tiltak, Avvik).join(Avvik, col(Avvik.id) == col(Tiltak.avvik_id)).where(
            col(Tiltak.owner_id) == person_id, col(Tiltak.done_at).is_(None))).all():
        out.append(Deadline(uid=f"avvik-tiltak-{at.id}", on=at.deadline, summary=_("Tiltak i {ref}").format(ref=f"AV-{a.number}"),
                            description=at.description))
    return sorted(out, key=lambda d: (d.on, d.uid))


def to_ics(deadlines: list[Deadline], *, host: str = "trad", now: datetime | None = None) -> bytes:
    """All-day events with stable UIDs, so a calendar updates them instead of adding copies."""
    cal = Calendar()
    cal.add("prodid", "-//Tråd//Mine frister//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Tråd – mine frister"))
    stamp = now or utcnow()
    for d in deadlines:
        ev = Event()
        ev.add("uid", f"{d.uid}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", d.on)
        ev.add("dtend", d.on + timedelta(days=1))
        ev.add("summary", d.summary)
        if d.description:
            ev.add("description", d.description)
        cal.add_component(ev)
    return cal.to_ical()


def feed_for_token(*, session: Session, token: str, now: datetime | None = None, tz: str = "Europe/Oslo") -> bytes | None:
    """The .ics for a token, or None for an unknown or revoked token or a person who is no longer active."""
    person_id = person_for_token(session, token)
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None or not person.active:
        return None
    now = now or utcnow()
    with use_locale(person.locale, tenants.org_locale(session, person.org_id)):  # no request: the person's language
        return to_ics(my_deadlines(session, person_id=person_id, today=local_date(now, tz)), now=now)

"""A small hand-built dataset in the test organisation with figures worked out by hand.

All times are Europe/Oslo local times; the comments give the month they belong to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.tables import Avvik, ChecklistAnswer, ChecklistItem, ChecklistRun, ChecklistTemplate, Oppdrag
from reports.summary import Summary
from tests.factories import TestOrg

OSLO = ZoneInfo("Europe/Oslo")
AURVOLL = "Oppvekst/Aurvoll skole"
SOLVANG = "Oppvekst/Solvang skole"
HJEMME = "Helse og omsorg/Hjemmebaserte tjenester"


def local(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=OSLO).astimezone(UTC)


def add_avvik(session: Session, t: TestOrg, *, unit: str, category: str, risk: int, created: datetime,
              closed: datetime | None = None, title: str = "Hendelse") -> Avvik:
    n = getattr(t, "_n", 0) + 1
    t._n = n  # type: ignore[attr-defined]
    p = 1 if risk < 5 else 5 if risk > 16 else 3
    a = Avvik(org_id=t.org_id, number=n, category=category, unit_id=t.units[unit], reporter_id=t.people["ansatt"],
              title=title, description="<b>tekst</b>", occurred_at=created, probability=p, consequence=max(1, risk // p),
              risk=risk, status="lukket" if closed else "meldt", created_at=created, updated_at=created,
              closed_at=closed)
    session.add(a)
    return a


NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # the November summary is made on 5 December


def build_dataset(session: Session, t: TestOrg) -> None:
    av = lambda **kw: add_avvik(session, t, **kw)  # noqa: E731
    av(unit=AURVOLL, category="hms", risk=2, created=local(2026, 11, 1, 0, 30))                 # 1 Nov, open
    av(unit=AURVOLL, category="hms", risk=6, created=local(2026, 10, 31, 23, 30),                # 2 Oct, closed Nov (3 d)
       closed=local(2026, 11, 3, 23, 30))
    av(unit=AURVOLL, category="vold", risk=12, created=local(2026, 11, 10, 10),                  # 3 Nov, closed Nov (5 d)
       closed=local(2026, 11, 15, 10))
    av(unit=SOLVANG, category="materiell", risk=20, created=local(2026, 11, 20, 12))              # 4 Nov, open
    av(unit=HJEMME, category="pasient", risk=9, created=local(2026, 11, 5, 8),                   # 5 Nov, closed Nov (1 d)
       closed=local(2026, 11, 6, 8))
    av(unit=HJEMME, category="hms", risk=4, created=local(2026, 11, 30, 23, 59))                 # 6 Nov, open
    av(unit=HJEMME, category="hms", risk=4, created=local(2026, 12, 1, 0, 10))                   # 7 Dec
    av(unit=SOLVANG, category="annet", risk=1, created=local(2026, 9, 15))                       # 8 Sep, open
    av(unit=SOLVANG, category="annet", risk=1, created=local(2026, 10, 10),                      # 9 Oct, closed Oct (10 d)
       closed=local(2026, 10, 20))
    av(unit=AURVOLL, category="hms", risk=3, created=local(2026, 3, 1, 0, 30),                   # 10 Mar (CET)
       closed=local(2026, 3, 2, 0, 30))
    av(unit=AURVOLL, category="hms", risk=3, created=local(2026, 3, 31, 23, 30),                 # 11 Mar (CEST)
       closed=local(2026, 4, 1, 23, 30))
    av(unit=AURVOLL, category="hms", risk=3, created=local(2026, 4, 1, 0, 30),                   # 12 Apr
       closed=local(2026, 4, 2, 0, 30))
    session.flush()

    # checklists: the factory's tertial template (2 items) and a monthly one (1 item + 1 retired item)
    tertial_items = t.items
    month_tpl = ChecklistTemplate(org_id=t.org_id, name="Månedlig", recurrence="month")
    session.add(month_tpl)
    session.flush()
    m_item = ChecklistItem(org_id=t.org_id, template_id=month_tpl.id, purpose="HMS", type="HMS", text="Brannøvelse?")
    retired = ChecklistItem(org_id=t.org_id, template_id=month_tpl.id, purpose="HMS", type="HMS", text="Gammel",
                            active=False)
    session.add_all([m_item, retired])
    session.flush()

    def run(unit: str, tpl_id: int, period: str, answers: list[tuple[int, str]]) -> None:
        r = ChecklistRun(org_id=t.org_id, template_id=tpl_id, unit_id=t.units[unit], period=period)
        session.add(r)
        session.flush()
        for item_id, ans in answers:
            session.add(ChecklistAnswer(org_id=t.org_id, run_id=r.id, item_id=item_id, answer=ans,
                                        answered_by_id=t.people["leder"], answered_at=local(2026, 11, 2)))

    tertial_tpl = session.get(ChecklistItem, tertial_items[0]).template_id
    run(AURVOLL, tertial_tpl, "2026-T3", [(tertial_items[0], "ja"), (tertial_items[1], "nei")])
    run(SOLVANG, tertial_tpl, "2026-T3", [(tertial_items[0], "ja")])
    run(AURVOLL, tertial_tpl, "2026-T2", [(tertial_items[0], "ja"), (tertial_items[1], "ja")])
    run(AURVOLL, month_tpl.id, "2026-11", [(m_item.id, "ja"), (retired.id, "ja")])
    run(SOLVANG, month_tpl.id, "2026-10", [(m_item.id, "ja")])

    # oppdrag with known trafikklys on 30 November 2026
    bib = session.get(Oppdrag, t.oppdrag["skolebibliotek"])
    bib.status, bib.progress, bib.last_status_at = "pagar", 50, local(2026, 11, 20)            # grønn
    vern = session.get(Oppdrag, t.oppdrag["vernerunde"])
    vern.status, vern.last_status_at = "forsinket", local(2026, 11, 20)                        # rød
    cat = "Politiske tilleggsbestillingar"
    extra = [
        ("Snart frist", "pagar", 10, date(2026, 12, 15), local(2026, 11, 25)),                 # gul (frist ≤ 30 d)
        ("Ferdig", "fullfort", 100, date(2026, 6, 1), local(2026, 6, 1)),                      # grønn
        ("Stoppet", "avbrutt", 0, None, local(2026, 5, 1)),                                    # ingen
        ("Stille", "pagar", 40, None, local(2026, 10, 10)),                                    # gul (> 45 d)
        ("For sent", "pagar", 80, date(2026, 11, 29), local(2026, 11, 28)),                    # rød (frist passert)
    ]
    for i, (title, status, progress, deadline, last) in enumerate(extra, start=20):
        session.add(Oppdrag(org_id=t.org_id, number=i, title=title, category=cat, owner_id=t.people["direktor"],
                            status=status, progress=progress, deadline=deadline, last_status_at=last,
                            created_at=local(2026, 1, 5)))
    session.commit()


EVIL = "Kultur <&> *fet* _x_"


def evil_summary(session: Session, t: TestOrg) -> Summary:
    """The November summary of the dataset plus a sector and unit whose names try markup in every format."""
    from models.services import org as org_svc
    from reports.queries import build_summary

    build_dataset(session, t)
    unit = org_svc.ensure_unit_path(session, org_id=t.org_id, path=f"{EVIL}/Bibliotek <script>")
    t.units["evil"] = unit.id
    add_avvik(session, t, unit="evil", category="annet", risk=2, created=local(2026, 11, 12), title="<img src=x>")
    session.commit()
    return build_summary(session=session, org_id=t.org_id, period="2026-11", now=NOW)

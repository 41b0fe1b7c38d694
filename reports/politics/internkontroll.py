"""The § 25-1 section of the årsrapport: internkontroll for one year, adapted to risk.

Kommuneloven § 25-1 asks the kommunedirektør to report internkontroll to the kommunestyre at
least once a year. Built from the year's periodic summary (`reports.queries.build_summary`):
its avvik, checklist and varsling sections are embedded as they are, so the figures match.
Added here, each from one SQL aggregate or a small list: avvik per area and risk band, the
share closed within the deadline, the improvements made, the risk picture and the tilsyn.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.errors import ValidationFailed
from models.governance_terms import FINDING_KINDS, TILSYN_AUTHORITIES, risk_ref
from models.i18n import N_, _
from models.periods import Period, local_date
from models.tables import Risk, RiskTiltak, Tilsyn, TilsynFinding, Tiltak
from models.tables._common import utcnow
from models.vocabulary import AVVIK_CATEGORIES
from reports.avvik import risk_band_expr
from reports.politics.model import (
    AreaRow,
    CategoryImprovement,
    ClosedFinding,
    DeadlineShare,
    DoneRiskTiltak,
    Improvements,
    InternkontrollReport,
)
from reports.politics.parts import checklists_by_sector, share_pct, tilsyn_overview
from reports.queries import build_summary
from reports.risiko import risk_picture
from reports.sql import A, U, between, conn, count_if, param, table
from reports.summary import RISK_BANDS, Summary

#: An avvik without tiltak is closed in time when closed within this many days of being reported.
DEFAULT_DEADLINE_DAYS = 30
DEADLINE_RULE = N_(
    "Et avvik regnes som lukket innen fristen når det ble lukket senest på fristdagen. Fristen er den "
    "seneste fristen blant avvikets tiltak; har avviket ingen tiltak, er fristen {days} dager etter at "
    "det ble meldt. Andelen gjelder avvik lukket i året.")
MAX_LISTED = 200
VARSLING_UNAVAILABLE = N_("Varslingstallene var ikke tilgjengelige da rapporten ble laget.")
T = table(Tiltak)
RISK, RT, TS, TF = table(Risk), table(RiskTiltak), table(Tilsyn), table(TilsynFinding)


def report_year(text: str) -> int:
    """A four-digit year from 2000 to 2100, with a Norwegian message otherwise."""
    t = (text or "").strip()
    if not (t.isdigit() and len(t) == 4 and 2000 <= int(t) <= 2100):
        raise ValidationFailed({"year": _("Ukjent år «{year}». Skriv året med fire sifre, f.eks. 2026.").format(year=t[:20])})
    return int(t)


@cache
def _area_stmt() -> Any:
    band = risk_band_expr()
    return (select(A.c.category, band, func.count())
            .where(A.c.org_id == param("org"), between(A.c.created_at, param("s", A.c.created_at),
                                                       param("e", A.c.created_at)))
            .group_by(A.c.category, band))


def avvik_by_area(session: Session, org_id: int, bounds: tuple[datetime, datetime]) -> list[AreaRow]:
    """New avvik of the period per category and risk band: one GROUP BY on the covering created index."""
    grid: dict[str, dict[str, int]] = {c: dict.fromkeys(RISK_BANDS, 0) for c in AVVIK_CATEGORIES}
    for cat, band, n in conn(session).execute(_area_stmt(), {"org": org_id, "s": bounds[0], "e": bounds[1]}).all():
        grid.setdefault(cat, dict.fromkeys(RISK_BANDS, 0))[band] += int(n)
    return [AreaRow(category=c, label=AVVIK_CATEGORIES.get(c, c), total=sum(b.values()), by_severity=b)
            for c, b in grid.items()]


@cache
def _closed_stmt() -> Any:
    s, e = param("s", A.c.closed_at), param("e", A.c.closed_at)
    return (select(A.c.id, A.c.category, A.c.created_at, A.c.closed_at, func.max(T.c.deadline),
                   func.count(T.c.id), count_if(T.c.done_at.is_not(None)),
                   func.max(func.length(func.coalesce(A.c.effect_evaluation, ""))))
            .select_from(A.outerjoin(T, T.c.avvik_id == A.c.id))
            .where(A.c.org_id == param("org"), between(A.c.closed_at, s, e))
            .group_by(A.c.id, A.c.category, A.c.created_at, A.c.closed_at))


def _closed_rows(session: Session, org_id: int, bounds: tuple[datetime, datetime]) -> list[Any]:
    """One row per avvik closed in the period: its dates, latest tiltak deadline, tiltak and effect evaluation."""
    return list(conn(session).execute(_closed_stmt(), {"org": org_id, "s": bounds[0], "e": bounds[1]}).all())


def deadline_share(rows: list[Any], tz_name: str) -> DeadlineShare:
    within = with_tiltak = 0
    for _id, _cat, created, closed, deadline, n_tiltak, _done, _eval in rows:
        if n_tiltak:
            with_tiltak += 1
        due: date = deadline if n_tiltak else local_date(created, tz_name) + timedelta(days=DEFAULT_DEADLINE_DAYS)
        within += local_date(closed, tz_name) <= due
    return DeadlineShare(rule=DEADLINE_RULE.format(days=DEFAULT_DEADLINE_DAYS), default_days=DEFAULT_DEADLINE_DAYS,
                         closed=len(rows), within=within, with_tiltak=with_tiltak, share_pct=share_pct(within, len(rows)))


def _category_improvements(rows: list[Any], tiltak_done: dict[str, int]) -> list[CategoryImprovement]:
    acc: dict[str, list[int]] = {}
    for _id, cat, _c, _cl, _d, _n, _done, eval_len in rows:
        a = acc.setdefault(cat, [0, 0])
        a[0] += 1
        a[1] += bool(eval_len)
    cats = [c for c in AVVIK_CATEGORIES if c in acc or c in tiltak_done]
    cats += sorted((set(acc) | set(tiltak_done)) - set(cats))
    return [CategoryImprovement(category=c, label=AVVIK_CATEGORIES.get(c, c), closed=acc.get(c, [0, 0])[0],
                                with_effect_evaluation=acc.get(c, [0, 0])[1], tiltak_done=tiltak_done.get(c, 0))
            for c in cats]


@cache
def _tiltak_done_stmt() -> Any:
    s, e = param("s", T.c.done_at), param("e", T.c.done_at)
    return (select(A.c.category, func.count()).select_from(T.join(A, A.c.id == T.c.avvik_id))
            .where(T.c.org_id == param("org"), between(T.c.done_at, s, e)).group_by(A.c.category))


@cache
def _risk_tiltak_done_stmt() -> Any:
    s, e = param("s", RT.c.done_at), param("e", RT.c.done_at)
    return (select(RISK.c.number, RISK.c.title, U.c.name, RT.c.description, RT.c.done_at)
            .select_from(RT.join(RISK, RISK.c.id == RT.c.risk_id).join(U, U.c.id == RISK.c.unit_id))
            .where(RT.c.org_id == param("org"), between(RT.c.done_at, s, e))
            .order_by(RT.c.done_at, RT.c.id).limit(MAX_LISTED))


@cache
def _findings_closed_stmt() -> Any:
    s, e = param("s", TF.c.closed_at), param("e", TF.c.closed_at)
    return (select(TS.c.authority, TS.c.authority_name, TS.c.theme, U.c.name, TF.c.kind, TF.c.tiltak, TF.c.closed_at)
            .select_from(TF.join(TS, TS.c.id == TF.c.tilsyn_id).join(U, U.c.id == TS.c.unit_id))
            .where(TF.c.org_id == param("org"), TF.c.status == "lukket", between(TF.c.closed_at, s, e))
            .order_by(TF.c.closed_at, TF.c.id).limit(MAX_LISTED))


def _risk_tiltak_done(session: Session, org_id: int, bounds: tuple[datetime, datetime], tz_name: str
                      ) -> list[DoneRiskTiltak]:
    rows = conn(session).execute(_risk_tiltak_done_stmt(), {"org": org_id, "s": bounds[0], "e": bounds[1]}).all()
    return [DoneRiskTiltak(risk_ref=risk_ref(n), risk_title=t, unit=u, description=d,
                           done_on=local_date(done, tz_name)) for n, t, u, d, done in rows]


def _findings_closed(session: Session, org_id: int, bounds: tuple[datetime, datetime], tz_name: str
                     ) -> list[ClosedFinding]:
    rows = conn(session).execute(_findings_closed_stmt(), {"org": org_id, "s": bounds[0], "e": bounds[1]}).all()
    return [ClosedFinding(authority=name if auth == "annet" else TILSYN_AUTHORITIES.get(auth, auth), theme=theme,
                          unit=unit, kind_label=FINDING_KINDS.get(kind, kind), tiltak=tiltak,
                          closed_on=local_date(closed, tz_name))
            for auth, name, theme, unit, kind, tiltak, closed in rows]


def improvements(session: Session, org_id: int, bounds: tuple[datetime, datetime], rows: list[Any],
                 tz_name: str) -> Improvements:
    """Counts from avvik (never their text), and the ROS tiltak and tilsyn findings completed in the period."""
    done = {c: int(n) for c, n in conn(session).execute(
        _tiltak_done_stmt(), {"org": org_id, "s": bounds[0], "e": bounds[1]}).all()}
    by_cat = _category_improvements(rows, done)
    return Improvements(avvik_closed=len(rows), avvik_with_effect_evaluation=sum(c.with_effect_evaluation for c in by_cat),
                        avvik_tiltak_done=sum(done.values()), by_category=by_cat,
                        risk_tiltak_done=_risk_tiltak_done(session, org_id, bounds, tz_name),
                        findings_closed=_findings_closed(session, org_id, bounds, tz_name))


def build_internkontroll_report(*, session: Session, org_id: int, year: int, tz_name: str = "Europe/Oslo",
                                now: datetime | None = None) -> tuple[InternkontrollReport, Summary]:
    """The report and the year's summary it was built from (the renderers draw the summary's chart)."""
    now = now or utcnow()
    period = Period("year", year, 1)
    summary = build_summary(session=session, org_id=org_id, period=period, tz_name=tz_name, now=now)
    today = local_date(now, tz_name)  # the register and the findings as they stand now
    bounds = (summary.start_utc, summary.end_utc)
    closed = _closed_rows(session, org_id, bounds)
    report = InternkontrollReport(
        org_id=org_id, org_name=summary.org_name, period_key=period.key, period_label=period.label,
        as_of=summary.as_of, generated_at=now, year=year, avvik=summary.avvik,
        avvik_by_area=avvik_by_area(session, org_id, bounds), closed_within_deadline=deadline_share(closed, tz_name),
        risk=risk_picture(session, org_id, today),
        tilsyn=tilsyn_overview(session, org_id, period, today),
        checklists=summary.internkontroll, checklists_by_sector=checklists_by_sector(summary.internkontroll),
        varsling=summary.varsling, improvements=improvements(session, org_id, bounds, closed, tz_name),
        omitted={} if summary.varsling is not None else {"varsling": VARSLING_UNAVAILABLE})
    return report, summary

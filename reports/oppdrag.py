"""The oppdrag section of a summary: per category, per status and per trafikklys, as of the period's last day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from reports.context import SummaryContext
from reports.sql import OPP, conn, param, stale_cutoff, traffic_light_case
from reports.summary import OppdragCategory, OppdragSection, TrafficLights


def traffic_light_expr(today: date, tz_name: str = "Europe/Oslo") -> Any:
    """`models.services.oppdrag.traffic_light` as a SQL CASE ('ingen' for an avbrutt oppdrag)."""
    return traffic_light_case(today, today + timedelta(days=30), stale_cutoff(today, tz_name))


@cache
def _oppdrag_stmt() -> Any:
    light = traffic_light_case(param("today", OPP.c.deadline), param("soon", OPP.c.deadline),
                               param("stale_cutoff", OPP.c.created_at)).label("light")
    return (select(OPP.c.category, OPP.c.status, light, func.count())
            .where(OPP.c.org_id == param("org")).group_by(OPP.c.category, OPP.c.status, light))


def oppdrag_by_category(session: Session, org_id: int, today: date, tz_name: str) -> list[tuple[str, str, str, int]]:
    """(category, status, trafikklys, count) of the organisation's oppdrag as of `today`."""
    params = {"org": org_id, "today": today, "soon": today + timedelta(days=30),
              "stale_cutoff": stale_cutoff(today, tz_name)}
    return [(r[0], r[1], r[2], int(r[3])) for r in conn(session).execute(_oppdrag_stmt(), params).all()]


@dataclass
class _CategoryTally:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_light: dict[str, int] = field(default_factory=dict)


def build_oppdrag(ctx: SummaryContext) -> OppdragSection:
    cats: dict[str, _CategoryTally] = {}
    lights = {"gronn": 0, "gul": 0, "rod": 0, "ingen": 0}
    for cat, st, light, n in oppdrag_by_category(ctx.session, ctx.org_id, ctx.as_of, ctx.tz_name):
        t = cats.get(cat)
        if t is None:
            t = cats[cat] = _CategoryTally()
        t.total += n
        t.by_status[st] = t.by_status.get(st, 0) + n
        t.by_light[light] = t.by_light.get(light, 0) + n
        lights[light] = lights.get(light, 0) + n
    by_category = [OppdragCategory.model_construct(category=c, total=t.total, by_status=t.by_status,
                                                   by_light=t.by_light) for c, t in sorted(cats.items())]
    by_light = TrafficLights.model_construct(gronn=lights["gronn"], gul=lights["gul"], rod=lights["rod"],
                                             ingen=lights["ingen"])
    return OppdragSection.model_construct(total=sum(lights.values()), by_light=by_light, by_category=by_category)

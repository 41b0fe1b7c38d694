"""The styringskort section of tertial and year summaries: trafikklys per perspective, every red
value by unit, and oppdrag under their goals next to the goals' indicators («den røde tråden»).

Month summaries leave it out (None): most indicators are reported by tertial or year, and the
monthly check-in nudges cover the months. No text written by users: oppdrag appear by number.
"""

from __future__ import annotations

from sqlalchemy import select

from models.indicator_rules import Light
from models.services import plan as plan_svc
from models.services import styringskort as sk
from reports.context import SummaryContext
from reports.sql import OPP, conn
from reports.styringskort_view import unit_values
from reports.summary import (
    GoalIndicator,
    GoalLine,
    GoalOppdrag,
    LightCounts,
    PerspectiveLights,
    RedIndicator,
    StyringskortSection,
)

_COUNT_FIELD = {Light.GRONN: "gronn", Light.GUL: "gul", Light.ROD: "rod", Light.INGEN: "ingen"}


def _oppdrag_by_goal(ctx: SummaryContext) -> dict[int, dict[str, list[int]]]:
    q = (select(OPP.c.goal_id, OPP.c.status, OPP.c.number)
         .where(OPP.c.org_id == ctx.org_id, OPP.c.goal_id.is_not(None)).order_by(OPP.c.number))
    out: dict[int, dict[str, list[int]]] = {}
    for goal_id, status, number in conn(ctx.session).execute(q).all():
        out.setdefault(goal_id, {}).setdefault(status, []).append(int(number))
    return out


def _goals(ctx: SummaryContext, card: sk.Card) -> list[GoalLine]:
    by_goal: dict[int, list[GoalIndicator]] = {}
    for r in card.rows:
        by_goal.setdefault(r.goal_id, []).append(GoalIndicator(
            indicator=r.name, light=r.light.value, value=r.value, target=r.target, measure=r.measure,
            period=r.period))
    oppdrag = _oppdrag_by_goal(ctx)
    goals = plan_svc.list_goals(session=ctx.session, org_id=ctx.org_id)
    titles = {g.id: g.title for g in goals}
    return [GoalLine(goal_id=g.id, goal=g.title, parent=titles.get(g.parent_id) if g.parent_id else None,
                     perspective=g.perspective,
                     oppdrag=[GoalOppdrag(status=st, numbers=nums) for st, nums in sorted(oppdrag.get(g.id, {}).items())],
                     indicators=by_goal.get(g.id, []))
            for g in goals if g.id in oppdrag or g.id in by_goal]


def build_styringskort(ctx: SummaryContext) -> StyringskortSection | None:
    """The kommune card of the summary's period, its red unit values and the goals with their oppdrag."""
    if ctx.period.kind == "month":
        return None
    scope = sk.resolve_scope(ctx.session, org_id=ctx.org_id, kommune=True)
    card = sk.styringskort(session=ctx.session, org_id=ctx.org_id, scope=scope, period=ctx.period)
    if not card.rows:
        return StyringskortSection(card_period=ctx.period.key, reason="no_plan", perspectives=None, red=None,
                                   goals=None)
    perspectives = [PerspectiveLights(perspective=p, lights=LightCounts(**{_COUNT_FIELD[k]: n for k, n in c.items()}))
                    for p, c in card.counts().items()]
    rows = {r.indicator_id: r for r in card.rows}
    order = {r.indicator_id: i for i, r in enumerate(card.rows)}
    reds = sorted((v for v in unit_values(ctx.session, org_id=ctx.org_id, card=card) if v.light is Light.ROD),
                  key=lambda v: (order[v.indicator_id], v.unit))
    red = [RedIndicator(indicator=rows[v.indicator_id].name, perspective=rows[v.indicator_id].perspective,
                        unit_id=v.unit_id, unit=v.unit, period=v.period, measure=rows[v.indicator_id].measure,
                        value=v.value, target=v.target, red_limit=v.red_limit) for v in reds]
    return StyringskortSection(card_period=ctx.period.key, perspectives=perspectives, red=red,
                               goals=_goals(ctx, card))

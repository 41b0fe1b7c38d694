"""The App Home: a personal dashboard published with `views.publish`.

Everyone sees their open avvik and what waits for them (due check items, oppdrag to
update); leaders also see their units' open avvik with their age. Built from the
domain's read use cases, so it shows exactly what the person may see.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.conversation import views
from bot.slack.blocks import HomeSection, as_dict, home_view
from bot.slack.identity import slack_error
from models.db import read_scope
from models.messages import Action, Item
from models.services import avvik as avvik_svc
from models.services import checklists, oppdrag, org
from models.settings import Settings
from models.tables import Unit

log = logging.getLogger("trad.slack")
MAX_ITEMS = 15


def _unit_names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in s.exec(select(Unit).where(Unit.id.in_(ids))).all()}  # type: ignore[union-attr, misc]


def build_home(engine: Engine, settings: Settings, person_id: int, now: datetime | None = None) -> dict:
    """The App Home view (as a dict) for one person."""
    now = now or datetime.now(UTC)
    with read_scope(engine) as s:
        actor = org.load_actor(s, person_id=person_id)
        mine = avvik_svc.list_my_avvik(session=s, person_id=person_id, limit=MAX_ITEMS)
        is_leader = bool(actor.led_unit_ids)
        unit_avvik = avvik_svc.list_unit_avvik(session=s, actor_id=person_id, limit=MAX_ITEMS) if is_leader else []
        unit_total = (avvik_svc.count_unit_avvik(session=s, actor_id=person_id)
                      if len(unit_avvik) == MAX_ITEMS else len(unit_avvik))
        due = [d for d in checklists.list_due_checklists(session=s, actor_id=person_id, now=now)
               if d.answer is None] if is_leader else []
        stale = [o for o in oppdrag.list_my_oppdrag(session=s, person_id=person_id) if oppdrag.needs_update(o, now)]
        names = _unit_names(s, {a.unit_id for a in mine} | {a.unit_id for a in unit_avvik})

    waiting: list[Item] = [views.check_item(d) for d in due[:MAX_ITEMS]]
    waiting += [views.oppdrag_item(o) for o in stale[:MAX_ITEMS]]
    sections: list[HomeSection] = [
        HomeSection("Mine åpne avvik", [views.avvik_item(a, unit_name=names.get(a.unit_id)) for a in mine],
                    "Du har ingen åpne avvik."),
        HomeSection("Venter på deg", waiting, "Ingenting venter på deg nå. 👍"),
    ]
    if is_leader:
        sections.append(HomeSection(
            f"Åpne avvik i enhetene dine ({unit_total}, eldste først)" if unit_total else "Åpne avvik i enhetene dine",
            [views.avvik_item(a, unit_name=names.get(a.unit_id), for_leader=True) for a in unit_avvik],
            "Ingen åpne avvik i enhetene dine.", total=unit_total,
            more_url=settings.public_base_url.rstrip("/") + "/leder"))
    varsling_url = settings.public_base_url.rstrip("/") + "/varsling"
    actions = [Action(label="Meld avvik", action_id="avvik.open_form", style="primary"),
               Action(label="Varsle anonymt", action_id="varsle.open", url=varsling_url)]
    intro = "Her ser du avvikene dine og det som venter på deg. Skriv til meg i Meldinger-fanen, f.eks. «hjelp»."
    return as_dict(home_view(sections, intro=intro, actions=actions))  # type: ignore[return-value]


async def publish_home(client: AsyncWebClient, engine: Engine, settings: Settings, *, user_id: str,
                       person_id: int, runner: Callable[..., Awaitable[Any]] | None = None) -> None:
    """Publish (refresh) one user's App Home; failures are logged, never raised.

    `runner` runs the (blocking) build on the edge's bounded pool; asyncio's default pool otherwise.
    """
    try:
        if runner is not None:
            view = await runner(build_home, engine, settings, person_id)
        else:
            view = await asyncio.to_thread(build_home, engine, settings, person_id)
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as e:
        log.warning("views.publish failed: %s", slack_error(e))
    except Exception:  # noqa: BLE001 - a dashboard refresh must never break the action that caused it
        log.exception("App Home refresh failed")

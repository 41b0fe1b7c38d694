"""Installing Tråd for many people at once (`trad teams install`), and what the outbox learns from it.

Why one person at a time with a short pause: Graph throttles per app and tenant; a 429
stops the run politely (what is done stays done, the next run continues), 403 and 404
are reported per person, and a person who already has the app is skipped by the query.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.teams.graph import GraphError, Reached, TeamsInstaller
from models.services import teams_reach
from models.services.org_ref import org_id
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.teams.install")
PAUSE_S = 0.2


@dataclass
class InstallReport:
    installed: int = 0
    already: int = 0
    requeued: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None


async def install_for(settings: Settings, uow: UnitOfWork, installer: TeamsInstaller, *,
                      leaders_only: bool = False, email: str | None = None, pause: float = PAUSE_S,
                      kommune_id: int | None = None) -> InstallReport:
    """Install the app for each active person of one kommune (the default one unless `kommune_id`) whom
    Tråd cannot reach in Teams, in the installer's tenant; store how to reach them."""
    def todo() -> list[tuple[int, str]]:
        with uow.read() as tx:
            oid = kommune_id if kommune_id is not None else org_id(tx, slug=settings.org_slug)
            return teams_reach.people_without_teams(session=tx, org_id=oid, leaders_only=leaders_only, email=email)

    report = InstallReport()
    for person_id, mail in await asyncio.to_thread(todo):
        try:
            reached = await installer.reach(mail)
        except GraphError as exc:
            if exc.status == 429 or exc.status == 0 or exc.status >= 500:
                report.stopped = f"Graph svarte {exc.status or 'ikke'}; kjør kommandoen igjen senere."
                break
            report.failed[mail] = {403: "mangler tillatelse, eller appen er blokkert av en policy",
                                   404: "finnes ikke i Entra ID"}.get(exc.status, str(exc))
            continue

        def store(pid: int = person_id, r: Reached = reached) -> int:
            with uow.write() as tx:
                return teams_reach.remember_reached(
                    session=tx, person_id=pid, workspace=installer.tenant_id, user_id=r.user_id,
                    conversation_ref=installer.conversation_ref(r))

        report.requeued += await asyncio.to_thread(store)
        if reached.newly_installed:
            report.installed += 1
        else:
            report.already += 1
        await asyncio.sleep(pause)
    return report


def tenant_kommuner(settings: Settings, uow: UnitOfWork, only_org: int | None = None) -> list[tuple[str, int]]:
    """(tenant, kommune id) to install in: TEAMS_TENANT_ID for the default kommune, and each mapped tenant."""
    from models.services import teams_tenants

    with uow.read() as tx:
        pairs = [(m.tenant_id, m.org_id) for m in teams_tenants.mapped(session=tx)]
        if settings.teams_tenant_id and all(t != settings.teams_tenant_id.lower() for t, _ in pairs):
            default = teams_tenants.org_of(session=tx, tenant_id=settings.teams_tenant_id,
                                           default_tenant=settings.teams_tenant_id, default_slug=settings.org_slug)
            if default is not None:
                pairs.insert(0, (settings.teams_tenant_id, default))
    return [(t, o) for t, o in pairs if only_org is None or o == only_org]


def auto_install_job(now: datetime | None = None, *, engine: Any, settings: Settings) -> dict[str, int]:
    """The nightly job (TEAMS_AUTO_INSTALL=leaders|all): the same run as `trad teams install`."""
    installer = TeamsInstaller(settings)
    if settings.teams_auto_install == "off" or not installer.enabled:
        return {}
    uow = UnitOfWork(engine)
    report = InstallReport()
    for tenant, kommune in tenant_kommuner(settings, uow):  # every mapped tenant, each in its own kommune
        one = asyncio.run(install_for(settings, uow, TeamsInstaller(settings, tenant),
                                      leaders_only=settings.teams_auto_install == "leaders", kommune_id=kommune))
        report.installed += one.installed
        report.already += one.already
        report.requeued += one.requeued
        report.failed.update(one.failed)
        report.stopped = report.stopped or one.stopped
    out = {"installed": report.installed, "already": report.already, "requeued": report.requeued,
           "failed": len(report.failed), "stopped": int(report.stopped is not None)}
    log.info("teams auto-install: %s", out)
    return out

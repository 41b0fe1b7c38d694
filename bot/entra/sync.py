"""One sync run, for the command and the nightly job: read Graph, then apply through the domain's use case.

Why the read comes first and outside any transaction: a Graph failure then changes nothing, and
no database transaction is held open while Graph pages and throttles.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.entra.graph import GraphClient
from models.services import org_sync
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.entra")


def run_sync(settings: Settings, uow: UnitOfWork, *, org_slug: str | None = None, dry_run: bool = False,
             mapping: dict[str, str] | None = None, prune_roles: bool = False, full: bool = False,
             client: GraphClient | None = None) -> org_sync.SyncReport:
    """Raises GraphError (nothing changed) or a DomainError; returns what changed or, dry, what would.

    `full` ignores the stored delta link: after a new mapping, people reported unmapped earlier
    are in no delta until they change in Entra ID, so a full read picks them up.
    """
    slug = org_slug or settings.org_slug
    if mapping is None and settings.entra_sync_map is not None:
        mapping = org_sync.parse_mapping(settings.entra_sync_map.read_bytes())
    with uow.read() as tx:
        link = None if full else org_sync.stored_delta_link(tx, org_slug=slug)
    graph = client or GraphClient(settings)
    try:
        read = graph.read(link)
    finally:
        if client is None:
            graph.close()
    with uow.write() as tx:
        if dry_run:
            return org_sync.plan_sync(session=tx, org_slug=slug, users=read.users, mapping=mapping,
                                      prune_roles=prune_roles)
        return org_sync.sync_directory(session=tx, org_slug=slug, users=read.users, delta_link=read.delta_link,
                                       mapping=mapping, prune_roles=prune_roles)


def entra_sync(now: datetime | None = None, *, engine: Any, settings: Settings) -> dict[str, int]:
    """The nightly job: only changes since the last run (delta); nothing at all unless ENTRA_SYNC_ENABLED.

    `engine` is the root's SQLAlchemy engine, typed loosely because edges name no ORM type.
    """
    from bot.entra.graph import GraphError
    from models.errors import DomainError

    del now
    if not settings.entra_sync_enabled:
        return {"skipped": 1}
    try:
        report = run_sync(settings, UnitOfWork(engine))
    except (GraphError, DomainError, OSError) as exc:
        log.error("entra sync failed, nothing changed: %s", getattr(exc, "message", exc))
        return {"failed": 1}
    log.info("entra sync: %s", report)
    return {"created": report.created, "updated": report.updated, "deactivated": report.deactivated,
            "roles_added": report.roles_added, "roles_removed": report.roles_removed, "unmapped": len(report.unmapped)}

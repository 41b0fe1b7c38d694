"""Teams tenants mapped to kommuner (issue 13): which Entra tenants Tråd serves, and as which kommune.

Why: one multi-tenant bot serves many kommuner. An activity from a tenant no admin has mapped is
refused before anything is stored (`bot/teams`). `TEAMS_TENANT_ID` stays served as the default
kommune without a mapping, so the single-tenant setup of today keeps working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.errors import ValidationFailed
from models.i18n import _
from models.services import tenants
from models.services._tx import writes
from models.tables import Organisation
from models.tables._common import utcnow
from models.tables.chat_install import TeamsTenant

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class TenantMapping:
    tenant_id: str
    org_id: int
    org_slug: str


def _clean(tenant_id: str) -> str:
    tid = (tenant_id or "").strip().lower()
    if not GUID.fullmatch(tid):
        raise ValidationFailed({"tenant": _("«{tenant}» er ikke en Entra-tenant-id (en GUID som "
                                            "72f988bf-86f1-41af-91ab-2d7cd011db47).").format(tenant=tenant_id)})
    return tid


@writes
def map_tenant(*, session: Session, tenant_id: str, org_slug: str) -> TenantMapping:
    """Admin: accept Teams activities from `tenant_id` as kommune `org_slug` (a wrong slug: UnknownOrg)."""
    tid = _clean(tenant_id)
    tenant = tenants.tenant_by_slug(session, org_slug)
    row = session.get(TeamsTenant, tid) or TeamsTenant(tenant_id=tid, org_id=tenant.id)
    row.org_id = tenant.id
    row.mapped_at = utcnow()
    session.add(row)
    return TenantMapping(tid, tenant.id, tenant.slug)


def org_of(*, session: Session, tenant_id: str, default_tenant: str | None = None,
           default_slug: str = "") -> int | None:
    """The kommune a tenant's activities belong to; None for a tenant nobody mapped."""
    tid = (tenant_id or "").strip().lower()
    row = session.get(TeamsTenant, tid) if tid else None
    if row is not None:
        return row.org_id
    if default_tenant and tid == default_tenant.strip().lower():
        org = session.exec(select(Organisation).where(Organisation.slug == default_slug)).first() \
            or session.exec(select(Organisation).order_by(col(Organisation.id))).first()
        return org.id if org is not None else None
    return None


def mapped(*, session: Session) -> list[TenantMapping]:
    out = []
    for row in session.exec(select(TeamsTenant).order_by(col(TeamsTenant.tenant_id))).all():
        org = session.get(Organisation, row.org_id)
        out.append(TenantMapping(row.tenant_id, row.org_id, org.slug if org else "?"))
    return out


def tenants_of_org(*, session: Session, org_id: int) -> list[str]:
    """The tenants mapped to one kommune (e.g. to install Tråd in Teams per kommune)."""
    return list(session.exec(select(TeamsTenant.tenant_id).where(TeamsTenant.org_id == org_id)).all())

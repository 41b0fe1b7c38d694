"""The Microsoft Teams edge: Bot Framework activities to the conversation layer and back.

`POST /api/messages` validates the Bot Framework JWT before it even parses the body,
then checks that the token belongs to this activity (channel endorsement, serviceUrl,
tenant: every tenant field must agree, and the tenant must be mapped to a kommune, issue 13).
Anything wrong is a bare 401, a serviceUrl off the allowlist a 403, and nothing is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from models import foreground

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.wiring import Wiring
    from models.settings import Settings
    from models.uow import UnitOfWork

log = logging.getLogger("trad.teams")
MAX_BODY_BYTES = 512 * 1024
TENANT_CACHE_S = 30.0


class TenantOrgs:
    """Entra tenant → kommune id (`teams_tenants`), cached briefly: `trad teams map` applies within 30 s."""

    def __init__(self, settings: Settings, uow: UnitOfWork) -> None:
        self.settings, self.uow = settings, uow
        self._cache: dict[str, tuple[int | None, float]] = {}

    def org_of(self, tenant: str) -> int | None:
        hit = self._cache.get(tenant)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        from models.services import teams_tenants

        with self.uow.read() as tx:
            org_id = teams_tenants.org_of(session=tx, tenant_id=tenant, default_tenant=self.settings.teams_tenant_id,
                                          default_slug=self.settings.org_slug)
        self._cache[tenant] = (org_id, time.monotonic() + TENANT_CACHE_S)
        return org_id


def mount(app: FastAPI, wiring: Wiring) -> None:
    """Add POST /api/messages when Teams is configured."""
    settings = wiring.settings
    if not settings.teams_enabled:
        return None
    from bot.teams.auth import AuthError, BotFrameworkAuth, ServiceUrlNotAllowed
    from bot.teams.bot import TeamsBot
    from bot.teams.connector import get_connector

    auth = BotFrameworkAuth(app_id=settings.teams_app_id or "", tenant_id=settings.teams_tenant_id or "",
                            metadata_url=settings.teams_openid_metadata_url,
                            allowed_hosts=settings.teams_allowed_hosts, multi_tenant=True)
    tenant_orgs = TenantOrgs(settings, wiring.uow)
    bot = TeamsBot(settings, get_connector(settings), wiring.conversation, wiring.uow)
    app.state.teams_auth = auth
    app.state.teams_bot = bot

    @app.post("/api/messages", include_in_schema=False)
    async def teams_messages(request: Request) -> Response:
        unauthorized = Response(status_code=401)
        try:
            claims, endorsements = await auth.verify_token(request.headers.get("authorization"))
        except AuthError as exc:
            log.info("Teams request refused: %s", exc)
            return unauthorized
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return Response(status_code=413)
        try:
            activity = json.loads(raw)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(activity, dict):
            return Response(status_code=400)
        try:
            tenant = auth.check_activity(claims, endorsements, activity)
        except ServiceUrlNotAllowed as exc:
            log.warning("Teams activity refused: %s", exc)
            return Response(status_code=403)
        except AuthError as exc:
            log.info("Teams activity refused: %s", exc)
            return unauthorized
        org_id = await asyncio.to_thread(tenant_orgs.org_of, tenant)
        if org_id is None:  # a tenant no admin mapped to a kommune: refused, nothing stored
            log.warning("Teams activity from the unmapped tenant %s refused (trad teams map --tenant … --org …)",
                        tenant)
            return unauthorized
        try:
            with foreground.request():  # background work in this process waits meanwhile (models.foreground)
                result = await bot.on_activity(activity, org_id=org_id)
        except Exception:
            log.exception("Teams activity %s failed", activity.get("id"))
            return JSONResponse({"error": "internal"}, status_code=500)
        if activity.get("type") == "invoke":
            return JSONResponse(result or {"statusCode": 200}, status_code=200)
        return Response(status_code=200)

    return None

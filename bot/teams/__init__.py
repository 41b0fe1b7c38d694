"""The Microsoft Teams edge: Bot Framework activities to the conversation layer and back.

`POST /api/messages` validates the Bot Framework JWT before it even parses the body,
then checks that the token belongs to this activity (channel endorsement, serviceUrl,
tenant: every tenant field must agree). Anything wrong is a bare 401, a serviceUrl off the
allowlist a 403, and nothing is stored.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.wiring import Wiring

log = logging.getLogger("trad.teams")
MAX_BODY_BYTES = 512 * 1024


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
                            allowed_hosts=settings.teams_allowed_hosts)
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
            auth.check_activity(claims, endorsements, activity)
        except ServiceUrlNotAllowed as exc:
            log.warning("Teams activity refused: %s", exc)
            return Response(status_code=403)
        except AuthError as exc:
            log.info("Teams activity refused: %s", exc)
            return unauthorized
        try:
            result = await bot.on_activity(activity)
        except Exception:
            log.exception("Teams activity %s failed", activity.get("id"))
            return JSONResponse({"error": "internal"}, status_code=500)
        if activity.get("type") == "invoke":
            return JSONResponse(result or {"statusCode": 200}, status_code=200)
        return Response(status_code=200)

    return None

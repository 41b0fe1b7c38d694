"""The recipients' sign-in with Microsoft Entra ID (msal authorization-code flow).

The flow (state, nonce, PKCE verifier) is kept in a signed, HttpOnly cookie bound to this browser,
SameSite=Lax because Strict would not be sent on the top-level return from Microsoft. It is spent
once: its state is recorded as used before the code is redeemed (keys.spend_entra_flow).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from forms.deps import SettingsDep, UowDep
from forms.varsling import entra
from forms.varsling.mottak_web import PATH, page, secret_of, set_cookie
from models.errors import DomainError
from models.i18n import N_
from models.services import tenants
from models.services import varsling_keys as keys
from models.settings import Settings
from models.uow import UnitOfWork

logger = logging.getLogger(__name__)
router = APIRouter(prefix=PATH)
FLOW_COOKIE = "trad_entra_flow"
FLOW_TTL = 600
FLOW_KEYS = ("state", "nonce", "code_verifier", "redirect_uri", "scope", "claims_challenge")
EXPIRED = N_("Innloggingen var utløpt eller ugyldig. Prøv igjen.")


def _sign_flow(request: Request, flow: dict[str, Any]) -> str:
    body = json.dumps({"flow": {k: flow.get(k) for k in FLOW_KEYS}, "exp": int(time.time()) + FLOW_TTL},
                      separators=(",", ":"))
    sig = hmac.new(secret_of(request), b"entra|" + body.encode(), hashlib.sha256).hexdigest()
    return f"{sig}.{body}"


def _read_flow(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLOW_COOKIE, "")
    sig, _, body = raw.partition(".")
    good = hmac.new(secret_of(request), b"entra|" + body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(sig, good):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    flow = data.get("flow") if isinstance(data, dict) and data.get("exp", 0) >= time.time() else None
    return flow if isinstance(flow, dict) and flow.get("state") else None


def _entra_failed(request: Request, status: int, message: str) -> Response:
    resp = page(request, "info", N_("Innloggingen feilet") if status != 403 else N_("Ikke tillatt"), status=status,
                paragraphs=[message], entra_retry=True)
    resp.delete_cookie(FLOW_COOKIE, path=PATH)
    return resp


@router.get("/entra")
async def entra_start(request: Request, settings: SettingsDep) -> Response:
    if not settings.varsling_entra_enabled:
        return page(request, "info", N_("Ikke satt opp"), status=404,
                    paragraphs=[N_("Innlogging med Microsoft er ikke satt opp for varslingssakene. "
                                "Bruk innloggingslenken fra Tråd i chat.")])
    try:
        flow = await run_in_threadpool(entra.start, settings)
    except Exception:  # noqa: BLE001 - authority unreachable or misconfigured: say so, don't 500
        logger.exception("Entra sign-in could not start")
        return page(request, "info", N_("Innloggingen feilet"), status=503,
                    paragraphs=[N_("Microsoft-innloggingen svarer ikke nå. Prøv igjen senere, "
                                "eller bruk innloggingslenken fra Tråd i chat.")])
    resp = RedirectResponse(flow["auth_uri"], status_code=302)
    resp.set_cookie(FLOW_COOKIE, _sign_flow(request, flow), max_age=FLOW_TTL, path=PATH, httponly=True,
                    samesite="lax", secure=settings.public_base_url.startswith("https"))
    return resp


def _refuse(uow: UnitOfWork, settings: Settings, reason: str) -> None:
    """Audit a refused attempt (record_entra_refusal commits it)."""
    with uow.write() as tx:
        keys.record_entra_refusal(tx, org_id=tenants.resolve(tx, None, settings).id, reason=reason)


def _spend(uow: UnitOfWork, state: str) -> bool:
    with uow.write() as tx:
        return keys.spend_entra_flow(session=tx, state=state)


def _sign_in(uow: UnitOfWork, settings: Settings, claims: dict[str, Any]) -> str:
    with uow.write() as tx:
        return keys.sign_in_with_entra(session=tx, org_id=tenants.resolve(tx, None, settings).id, claims=claims,
                                       tenant_id=entra.tenant(settings))


async def _verified_claims(request: Request, uow: UnitOfWork, settings: Settings,
                           flow: dict[str, Any]) -> dict[str, Any] | Response:
    """The id token's claims for this returning flow, or the refusal page (each refusal audited)."""
    query = dict(request.query_params)
    if not hmac.compare_digest(str(query.get("state") or ""), str(flow["state"])):
        await run_in_threadpool(_refuse, uow, settings, "state")
        return _entra_failed(request, 400, EXPIRED)
    if not await run_in_threadpool(_spend, uow, str(flow["state"])):
        await run_in_threadpool(_refuse, uow, settings, "replay")
        return _entra_failed(request, 400, N_("Denne innloggingen er allerede brukt. Start på nytt."))
    if query.get("error"):
        await run_in_threadpool(_refuse, uow, settings, "authority_error")
        return _entra_failed(request, 401, N_("Microsoft avviste innloggingen."))
    try:
        claims: dict[str, Any] = await run_in_threadpool(entra.finish, settings, flow, query)
    except entra.EntraRefused as exc:
        await run_in_threadpool(_refuse, uow, settings, exc.reason)
        return _entra_failed(request, 401, N_("Microsoft-innloggingen kunne ikke bekreftes. Prøv igjen."))
    return claims


@router.get("/entra/svar", response_class=HTMLResponse)
async def entra_return(request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    flow = _read_flow(request)
    if not settings.varsling_entra_enabled or flow is None:
        # No attempt of this browser to attribute: nothing is audited (anyone can call this URL).
        return _entra_failed(request, 400, EXPIRED)
    claims = await _verified_claims(request, uow, settings, flow)
    if isinstance(claims, Response):
        return claims
    try:
        cookie = await run_in_threadpool(_sign_in, uow, settings, claims)
    except DomainError as exc:
        return _entra_failed(request, 403, exc.message)
    # A page, not a redirect: a SameSite=Strict cookie set during a cross-site navigation is only sent
    # from the next same-site click.
    resp = page(request, "info", N_("Du er logget inn"), paragraphs=[N_("Du er logget inn med Microsoft.")],
                next_link=PATH)
    set_cookie(request, resp, cookie)
    resp.delete_cookie(FLOW_COOKIE, path=PATH)
    return resp

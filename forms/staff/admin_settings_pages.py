"""`/admin/innstillinger`: the kommune's name and logo, avvik categories, varsling routine and alternative channel;
and `/kommune/logo`, the logo itself for the page header.

Every rule is the domain's (models/services/kommune_settings.py). The logo is uploaded as a plain
multipart form, so it works without JavaScript, and is served with a CSP that lets nothing in it run.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from forms.deps import UowDep, settings_of, uow_of
from forms.staff.govforms import MeDep, field
from forms.staff.pageutil import PostDep, problem, to_login
from forms.staff.web import Me, StaffRoute, current, render
from models.errors import DomainError, ValidationFailed
from models.i18n import N_, _
from models.messages import Form
from models.services import kommune_settings
from models.services.kommune_settings import MAX_LOGO_BYTES
from models.vocabulary import AVVIK_CATEGORIES

router = APIRouter(route_class=StaffRoute)
logo_router = APIRouter()  # its own headers: an image, not a page

NOTICES = {"lagret": N_("Innstillingene er lagret."), "logo": N_("Logoen er lagret."),
           "logo-fjernet": N_("Logoen er fjernet.")}
LOGO_HEADERS = {"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                "x-content-type-options": "nosniff", "cache-control": "private, max-age=300",
                "cross-origin-resource-policy": "same-origin"}


def settings_form() -> Form:
    return Form(form_id="admin.innstillinger", title=_("Kommunens innstillinger"), submit_label=_("Lagre innstillingene"),
                fields=[field("name", _("Kommunens navn"), max_length=200),
                        field("alternative_channel", _("Alternativ kanal for varsling"), max_length=500,
                              hint=_("Der en kan varsle når saken gjelder kommunedirektøren eller en mottaker.")),
                        field("rutine", _("Varslingsrutinen"), "textarea", max_length=20_000,
                              hint=_("Endrer du teksten, blir det en ny versjon; hvert varsel husker versjonen "
                                     "melderen leste."))])


def _page(request: Request, me: Me, *, values: dict[str, str], checked: set[str], errors: dict[str, str] | None = None,
          status: int = 200, logo_type: str | None = None) -> Response:
    form = settings_form()
    names = {f.name for f in form.fields} | {"categories", "logo"}
    errs = errors or {}
    ok = NOTICES.get(request.query_params.get("ok", ""))
    return render(request, "admin/settings.html", {
        "me": me, "title": _("Kommunens innstillinger"), "form": form, "values": values, "checked": checked,
        "categories": list(AVVIK_CATEGORIES.items()), "logo_type": logo_type, "max_kb": MAX_LOGO_BYTES // 1000,
        "errors": {k: v for k, v in errs.items() if k in names}, "general": [v for k, v in errs.items() if k not in names],
        "notice": _(ok) if ok and not errs else None}, status_code=status)


@router.get("/admin/innstillinger")
def settings_page(request: Request, me: MeDep) -> Response:
    try:
        with uow_of(request).read() as tx:
            v = kommune_settings.view(tx, actor_id=me.person_id,
                                      default_channel=settings_of(request).varsling_alternative_contact)
    except DomainError as exc:
        return problem(request, me, exc)
    return _page(request, me, values={"name": v.name, "alternative_channel": v.alternative_channel,
                                      "rutine": v.rutine_text}, checked=set(v.categories), logo_type=v.logo_type)


@router.post("/admin/innstillinger")
def settings_save(request: Request, uow: UowDep, post: PostDep) -> Response:
    me, data = post.me, post.data
    values = {k: data.get(k, "")[:20_001] for k in ("name", "alternative_channel", "rutine")}
    checked = {c for c in AVVIK_CATEGORIES if data.get(f"cat_{c}") == "1"}
    try:
        with uow.write() as tx:
            kommune_settings.update_settings(
                session=tx, actor_id=me.person_id, org_id=me.actor.org_id, name=values["name"],
                categories=sorted(checked), alternative_channel_text=values["alternative_channel"],
                rutine=values["rutine"], default_channel=settings_of(request).varsling_alternative_contact)
    except ValidationFailed as exc:
        return _page(request, me, values=values, checked=checked, errors=exc.errors, status=422)
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse("/admin/innstillinger?ok=lagret", status_code=303)


async def _upload(request: Request) -> bytes | None:
    """The uploaded file's bytes, read no further than one byte past the limit (the domain says it is too big)."""
    form = await request.form()
    upload = form.get("logo")
    if not isinstance(upload, UploadFile):
        return None
    return await upload.read(MAX_LOGO_BYTES + 1)


@router.post("/admin/innstillinger/logo")
async def logo_save(request: Request, post: PostDep) -> Response:
    me = post.me
    remove = post.data.get("remove") == "1"
    data = None if remove else (await _upload(request) or b"")
    try:
        await run_in_threadpool(_store_logo, request, me, data)
    except ValidationFailed as exc:
        return await run_in_threadpool(_logo_error, request, me, exc)
    except DomainError as exc:
        return problem(request, me, exc)
    return RedirectResponse(f"/admin/innstillinger?ok={'logo-fjernet' if remove else 'logo'}", status_code=303)


def _store_logo(request: Request, me: Me, data: bytes | None) -> None:
    with uow_of(request).write() as tx:
        kommune_settings.set_logo(session=tx, actor_id=me.person_id, org_id=me.actor.org_id, data=data)


def _logo_error(request: Request, me: Me, exc: ValidationFailed) -> Response:
    with uow_of(request).read() as tx:
        v = kommune_settings.view(tx, actor_id=me.person_id,
                                  default_channel=settings_of(request).varsling_alternative_contact)
    return _page(request, me, values={"name": v.name, "alternative_channel": v.alternative_channel,
                                      "rutine": v.rutine_text}, checked=set(v.categories), errors=exc.errors,
                 status=422, logo_type=v.logo_type)


@logo_router.get("/kommune/logo")
def logo(request: Request) -> Response:
    """The signed-in person's kommune's logo; 404 when it has none."""
    me = current(request)
    if me is None:
        return to_login(request)
    with uow_of(request).read() as tx:
        found = kommune_settings.logo(tx, org_id=me.actor.org_id)
    if found is None:
        return Response(status_code=404, headers=LOGO_HEADERS)
    return Response(content=found[0], media_type=found[1], headers=LOGO_HEADERS)

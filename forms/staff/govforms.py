"""What the risk, tilsyn and årshjul pages share: reading form text into values, and showing a form.

The domain checks the values and words its messages per field; this module only turns the
posted text into the types the use cases take, and marks what is not even a number or a date
(«Skriv en gyldig dato.») so the page can show every message at once on its own field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from forms.staff.pageutil import to_login
from forms.staff.web import Halt, Me, current, render
from models.i18n import N_
from models.messages import FieldKind, Form, FormField

#: The confirmations shown after a redirect (`?ok=`), for these pages.
NOTICES = {
    "risiko": N_("Risikoen er lagret."),
    "gjennomgatt": N_("Gjennomgangen er lagret."),
    "lukket": N_("Risikoen er lukket."),
    "tiltak": N_("Tiltaket er lagret."),
    "utfort": N_("Tiltaket er markert som utført."),
    "koblet": N_("Avviket er koblet til risikoen."),
    "tilsyn": N_("Tilsynet er registrert."),
    "funn": N_("Funnet er lagret."),
    "aktivitet": N_("Aktiviteten er lagret."),
    "fjernet": N_("Aktiviteten er fjernet fra årshjulet."),
    "kalender": N_("Kalenderlenken er stoppet."),
}

BAD_DATE = N_("Skriv en gyldig dato (dd.mm.åååå).")
BAD_NUMBER = N_("Skriv et helt tall.")
SCORES = [(str(n), str(n)) for n in range(1, 6)]


def signed_in(request: Request) -> Me:
    """The signed-in person for a page; anyone else is sent to sign in (and back here afterwards)."""
    me = current(request)
    if me is None:
        raise Halt(to_login(request))
    return me


#: A GET page's signed-in person (POSTs take `PostDep`, which also checks the CSRF token).
MeDep = Annotated[Me, Depends(signed_in)]


def notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("ok", ""))


def parse_int(text: str | None) -> int | None:
    """A whole number, or None for an empty field; -1 for anything else (the domain refuses it with its message)."""
    t = (text or "").strip()
    if not t:
        return None
    return int(t) if t.isdecimal() and len(t) <= 9 else -1


def parse_date(text: str | None) -> date | None:
    """ISO (what `<input type=date>` posts) or dd.mm.yyyy (typed by hand where date inputs are plain text)."""
    t = (text or "").strip()
    try:
        if len(t) == 10 and t[4] == "-":
            return date.fromisoformat(t)
        if len(t) == 10 and t[2] == "." and t[5] == ".":
            return date(int(t[6:]), int(t[3:5]), int(t[:2]))
    except ValueError:
        return None
    return None


def values_of(form: Form, data: dict[str, str]) -> dict[str, str]:
    return {f.name: data.get(f.name, "")[:20000] for f in form.fields}


def field(name: str, label: str, kind: FieldKind = "text", *, required: bool = True,
          options: list[tuple[str, str]] | None = None, hint: str | None = None, max_length: int | None = None) -> FormField:
    return FormField(name=name, label=label, kind=kind, required=required, options=options or [],
                     hint=hint, max_length=max_length)


@dataclass(frozen=True)
class Page:
    """Where a form posts, and the words around it."""

    action: str
    title: str
    intro: str | None = None
    back: tuple[str, str] | None = None  # (href, link text)


def show_form(request: Request, me: Me, form: Form, page: Page, *, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, status: int = 200, notice: str | None = None) -> Response:
    """The form with what was typed; each error on its field, errors of no field in the summary."""
    names = {f.name for f in form.fields}
    errs = errors or {}
    return render(request, "form.html", {
        "me": me, "title": page.title, "intro": page.intro, "action": page.action, "back": page.back, "form": form,
        "notice": notice, "values": values or {}, "errors": {k: v for k, v in errs.items() if k in names},
        "general": [v for k, v in errs.items() if k not in names]}, status_code=status)

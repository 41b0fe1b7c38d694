"""The chat's neutral forms (`models.messages.Form`) as HTML forms: show, read back, submit.

Forms come from the same specs the chat uses (via `Conversation.handle_action`) and are
submitted through `Conversation.submit_form`, so the rules, the field names and the Norwegian
error messages are the chat's own. Bad input re-shows the form with the values and the errors
on their fields (4xx).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bot.conversation.channel import Interaction
from forms.deps import conversation_of
from forms.numbers import too_big
from forms.staff.pageutil import user_of
from forms.staff.web import Me, render
from models.errors import DomainError, ValidationFailed
from models.i18n import N_
from models.messages import Form


def form_values(form: Form, data: dict[str, str]) -> dict[str, str]:
    """The submitted values for the form's fields; a datetime is two inputs (date and time)."""
    values: dict[str, str] = {}
    for f in form.fields:
        if f.kind == "datetime":
            d, t = data.get(f.name, "").strip(), data.get(f"{f.name}_time", "").strip()
            values[f.name] = f"{d}T{t}" if d and t else d
            values[f"{f.name}_time"] = t
        else:
            values[f.name] = data.get(f.name, "")[:20000]
    return values


def required_errors(form: Form, values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for f in form.fields:
        if f.required and not values.get(f.name, "").strip():
            errors[f.name] = N_("Velg et alternativ.") if f.kind == "select" else N_("Fyll ut dette feltet.")
        elif f.kind == "select" and too_big(values.get(f.name, "")):
            # a forged number (say a 20-digit id) would overflow an INTEGER column: refused here, on its field
            errors[f.name] = N_("Velg et alternativ.")
        elif f.kind == "datetime" and values.get(f.name) and not values.get(f"{f.name}_time"):
            errors[f.name] = N_("Fyll ut både dato og klokkeslett.")
    return errors


def initial_values(form: Form) -> dict[str, str]:
    return {f.name: f.initial for f in form.fields if f.initial is not None}


@dataclass(frozen=True)
class FormPage:
    """Where a form is posted, and the words around it."""

    action: str
    title: str
    intro: str | None = None
    back: tuple[str, str] | None = None  # (href, link text)
    nonce: str | None = None


def render_form(request: Request, me: Me, form: Form, page: FormPage, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """The form page; without `values`, the fields show their initial values."""
    vals = dict(values) if values is not None else initial_values(form)
    field_names = {f.name for f in form.fields}
    errs = dict(errors or {})
    general = [m for k, m in errs.items() if k not in field_names]
    return render(request, "form.html", {
        "me": me, "title": page.title, "form": form, "action": page.action, "values": vals,
        "errors": {f.name: errs[f.name] for f in form.fields if f.name in errs}, "general": general,
        "intro": page.intro, "back": page.back, "nonce": page.nonce}, status_code=status)


def submit(request: Request, me: Me, form: Form, data: dict[str, str], page: FormPage, *, done: str) -> Response:
    """Submit a neutral form through the conversation layer; re-show it with errors on the fields."""
    values = form_values(form, data)
    errors = required_errors(form, values)
    try:
        if errors:
            raise ValidationFailed(errors)
        conversation_of(request).submit_form(Interaction(user=user_of(me), person_id=me.person_id,
                                                         action_id=form.form_id, values=values, context=form.context))
    except ValidationFailed as exc:
        return render_form(request, me, form, page, values=values, errors={**errors, **exc.errors}, status=422)
    except DomainError as exc:
        return render_form(request, me, form, page, values=values, errors={"form": exc.message},
                           status=exc.http_status)
    return RedirectResponse(done, status_code=303)

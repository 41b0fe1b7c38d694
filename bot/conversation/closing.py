"""Closing an avvik in chat and on the web: the leader is warned about tiltak still open.

The close form gains a first question when tiltak are open: it names them and asks why the
avvik is closed anyway. The domain (`models.services.avvik_close`) refuses to close without
that reason and stores it, so a form that skips the question still cannot close silently.
Also the listing of a person's closed avvik («mine lukkede avvik»).
"""

from __future__ import annotations

from bot.conversation import forms, views
from models.i18n import _, fmt_date, ngettext
from models.messages import Form, FormField, Reply
from models.services import avvik_close, listings
from models.services.listings import AvvikRef
from models.uow import Tx

REASON_FIELD = avvik_close.CLOSE_REASON_FIELD
SHOWN_TILTAK = 5


def close_form(tx: Tx, person_id: int, avvik: AvvikRef) -> Form:
    """The close form; with open tiltak, it starts with the warning and asks for the reason."""
    form = forms.close_form(avvik)
    pending = avvik_close.open_tiltak(tx, int(avvik.id or 0))
    if not pending or getattr(avvik, "status", None) == "lukket":  # closed already: the domain says so
        return form
    n = len(pending)
    label = ngettext("Advarsel: {n} tiltak er ikke utført. Hvorfor lukker du avviket likevel?",
                     "Advarsel: {n} tiltak er ikke utført. Hvorfor lukker du avviket likevel?", n).format(n=n)
    listed = "; ".join(_("«{what}» (frist {deadline})").format(what=t.description[:80], deadline=fmt_date(t.deadline))
                       for t in pending[:SHOWN_TILTAK])
    hint = _("Åpne tiltak: {list}. Vil du heller vente, skriv «avbryt».").format(list=listed)
    warning = FormField(name=REASON_FIELD, label=label[:150], kind="textarea", max_length=avvik_close.MAX_REASON,
                        hint=hint[:2000])
    return form.model_copy(update={"fields": [warning, *form.fields]})


def my_closed_reply(tx: Tx, person_id: int) -> Reply:
    """«mine lukkede avvik»: the closed cases that «mine avvik» leaves out."""
    closed = listings.avvik_lines(tx, avvik_close.list_my_closed_avvik(session=tx, person_id=person_id))
    return views.avvik_list(closed, title=_("Dine lukkede avvik"),
                            empty=_("Du har ingen lukkede avvik. Skriv «mine avvik» for de åpne."))


def with_closed_hint(reply: Reply) -> Reply:
    """«mine avvik» shows open cases only: say how to see the closed ones."""
    hint = _("Lukkede avvik ser du med «mine lukkede avvik».")
    return reply.model_copy(update={"text": f"{reply.text}\n{hint}" if reply.text else hint})

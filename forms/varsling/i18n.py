"""Words the anonymous pages pick by a code (a recipient's exclusion, a case status, a form error).

The texts themselves live in the gettext catalogs (models/locales/*/LC_MESSAGES/web.po; the msgid
is the bokmål text); the language is the request's, chosen by forms/locale.py from `?lang=` or the
browser, never a cookie. These tables only map a code to its msgid.
"""

from __future__ import annotations

from models.i18n import N_, current_locale
from models.i18n import gettext as _

REASONS = {
    "leads_unit": N_("leder enheten saken gjelder"),
    "above_unit": N_("står over enheten i linjen"),
    "is_director": N_("er kommunedirektør"),
}
STATUSES = {
    "mottatt": N_("Mottatt"),
    "bekreftet": N_("Mottak bekreftet"),
    "undersokes": N_("Under undersøkelse"),
    "tilbakemelding": N_("Tilbakemelding gitt"),
    "lukket": N_("Avsluttet"),
}
ERRORS = {
    "required": N_("Fyll ut dette feltet."),
    "unknown_unit": N_("Velg en enhet fra lista."),
    "no_recipient": N_("Velg minst én mottaker, eller bruk den alternative kanalen."),
    "closed": N_("Saken er avsluttet."),
}


def query() -> str:
    """`?lang=xx` for links and form actions, so the chosen language follows the reporter without a cookie."""
    lang = current_locale()
    return "" if lang == "nb" else f"?lang={lang}"


def error_text(code: str) -> str:
    """Translate a domain error code from `varsling_cases.validate_fields`."""
    kind, _sep, rest = code.partition(":")
    if kind == "too_long":
        limit, _sep, length = rest.partition(":")
        return _("Teksten er for lang. Den kan ha høyst {limit} tegn; du har skrevet {length}. Ingenting er sendt, "
                 "og teksten din står fortsatt i feltet.").format(limit=limit, length=length)
    return _(ERRORS[kind]) if kind in ERRORS else code

"""Texts of the anonymous pages in bokmål (default), nynorsk and English, chosen with ?lang= (no cookie)."""

from __future__ import annotations

from typing import Protocol

LANGS = ("nb", "nn", "en")
LANG_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}

_T: dict[str, dict[str, str]] = {
    "site": {"nb": "Varsling", "nn": "Varsling", "en": "Whistleblowing"},
    "skip": {"nb": "Hopp til innholdet", "nn": "Hopp til innhaldet", "en": "Skip to content"},
    "nav_form": {"nb": "Send varsel", "nn": "Send varsel", "en": "Report"},
    "nav_follow": {"nb": "Følg opp med kvittering", "nn": "Følg opp med kvittering", "en": "Follow up with receipt"},
    "nav_rutine": {"nb": "Varslingsrutinen", "nn": "Varslingsrutinen", "en": "Whistleblowing procedure"},
    "nav_a11y": {"nb": "Tilgjengelighetserklæring", "nn": "Tilgjengelegheitserklæring", "en": "Accessibility statement"},
    "nav_lang": {"nb": "Språk", "nn": "Språk", "en": "Language"},
    "main_nav": {"nb": "Hovedmeny", "nn": "Hovudmeny", "en": "Main menu"},
    "form_title": {"nb": "Varsle om kritikkverdige forhold", "nn": "Varsle om kritikkverdige forhold",
                   "en": "Report censurable conditions"},
    "form_intro": {
        "nb": "Du kan varsle anonymt. Vi lagrer ikke IP-adressen din, nettleseren din eller klokkeslettet, og siden bruker ingen informasjonskapsler. Bruk gjerne en privat enhet og et privat nett.",
        "nn": "Du kan varsle anonymt. Vi lagrar ikkje IP-adressa di, nettlesaren din eller klokkeslettet, og sida brukar ingen informasjonskapslar. Bruk gjerne ei privat eining og eit privat nett.",
        "en": "You can report anonymously. We do not store your IP address, your browser or the time of day, and this page uses no cookies. Consider using a private device and network."},
    "rutine_link": {"nb": "Les varslingsrutinen (versjon {v})", "nn": "Les varslingsrutinen (versjon {v})",
                    "en": "Read the whistleblowing procedure (version {v}, in Norwegian)"},
    "what": {"nb": "Hva gjelder saken?", "nn": "Kva gjeld saka?", "en": "What is the matter?"},
    "what_hint": {"nb": "Beskriv hva som har skjedd. Høyst {n} tegn.", "nn": "Beskriv kva som har skjedd. Høgst {n} teikn.",
                  "en": "Describe what happened. At most {n} characters."},
    "where_when": {"nb": "Hvor og når skjedde det?", "nn": "Kvar og når skjedde det?", "en": "Where and when did it happen?"},
    "where_when_hint": {"nb": "Høyst {n} tegn.", "nn": "Høgst {n} teikn.", "en": "At most {n} characters."},
    "unit": {"nb": "Hvilken enhet gjelder saken? (valgfritt)", "nn": "Kva eining gjeld saka? (valfritt)",
             "en": "Which unit does it concern? (optional)"},
    "unit_hint": {"nb": "Ledere for enheten og de over den i linjen tas automatisk ut som mottakere.",
                  "nn": "Leiarar for eininga og dei over ho i linja blir automatisk tekne ut som mottakarar.",
                  "en": "Leaders of the unit and those above it in the line are automatically removed as recipients."},
    "unit_none": {"nb": "Ingen bestemt enhet", "nn": "Inga bestemt eining", "en": "No particular unit"},
    "concerns_director": {"nb": "Saken gjelder kommunedirektøren", "nn": "Saka gjeld kommunedirektøren",
                          "en": "The matter concerns the chief municipal executive"},
    "recipients": {"nb": "Mottakere", "nn": "Mottakarar", "en": "Recipients"},
    "recipients_hint": {"nb": "Fjern haken for en mottaker du ikke vil skal få varselet.",
                        "nn": "Fjern haken for ein mottakar du ikkje vil skal få varselet.",
                        "en": "Untick a recipient you do not want to receive the report."},
    "excluded": {"nb": "tatt ut", "nn": "teken ut", "en": "removed"},
    "reason_leads_unit": {"nb": "leder enheten saken gjelder", "nn": "leiar eininga saka gjeld",
                          "en": "leads the unit concerned"},
    "reason_above_unit": {"nb": "står over enheten i linjen", "nn": "står over eininga i linja",
                          "en": "is above the unit in the line"},
    "reason_is_director": {"nb": "er kommunedirektør", "nn": "er kommunedirektør", "en": "is the chief executive"},
    "alt_route": {"nb": "Gjelder saken kommunedirektøren eller en av mottakerne? Da kan du varsle til: {c}",
                  "nn": "Gjeld saka kommunedirektøren eller ein av mottakarane? Då kan du varsle til: {c}",
                  "en": "Does the matter concern the chief executive or one of the recipients? Then you can report to: {c}"},
    "no_recipients": {"nb": "Ingen mottakere kan ta imot varselet nå. Bruk den alternative kanalen.",
                      "nn": "Ingen mottakarar kan ta imot varselet no. Bruk den alternative kanalen.",
                      "en": "No recipient can receive the report right now. Please use the alternative route."},
    "identity": {"nb": "Navn og kontaktinformasjon (valgfritt)", "nn": "Namn og kontaktinformasjon (valfritt)",
                 "en": "Name and contact details (optional)"},
    "identity_hint": {"nb": "La feltene stå tomme for å være anonym. Det du skriver her krypteres for seg, og mottakerne må åpne det særskilt.",
                      "nn": "La felta stå tomme for å vere anonym. Det du skriv her blir kryptert for seg, og mottakarane må opne det særskilt.",
                      "en": "Leave these empty to stay anonymous. Anything here is encrypted separately, and recipients must open it separately."},
    "name": {"nb": "Navn", "nn": "Namn", "en": "Name"},
    "contact": {"nb": "Telefon eller e-post", "nn": "Telefon eller e-post", "en": "Phone or e-mail"},
    "preview": {"nb": "Oppdater mottakere", "nn": "Oppdater mottakarar", "en": "Update recipients"},
    "send": {"nb": "Send varsel", "nn": "Send varsel", "en": "Send report"},
    "changed": {"nb": "Mottakerlisten er oppdatert ut fra det du valgte. Kontroller den og trykk «Send varsel» igjen.",
                "nn": "Mottakarlista er oppdatert ut frå det du valde. Kontroller ho og trykk «Send varsel» igjen.",
                "en": "The recipient list has been updated from your choices. Check it and press “Send report” again."},
    "errors_title": {"nb": "Skjemaet har feil", "nn": "Skjemaet har feil", "en": "The form has errors"},
    "err_required": {"nb": "Fyll ut dette feltet.", "nn": "Fyll ut dette feltet.", "en": "Please fill in this field."},
    "err_too_long": {"nb": "Teksten er for lang. Den kan ha høyst {limit} tegn; du har skrevet {length}. Ingenting er sendt, og teksten din står fortsatt i feltet.",
                     "nn": "Teksten er for lang. Han kan ha høgst {limit} teikn; du har skrive {length}. Ingenting er sendt, og teksten din står framleis i feltet.",
                     "en": "The text is too long. It can have at most {limit} characters; you wrote {length}. Nothing was sent, and your text is still in the field."},
    "err_unknown_unit": {"nb": "Velg en enhet fra lista.", "nn": "Vel ei eining frå lista.", "en": "Choose a unit from the list."},
    "err_no_recipient": {"nb": "Velg minst én mottaker, eller bruk den alternative kanalen.",
                         "nn": "Vel minst éin mottakar, eller bruk den alternative kanalen.",
                         "en": "Choose at least one recipient, or use the alternative route."},
    "err_closed": {"nb": "Saken er avsluttet.", "nn": "Saka er avslutta.", "en": "The case is closed."},
    "token_expired": {"nb": "Skjemaet var utløpt. Teksten din er tatt vare på her – kontroller og send på nytt.",
                      "nn": "Skjemaet var gått ut. Teksten din er teken vare på her – kontroller og send på nytt.",
                      "en": "The form had expired. Your text has been kept here – check it and send again."},
    "token_invalid": {"nb": "Skjemaet kunne ikke bekreftes (det kom ikke fra denne siden). Ingenting er sendt. Kontroller og send på nytt.",
                      "nn": "Skjemaet kunne ikkje stadfestast (det kom ikkje frå denne sida). Ingenting er sendt. Kontroller og send på nytt.",
                      "en": "The form could not be verified (it did not come from this page). Nothing was sent. Check and send again."},
    "replayed": {"nb": "Dette skjemaet er allerede sendt. Det samme varselet sendes ikke to ganger.",
                 "nn": "Dette skjemaet er alt sendt. Det same varselet blir ikkje sendt to gonger.",
                 "en": "This form has already been sent. The same report is not sent twice."},
    "receipt_title": {"nb": "Varselet er sendt", "nn": "Varselet er sendt", "en": "Your report has been sent"},
    "receipt_intro": {"nb": "Saken har nummer {ref}. Dette er kvitteringskoden din. Den vises bare denne ene gangen:",
                      "nn": "Saka har nummer {ref}. Dette er kvitteringskoden din. Han blir vist berre denne eine gongen:",
                      "en": "The case number is {ref}. This is your receipt code. It is shown only this once:"},
    "receipt_label": {"nb": "Kvitteringskode", "nn": "Kvitteringskode", "en": "Receipt code"},
    "receipt_keep": {"nb": "Skriv den ned og oppbevar den trygt. Med koden kan du følge saken, lese svar og svare mottakerne. Vi kan ikke finne koden igjen for deg.",
                     "nn": "Skriv han ned og ta vare på han. Med koden kan du følgje saka, lese svar og svare mottakarane. Vi kan ikkje finne koden att for deg.",
                     "en": "Write it down and keep it safe. With it you can follow the case, read replies and answer the recipients. We cannot recover the code for you."},
    "follow_title": {"nb": "Følg opp varselet ditt", "nn": "Følg opp varselet ditt", "en": "Follow up your report"},
    "code": {"nb": "Kvitteringskode (16 sifre)", "nn": "Kvitteringskode (16 siffer)", "en": "Receipt code (16 digits)"},
    "code_hint": {"nb": "For eksempel 1234 5678 9012 3456.", "nn": "Til dømes 1234 5678 9012 3456.", "en": "For example 1234 5678 9012 3456."},
    "open": {"nb": "Åpne saken", "nn": "Opne saka", "en": "Open the case"},
    "bad_code": {"nb": "Vi fant ingen sak med denne kvitteringskoden. Kontroller sifrene. Saker slettes etter oppbevaringstiden.",
                 "nn": "Vi fann inga sak med denne kvitteringskoden. Kontroller siffera. Saker blir sletta etter oppbevaringstida.",
                 "en": "We found no case with this receipt code. Check the digits. Cases are deleted after the retention period."},
    "too_many": {"nb": "For mange feil forsøk. Vent et kvarter og prøv igjen.", "nn": "For mange feil forsøk. Vent eit kvarter og prøv igjen.",
                 "en": "Too many failed attempts. Wait a quarter of an hour and try again."},
    "case": {"nb": "Sak", "nn": "Sak", "en": "Case"},
    "status": {"nb": "Status", "nn": "Status", "en": "Status"},
    "received": {"nb": "Mottatt", "nn": "Motteken", "en": "Received"},
    "ack_due": {"nb": "Frist for bekreftelse av mottak", "nn": "Frist for stadfesting av mottak", "en": "Acknowledgement due"},
    "ack_done": {"nb": "Mottak bekreftet", "nn": "Mottak stadfesta", "en": "Acknowledged"},
    "feedback_due": {"nb": "Frist for tilbakemelding", "nn": "Frist for tilbakemelding", "en": "Feedback due"},
    "feedback_done": {"nb": "Tilbakemelding gitt", "nn": "Tilbakemelding gjeven", "en": "Feedback given"},
    "closed": {"nb": "Avsluttet", "nn": "Avslutta", "en": "Closed"},
    "your_report": {"nb": "Ditt varsel", "nn": "Varselet ditt", "en": "Your report"},
    "messages": {"nb": "Meldinger", "nn": "Meldingar", "en": "Messages"},
    "no_messages": {"nb": "Ingen meldinger ennå.", "nn": "Ingen meldingar enno.", "en": "No messages yet."},
    "from_you": {"nb": "Fra deg", "nn": "Frå deg", "en": "From you"},
    "from_recipient": {"nb": "Fra mottaker", "nn": "Frå mottakar", "en": "From a recipient"},
    "reply": {"nb": "Svar mottakerne", "nn": "Svar mottakarane", "en": "Reply to the recipients"},
    "send_reply": {"nb": "Send svar", "nn": "Send svar", "en": "Send reply"},
    "reply_sent": {"nb": "Svaret ditt er sendt.", "nn": "Svaret ditt er sendt.", "en": "Your reply has been sent."},
    "st_mottatt": {"nb": "Mottatt", "nn": "Motteken", "en": "Received"},
    "st_bekreftet": {"nb": "Mottak bekreftet", "nn": "Mottak stadfesta", "en": "Acknowledged"},
    "st_undersokes": {"nb": "Under undersøkelse", "nn": "Under undersøking", "en": "Being investigated"},
    "st_tilbakemelding": {"nb": "Tilbakemelding gitt", "nn": "Tilbakemelding gjeven", "en": "Feedback given"},
    "st_lukket": {"nb": "Avsluttet", "nn": "Avslutta", "en": "Closed"},
    "rutine_title": {"nb": "Varslingsrutinen", "nn": "Varslingsrutinen", "en": "Whistleblowing procedure"},
    "rutine_version": {"nb": "Versjon {v}", "nn": "Versjon {v}", "en": "Version {v}"},
    "a11y_title": {"nb": "Tilgjengelighetserklæring", "nn": "Tilgjengelegheitserklæring", "en": "Accessibility statement"},
    "a11y_body": {
        "nb": "Varslingssidene skal oppfylle kravene i WCAG 2.1 nivå AA, slik forskrift om universell utforming av IKT-løsninger krever. Sidene virker uten JavaScript, kan brukes med tastatur alene, har ledetekster på alle felt, feilmeldinger knyttet til feltene og tilstrekkelig kontrast. De testes automatisk med axe-core ved hver endring. Vi kjenner ikke til brudd på kravene. Finner du noe som ikke virker, kan du si fra til kommunen eller til Tilsynet for universell utforming av IKT (uutilsynet.no).",
        "nn": "Varslingssidene skal oppfylle krava i WCAG 2.1 nivå AA, slik forskrift om universell utforming av IKT-løysingar krev. Sidene verkar utan JavaScript, kan brukast med tastatur åleine, har leietekstar på alle felt, feilmeldingar knytte til felta og tilstrekkeleg kontrast. Dei blir testa automatisk med axe-core ved kvar endring. Vi kjenner ikkje til brot på krava. Finn du noko som ikkje verkar, kan du seie frå til kommunen eller til Tilsynet for universell utforming av IKT (uutilsynet.no).",
        "en": "The whistleblowing pages aim to meet WCAG 2.1 level AA, as Norwegian regulations on universal design of ICT require. They work without JavaScript, can be used with a keyboard alone, label every field, tie error messages to their fields and have sufficient contrast. They are tested automatically with axe-core on every change. We know of no failures. If something does not work for you, tell the municipality or the Authority for Universal Design of ICT (uutilsynet.no)."},
    "footer": {"nb": "Denne siden lagrer ikke IP-adresse, nettleser eller klokkeslett, og bruker ingen informasjonskapsler.",
               "nn": "Denne sida lagrar ikkje IP-adresse, nettlesar eller klokkeslett, og brukar ingen informasjonskapslar.",
               "en": "This page stores no IP address, browser or time of day, and uses no cookies."},
    "required": {"nb": "(må fylles ut)", "nn": "(må fyllast ut)", "en": "(required)"},
    "error": {"nb": "Feil", "nn": "Feil", "en": "Error"},
}


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else "nb"


class Translate(Protocol):
    def __call__(self, key: str, **kw: object) -> str: ...


def translator(lang: str) -> Translate:
    """The page's `t(key, **values)`: the text in `lang`, else bokmål, else the key itself."""

    def t(key: str, **kw: object) -> str:
        entry = _T.get(key)
        if entry is None:
            return key
        text = entry.get(lang) or entry["nb"]
        return text.format(**kw) if kw else text

    return t


def error_text(lang: str, code: str) -> str:
    """Translate a domain error code from `varsling_cases.validate_fields`."""
    t = translator(lang)
    kind, _, rest = code.partition(":")
    if kind == "too_long":
        limit, _, length = rest.partition(":")
        return t("err_too_long", limit=limit, length=length)
    return t(f"err_{kind}") if f"err_{kind}" in _T else code

"""Reply builders for lists and guidance. Plain text only: each edge renders and escapes."""

from __future__ import annotations

from datetime import UTC, datetime

from models.i18n import N_, _, fmt_date, ngettext
from models.messages import Action, Fact, Item, Reply
from models.risk import severity
from models.services.checklists import DueItem
from models.services.listings import AvvikDetail, AvvikLine, OppdragLine
from models.vocabulary import AVVIK_STATUSES, CHECK_ANSWERS, OPPDRAG_STATUSES, TRAFFIC_EMOJI, TRAFFIC_LIGHTS

HELP_LINES = (
    N_("• «meld avvik» – registrer et avvik (jeg spør deg steg for steg)"),
    N_("• «mine avvik» – avvik du har meldt eller har ansvar for"),
    N_("• «enhetens avvik» – åpne avvik i enheten din (for ledere)"),
    N_("• «mine oppdrag» – oppdragene dine med trafikklys"),
    N_("• «oppdrag 12 er ferdig», «sett oppdrag 12 til 50 %», «oppdrag 12 er forsinket fordi …»"),
    N_("• «sjekkliste» – internkontroll-punktene som venter denne perioden"),
    N_("• «nærvær i november 93,4 %», «sykefravær oktober 7,2» – registrer en indikatorverdi (for ledere)"),
    N_("• «registrer indikatorer» – gå gjennom indikatorene som mangler verdi, én om gangen"),
    N_("• «styringskort» – styringskortet med trafikklys; «styringskort Aurvoll skole» åpner en enhet"),
    N_("• «ny risiko» – legg inn en risiko i ROS-registeret (for ledere)"),
    N_("• «varsle» – si fra om kritikkverdige forhold, anonymt om du vil"),
    N_("• «avbryt» eller «tilbake» midt i en dialog"),
    N_("• «skriv nynorsk», «bytt til bokmål» eller «speak English» – velg språket jeg svarer på"),
)
UNKNOWN_BUTTON = N_("Den knappen kjenner jeg ikke igjen. Skriv «hjelp» for å se hva jeg kan.")


def help_reply() -> Reply:
    text = "\n".join([_("Dette kan jeg hjelpe med:"), *(_(line) for line in HELP_LINES)])
    return Reply(title=_("Hei! Jeg er Tråd."), text=text)


def age_text(created: datetime, now: datetime | None = None) -> str:
    days = ((now or datetime.now(UTC)) - created).days
    return _("i dag") if days < 1 else ngettext("{n} dag", "{n} dager", days).format(n=days)


def avvik_item(a: AvvikLine, *, for_leader: bool = False) -> Item:
    facts = [Fact(label=_("Status"), value=_(AVVIK_STATUSES.get(a.status, a.status))),
             Fact(label=_("Risiko"), value=f"{a.risk} ({_(severity(a.risk))})"),
             Fact(label=_("Alder"), value=age_text(a.created_at))]
    if a.unit_name:
        facts.insert(1, Fact(label=_("Enhet"), value=a.unit_name))
    return Item(title=f"{a.ref} {a.title}", facts=facts, actions=list(a.leader_actions) if for_leader else [])


def avvik_list(avvik: list[AvvikLine], *, title: str, empty: str, for_leader: bool = False) -> Reply:
    if not avvik:
        return Reply(text=empty)
    return Reply(title=title, items=[avvik_item(a, for_leader=for_leader) for a in avvik])


def avvik_detail(d: AvvikDetail) -> Reply:
    facts = list(d.facts)
    for t in d.tiltak:
        when = (_("frist {date}, utført") if t.done else _("frist {date}")).format(date=fmt_date(t.deadline))
        facts.append(Fact(label=_("Tiltak"), value=f"{t.description} ({when})"))
    return Reply(title=f"{d.ref} {d.title}", text=d.description, facts=facts, actions=list(d.actions))


def oppdrag_item(o: OppdragLine) -> Item:
    light = o.light
    lamp = TRAFFIC_LIGHTS[light] if light is not None and light in TRAFFIC_LIGHTS else _("Ingen")
    facts = [Fact(label=_("Status"), value=_(OPPDRAG_STATUSES.get(o.status, o.status))),
             Fact(label=_("Framdrift"), value=_("{n} %").format(n=o.progress)),
             Fact(label=_("Trafikklys"), value=f"{TRAFFIC_EMOJI[light]} {lamp}")]
    if o.deadline:
        facts.append(Fact(label=_("Frist"), value=fmt_date(o.deadline)))
    return Item(title=_("Oppdrag {n}: {title}").format(n=o.number, title=o.title), text=o.category, facts=facts,
                actions=[Action(label=_("Oppdater"), action_id="oppdrag.update", value=str(o.number), style="primary")])


def oppdrag_updated(o: OppdragLine) -> Reply:
    """The receipt after a status or progress update, with the oppdrag as it stands now."""
    text = _("Oppdrag {n} er oppdatert: {status}, {progress} %.").format(
        n=o.number, status=_(OPPDRAG_STATUSES.get(o.status, o.status)), progress=o.progress)
    return Reply(text=text, items=[oppdrag_item(o)])


def oppdrag_list(items: list[OppdragLine]) -> Reply:
    if not items:
        return Reply(text=_("Du har ingen åpne oppdrag."))
    return Reply(title=_("Dine oppdrag"), items=[oppdrag_item(o) for o in items],
                 text=_("Tips: skriv «oppdrag 12 er ferdig» eller «sett oppdrag 12 til 50 %»."))


def check_item(d: DueItem) -> Item:
    v = f"{d.unit_id}:{d.item_id}"
    answered = _("Svart: {answer}").format(answer=_(CHECK_ANSWERS[d.answer])) if d.answer else _("Ikke besvart")
    return Item(title=d.text, text=f"{d.purpose} · {d.type} · {d.unit_name} · {answered}",
                actions=[Action(label=_(CHECK_ANSWERS["ja"]), action_id="check.ja", value=v, style="primary"),
                         Action(label=_(CHECK_ANSWERS["nei"]), action_id="check.nei", value=v, style="danger"),
                         Action(label=_(CHECK_ANSWERS["ikke_relevant"]), action_id="check.ikke_relevant", value=v)])


def checklist_reply(due: list[DueItem], *, is_leader: bool) -> Reply:
    if not is_leader:
        return Reply(text=_("Sjekklistene for internkontroll besvares av lederne. Du har ingen sjekkpunkter."))
    if not due:
        return Reply(text=_("Alt er à jour: ingen sjekkpunkter venter denne perioden. 👍"))
    return Reply(title=_("Sjekkpunkter som venter ({n})").format(n=len(due)), items=[check_item(d) for d in due],
                 text=_("Svar ja, nei eller ikke relevant. «Nei» ber om en kommentar og blir et avvik."))


VARSLING_HINT = N_("Jeg har ikke lagret det du skrev. Gjelder det et vanlig avvik, bruk /avvik eller "
                   "«meld avvik» i stedet.")


def varsle_reply(form_url: str, recipients: list[str], *, detected: bool = False) -> Reply:
    intro = _("Varsling skal ikke skje her i chatten: eierne av chat-løsningen kan eksportere meldinger. "
              "Bruk det anonyme skjemaet i stedet – det lagrer ingenting som kan identifisere deg.")
    if detected:
        intro = _("Det du skriver kan handle om kritikkverdige forhold.") + " " + intro
    facts = [Fact(label=_("Skjema"), value=form_url),
             Fact(label=_("Råd"), value=_("Bruk gjerne en privat enhet og et privat nett (ikke jobbens PC eller wifi)."))]
    if recipients:
        facts.append(Fact(label=_("Mottakere"), value=", ".join(recipients)))
    facts.append(Fact(label=_("Kvittering"),
                      value=_("Du får en kvitteringskode, og kan følge opp saken anonymt med den.")))
    return Reply(title=_("Varsling (arbeidsmiljøloven kap. 2 A)"), text=intro, facts=facts,
                 actions=[Action(label=_("Åpne varslingsskjemaet"), action_id="varsle.open", url=form_url)],
                 ephemeral=True)

"""Reply builders for lists and guidance. Plain text only: each edge renders and escapes."""

from __future__ import annotations

from datetime import UTC, datetime

from models.messages import Action, Fact, Item, Reply
from models.risk import severity
from models.services.checklists import DueItem
from models.services.listings import AvvikDetail, AvvikLine, OppdragLine
from models.vocabulary import AVVIK_STATUSES, CHECK_ANSWERS, OPPDRAG_STATUSES, TRAFFIC_EMOJI, TRAFFIC_LIGHTS

HELP_TEXT = (
    "Dette kan jeg hjelpe med:\n"
    "• «meld avvik» – registrer et avvik (jeg spør deg steg for steg)\n"
    "• «mine avvik» – avvik du har meldt eller har ansvar for\n"
    "• «enhetens avvik» – åpne avvik i enheten din (for ledere)\n"
    "• «mine oppdrag» – oppdragene dine med trafikklys\n"
    "• «oppdrag 12 er ferdig», «sett oppdrag 12 til 50 %», «oppdrag 12 er forsinket fordi …»\n"
    "• «sjekkliste» – internkontroll-punktene som venter denne perioden\n"
    "• «nærvær i november 93,4 %», «sykefravær oktober 7,2» – registrer en indikatorverdi (for ledere)\n"
    "• «registrer indikatorer» – gå gjennom indikatorene som mangler verdi, én om gangen\n"
    "• «styringskort» – styringskortet med trafikklys; «styringskort Aurvoll skole» åpner en enhet\n"
    "• «ny risiko» – legg inn en risiko i ROS-registeret (for ledere)\n"
    "• «varsle» – si fra om kritikkverdige forhold, anonymt om du vil\n"
    "• «avbryt» eller «tilbake» midt i en dialog"
)


def help_reply() -> Reply:
    return Reply(title="Hei! Jeg er Tråd.", text=HELP_TEXT)


def age_text(created: datetime, now: datetime | None = None) -> str:
    days = ((now or datetime.now(UTC)) - created).days
    return "i dag" if days < 1 else f"{days} d"


def avvik_item(a: AvvikLine, *, for_leader: bool = False) -> Item:
    facts = [Fact(label="Status", value=AVVIK_STATUSES.get(a.status, a.status)),
             Fact(label="Risiko", value=f"{a.risk} ({severity(a.risk)})"),
             Fact(label="Alder", value=age_text(a.created_at))]
    if a.unit_name:
        facts.insert(1, Fact(label="Enhet", value=a.unit_name))
    return Item(title=f"{a.ref} {a.title}", facts=facts, actions=list(a.leader_actions) if for_leader else [])


def avvik_list(avvik: list[AvvikLine], *, title: str, empty: str, for_leader: bool = False) -> Reply:
    if not avvik:
        return Reply(text=empty)
    return Reply(title=title, items=[avvik_item(a, for_leader=for_leader) for a in avvik])


def avvik_detail(d: AvvikDetail) -> Reply:
    facts = list(d.facts)
    for t in d.tiltak:
        facts.append(Fact(label="Tiltak", value=f"{t.description} (frist {t.deadline:%d.%m.%Y}"
                                                f"{', utført' if t.done else ''})"))
    return Reply(title=f"{d.ref} {d.title}", text=d.description, facts=facts, actions=list(d.actions))


def oppdrag_item(o: OppdragLine) -> Item:
    light = o.light
    facts = [Fact(label="Status", value=OPPDRAG_STATUSES.get(o.status, o.status)),
             Fact(label="Framdrift", value=f"{o.progress} %"),
             Fact(label="Trafikklys", value=f"{TRAFFIC_EMOJI[light]} {TRAFFIC_LIGHTS.get(light or '', 'Ingen')}")]
    if o.deadline:
        facts.append(Fact(label="Frist", value=o.deadline.strftime("%d.%m.%Y")))
    return Item(title=f"Oppdrag {o.number}: {o.title}", text=o.category, facts=facts,
                actions=[Action(label="Oppdater", action_id="oppdrag.update", value=str(o.number), style="primary")])


def oppdrag_list(items: list[OppdragLine]) -> Reply:
    if not items:
        return Reply(text="Du har ingen åpne oppdrag.")
    return Reply(title="Dine oppdrag", items=[oppdrag_item(o) for o in items],
                 text="Tips: skriv «oppdrag 12 er ferdig» eller «sett oppdrag 12 til 50 %».")


def check_item(d: DueItem) -> Item:
    v = f"{d.unit_id}:{d.item_id}"
    answered = f"Svart: {CHECK_ANSWERS[d.answer]}" if d.answer else "Ikke besvart"
    return Item(title=d.text, text=f"{d.purpose} · {d.type} · {d.unit_name} · {answered}",
                actions=[Action(label="Ja", action_id="check.ja", value=v, style="primary"),
                         Action(label="Nei", action_id="check.nei", value=v, style="danger"),
                         Action(label="Ikke relevant", action_id="check.ikke_relevant", value=v)])


def checklist_reply(due: list[DueItem], *, is_leader: bool) -> Reply:
    if not is_leader:
        return Reply(text="Sjekklistene for internkontroll besvares av lederne. Du har ingen sjekkpunkter.")
    if not due:
        return Reply(text="Alt er à jour: ingen sjekkpunkter venter denne perioden. 👍")
    return Reply(title=f"Sjekkpunkter som venter ({len(due)})", items=[check_item(d) for d in due],
                 text="Svar ja, nei eller ikke relevant. «Nei» ber om en kommentar og blir et avvik.")


VARSLING_HINT = ("Jeg har ikke lagret det du skrev. Gjelder det et vanlig avvik, bruk /avvik eller "
                 "«meld avvik» i stedet.")


def varsle_reply(form_url: str, recipients: list[str], *, detected: bool = False) -> Reply:
    intro = ("Det du skriver kan handle om kritikkverdige forhold. " if detected else "") + (
        "Varsling skal ikke skje her i chatten: eierne av chat-løsningen kan eksportere meldinger. "
        "Bruk det anonyme skjemaet i stedet – det lagrer ingenting som kan identifisere deg."
    )
    facts = [Fact(label="Skjema", value=form_url),
             Fact(label="Råd", value="Bruk gjerne en privat enhet og et privat nett (ikke jobbens PC eller wifi).")]
    if recipients:
        facts.append(Fact(label="Mottakere", value=", ".join(recipients)))
    facts.append(Fact(label="Kvittering", value="Du får en kvitteringskode, og kan følge opp saken anonymt med den."))
    return Reply(title="Varsling (arbeidsmiljøloven kap. 2 A)", text=intro, facts=facts,
                 actions=[Action(label="Åpne varslingsskjemaet", action_id="varsle.open", url=form_url)],
                 ephemeral=True)

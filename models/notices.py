"""The messages the domain sends when something happens, as neutral `Reply` objects.

Written here, not in an edge, because they are enqueued in the same transaction as
the change; every platform renders them its own way and escapes the user's text.
Each is built in its recipient's language: `outbox.enqueue` runs the builder inside
`speaking_to(recipient)`, so the texts here only call `_()`.
"""

from __future__ import annotations

from models.i18n import LOCALES, N_, _, fmt_date, fmt_datetime, use_locale
from models.messages import Action, Fact, Reply
from models.risk import severity_label
from models.tables import Avvik, Tiltak, Unit
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES


def avvik_ref(avvik: Avvik) -> str:
    return f"AV-{avvik.number}"


def avvik_facts(avvik: Avvik, unit: Unit | None, tz: str = "Europe/Oslo") -> list[Fact]:
    """The facts of an avvik; times are local (Europe/Oslo, the only zone Tråd serves; `tz` is kept for callers)."""
    facts = [
        Fact(label=_("Kategori"), value=AVVIK_CATEGORIES.get(avvik.category, avvik.category)),
        Fact(label=_("Enhet"), value=unit.name if unit else "–"),
        Fact(label=_("Når"), value=fmt_datetime(avvik.occurred_at)),
        Fact(label=_("Risiko"), value=_("{risk} ({band}) = S{p} × K{c}").format(
            risk=avvik.risk, band=severity_label(avvik.risk), p=avvik.probability, c=avvik.consequence)),
        Fact(label=_("Status"), value=AVVIK_STATUSES.get(avvik.status, avvik.status)),
    ]
    if avvik.location:
        facts.insert(3, Fact(label=_("Hvor"), value=avvik.location))
    return facts


def leader_actions(avvik: Avvik) -> list[Action]:
    value = str(avvik.id)
    actions = []
    if avvik.status == "meldt":
        actions.append(Action(label=_("Ta saken"), action_id="avvik.take", value=value, style="primary"))
    if avvik.status != "lukket":
        actions.append(Action(label=_("Legg til tiltak"), action_id="avvik.add_tiltak", value=value))
        actions.append(Action(label=_("Lukk"), action_id="avvik.close", value=value, style="danger"))
    else:
        actions.append(Action(label=_("Gjenåpne"), action_id="avvik.reopen", value=value))
    return actions


def quoted(text: str) -> str:
    """«text» followed by a full stop, unless the text already ends a sentence («…glatt.», not «…glatt.».)."""
    text = text.strip()
    return f"«{text}»" + ("" if text[-1:] in ".!?…" else ".")


def who_was_told(unit_name: str | None, leader_names: list[str]) -> str:
    """Names the leader(s) of the unit the avvik was reported for, which need not be the reporter's own."""
    unit = unit_name or _("enheten")
    if not leader_names:
        return _("Lederen for {unit} er varslet").format(unit=unit)
    return _("{names} (leder for {unit}) er varslet").format(names=_(" og ").join(leader_names), unit=unit)


def receipt_to_reporter(avvik: Avvik, unit: Unit | None, leader_names: list[str]) -> Reply:
    """The lasting record in the reporter's DM; the chat or web answer already said thank you."""
    told = who_was_told(unit.name if unit else None, leader_names)
    return Reply(
        title=_("Avviket ditt er registrert som {ref}").format(ref=avvik_ref(avvik)),
        text=_("{quote} {told}. Du får beskjed når saken går videre.").format(quote=quoted(avvik.title), told=told),
        facts=avvik_facts(avvik, unit),
    )


NEW_AVVIK_TITLE = N_("Nytt avvik {ref}: {title}")


def new_avvik_title_prefixes() -> tuple[str, ...]:
    """How the title of `new_avvik_to_leader` begins in each language (to recognise that message again)."""
    prefixes = []
    for locale in LOCALES:
        with use_locale(locale):
            prefixes.append(_(NEW_AVVIK_TITLE).split("{ref}")[0])
    return tuple(dict.fromkeys(prefixes))


def new_avvik_to_leader(avvik: Avvik, unit: Unit | None, reporter_name: str) -> Reply:
    return Reply(
        title=_(NEW_AVVIK_TITLE).format(ref=avvik_ref(avvik), title=avvik.title),
        text=avvik.description,
        facts=[Fact(label=_("Meldt av"), value=reporter_name), *avvik_facts(avvik, unit)]
        + ([Fact(label=_("Strakstiltak"), value=avvik.immediate_action)] if avvik.immediate_action else []),
        actions=leader_actions(avvik),
    )


def status_to_reporter(avvik: Avvik, what: str, tiltak: Tiltak | None = None) -> Reply:
    """`what` is already in the reporter's language (the builder runs inside their locale)."""
    text = what
    if tiltak is not None:
        text = _("{what}: «{tiltak}» (frist {deadline})").format(
            what=what, tiltak=tiltak.description, deadline=fmt_date(tiltak.deadline))
    facts = [Fact(label=_("Status"), value=AVVIK_STATUSES.get(avvik.status, avvik.status))]
    if avvik.status == "lukket" and avvik.conclusion:
        facts.append(Fact(label=_("Konklusjon"), value=avvik.conclusion))
    return Reply(title=_("Oppdatering på ditt avvik {ref}: {title}").format(ref=avvik_ref(avvik), title=avvik.title),
                 text=text, facts=facts)


def tiltak_to_owner(avvik: Avvik, tiltak: Tiltak) -> Reply:
    return Reply(
        title=_("Du er ansvarlig for et tiltak i {ref}").format(ref=avvik_ref(avvik)),
        text=tiltak.description,
        facts=[Fact(label=_("Frist"), value=fmt_date(tiltak.deadline)), Fact(label=_("Avvik"), value=avvik.title)],
        actions=[Action(label=_("Marker som utført"), action_id="tiltak.done", value=str(tiltak.id), style="primary")],
    )

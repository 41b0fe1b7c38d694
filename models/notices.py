"""The messages the domain sends when something happens, as neutral `Reply` objects.

Written here, not in an edge, because they are enqueued in the same transaction as
the change; every platform renders them its own way and escapes the user's text.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from models.messages import Action, Fact, Reply
from models.risk import severity
from models.tables import Avvik, Tiltak, Unit
from models.vocabulary import AVVIK_CATEGORIES, AVVIK_STATUSES


def avvik_ref(avvik: Avvik) -> str:
    return f"AV-{avvik.number}"


def avvik_facts(avvik: Avvik, unit: Unit | None, tz: str = "Europe/Oslo") -> list[Fact]:
    when = avvik.occurred_at.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")
    facts = [
        Fact(label="Kategori", value=AVVIK_CATEGORIES.get(avvik.category, avvik.category)),
        Fact(label="Enhet", value=unit.name if unit else "–"),
        Fact(label="Når", value=when),
        Fact(label="Risiko", value=f"{avvik.risk} ({severity(avvik.risk)}) = S{avvik.probability} × K{avvik.consequence}"),
        Fact(label="Status", value=AVVIK_STATUSES.get(avvik.status, avvik.status)),
    ]
    if avvik.location:
        facts.insert(3, Fact(label="Hvor", value=avvik.location))
    return facts


def leader_actions(avvik: Avvik) -> list[Action]:
    value = str(avvik.id)
    actions = []
    if avvik.status == "meldt":
        actions.append(Action(label="Ta saken", action_id="avvik.take", value=value, style="primary"))
    if avvik.status != "lukket":
        actions.append(Action(label="Legg til tiltak", action_id="avvik.add_tiltak", value=value))
        actions.append(Action(label="Lukk", action_id="avvik.close", value=value, style="danger"))
    else:
        actions.append(Action(label="Gjenåpne", action_id="avvik.reopen", value=value))
    return actions


def quoted(text: str) -> str:
    """«text» followed by a full stop, unless the text already ends a sentence («…glatt.», not «…glatt.».)."""
    text = text.strip()
    return f"«{text}»" + ("" if text[-1:] in ".!?…" else ".")


def who_was_told(unit_name: str | None, leader_names: list[str]) -> str:
    """Names the leader(s) of the unit the avvik was reported for, which need not be the reporter's own."""
    unit = unit_name or "enheten"
    if not leader_names:
        return f"Lederen for {unit} er varslet"
    return f"{' og '.join(leader_names)} (leder for {unit}) er varslet"


def receipt_to_reporter(avvik: Avvik, unit: Unit | None, leader_names: list[str]) -> Reply:
    """The lasting record in the reporter's DM; the chat or web answer already said thank you."""
    return Reply(
        title=f"Avviket ditt er registrert som {avvik_ref(avvik)}",
        text=f"{quoted(avvik.title)} {who_was_told(unit.name if unit else None, leader_names)}. "
             "Du får beskjed når saken går videre.",
        facts=avvik_facts(avvik, unit),
    )


def new_avvik_to_leader(avvik: Avvik, unit: Unit | None, reporter_name: str) -> Reply:
    return Reply(
        title=f"Nytt avvik {avvik_ref(avvik)}: {avvik.title}",
        text=avvik.description,
        facts=[Fact(label="Meldt av", value=reporter_name), *avvik_facts(avvik, unit)]
        + ([Fact(label="Strakstiltak", value=avvik.immediate_action)] if avvik.immediate_action else []),
        actions=leader_actions(avvik),
    )


def status_to_reporter(avvik: Avvik, what: str, tiltak: Tiltak | None = None) -> Reply:
    text = what
    if tiltak is not None:
        text = f"{what}: «{tiltak.description}» (frist {tiltak.deadline.strftime('%d.%m.%Y')})"
    facts = [Fact(label="Status", value=AVVIK_STATUSES.get(avvik.status, avvik.status))]
    if avvik.status == "lukket" and avvik.conclusion:
        facts.append(Fact(label="Konklusjon", value=avvik.conclusion))
    return Reply(title=f"Oppdatering på ditt avvik {avvik_ref(avvik)}: {avvik.title}", text=text, facts=facts)


def tiltak_to_owner(avvik: Avvik, tiltak: Tiltak) -> Reply:
    return Reply(
        title=f"Du er ansvarlig for et tiltak i {avvik_ref(avvik)}",
        text=tiltak.description,
        facts=[Fact(label="Frist", value=tiltak.deadline.strftime("%d.%m.%Y")), Fact(label="Avvik", value=avvik.title)],
        actions=[Action(label="Marker som utført", action_id="tiltak.done", value=str(tiltak.id), style="primary")],
    )

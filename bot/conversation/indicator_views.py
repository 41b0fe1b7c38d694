"""Replies for indicators: a check-in receipt, a prompt in the guided round, and the styringskort.

Trafikklys are always shown as a symbol and a word («🟢 Grønn»), never as colour alone, and a
trend as an arrow and a word. Plain text only: each edge renders and escapes.
"""

from __future__ import annotations

from models.indicator_rules import LIGHT_SYMBOLS, Light, format_value
from models.messages import Fact, Item, Reply
from models.services.indicator_chat import CheckinResult, DueLine
from models.services.styringskort import Card, CardRow

TREND_ARROWS = {"opp": "↑", "ned": "↓", "uendret": "→"}
MAX_CARD_ROWS = 40


def light_text(light: Light) -> str:
    return f"{LIGHT_SYMBOLS[light]} {light.value.capitalize()}"


def trend_text(trend: str | None, previous: float | None, measure: str, better: bool | None) -> str:
    if trend is None:
        return "– (ingen verdi forrige periode)"
    judged = "" if better is None else (", bedre" if better else ", dårligere")
    return f"{TREND_ARROWS[trend]} {trend} (forrige: {format_value(previous, measure)}{judged})"


def receipt_reply(result: CheckinResult) -> Reply:
    r = result.receipt
    head = "Rettet" if r.corrected else "Registrert"
    value = format_value(r.value, r.measure)
    target = format_value(r.target, r.measure) if r.target is not None else "ikke satt"
    text = f"{light_text(r.light)}: {value} (mål {target})."
    if r.corrected:
        old = f" ({format_value(result.replaced, r.measure)})" if result.replaced is not None else ""
        text += f" Dette er en rettelse: den forrige verdien{old} er tatt vare på i historikken."
    facts = [Fact(label="Verdi", value=value), Fact(label="Mål", value=target)]
    if r.red_limit is not None:
        facts.append(Fact(label="Rød grense", value=format_value(r.red_limit, r.measure)))
    facts += [Fact(label="Trafikklys", value=light_text(r.light)),
              Fact(label="Trend", value=trend_text(r.trend, r.previous, r.measure, result.improving))]
    return Reply(title=f"{head}: {r.indicator} – {r.unit}, {r.period_label}", text=text, facts=facts)


def receipt_line(result: CheckinResult) -> str:
    r = result.receipt
    verb = "Rettet" if r.corrected else "Lagret"
    return (f"{verb}: {r.indicator} {format_value(r.value, r.measure)} – {light_text(r.light)}"
            f" (mål {format_value(r.target, r.measure)}).")


def due_prompt(line: DueLine, index: int, total: int, given: str | None) -> Reply:
    d = line.item
    target = "" if line.target is None else f" Mål: {format_value(line.target, d.measure)}."
    lines = [f"{index + 1}/{total} {d.indicator} for {d.unit}, {d.period_label} ({d.measure}).{target}"]
    if given:
        lines.append(f"(Du har registrert {given}. Skriv en ny verdi for å rette den, eller «hopp over».)")
    lines.append("Skriv verdien, «hopp over», «tilbake» eller «avbryt».")
    return Reply(text="\n".join(lines))


def card_row_item(row: CardRow) -> Item:
    value = format_value(row.value, row.measure)
    facts = [Fact(label="Verdi", value=value),
             Fact(label="Mål", value=format_value(row.target, row.measure)),
             Fact(label="Trafikklys", value=light_text(row.light)),
             Fact(label="Trend", value=trend_text(row.trend, row.previous, row.measure, row.improving))]
    if row.units > 1:
        facts.append(Fact(label="Rapportert", value=f"{row.reported} av {row.units} enheter"))
    return Item(title=f"{LIGHT_SYMBOLS[row.light]} {row.name}", text=f"{row.goal} · {row.period}", facts=facts)


def card_reply(card: Card, *, hint: str = "") -> Reply:
    scope = card.scope
    where = {"unit": scope.name.rsplit("/", 1)[-1], "sector": f"sektor {scope.name}", "kommune": scope.name}[scope.kind]
    title = f"Styringskort: {where} – {card.period.label}"
    if not card.rows:
        return Reply(title=title, text="Ingen indikatorer er knyttet til dette styringskortet ennå.")
    items: list[Item] = []
    counts = card.counts()
    rows = list(card.rows)[:MAX_CARD_ROWS]
    for perspective in dict.fromkeys(r.perspective for r in rows):
        c = counts[perspective]
        items.append(Item(title=perspective, text=" · ".join(
            f"{LIGHT_SYMBOLS[light]} {c[light]} {light.value}" for light in (Light.GRONN, Light.GUL, Light.ROD))))
        items += [card_row_item(r) for r in rows if r.perspective == perspective]
    more = f" Viser {len(rows)} av {len(card.rows)}; se hele kortet på nett." if len(card.rows) > len(rows) else ""
    return Reply(title=title, text=("Trafikklys per indikator, gruppert etter perspektiv." + more + hint).strip(),
                 items=items)

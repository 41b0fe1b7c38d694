"""Replies for indicators: a check-in receipt, a prompt in the guided round, and the styringskort.

Trafikklys are always shown as a symbol and a word («🟢 Grønn»), never as colour alone, and a
trend as an arrow and a word. Plain text only: each edge renders and escapes.
"""

from __future__ import annotations

from models.i18n import N_, _
from models.indicator_rules import LIGHT_SYMBOLS, Light, format_value
from models.messages import Fact, Item, Reply
from models.services.indicator_chat import CheckinResult, DueLine
from models.services.styringskort import Card, CardRow

TREND_ARROWS = {"opp": "↑", "ned": "↓", "uendret": "→"}
TREND_WORDS = {"opp": N_("opp"), "ned": N_("ned"), "uendret": N_("uendret")}
LIGHT_WORDS = {Light.GRONN: N_("Grønn"), Light.GUL: N_("Gul"), Light.ROD: N_("Rød"), Light.INGEN: N_("Ingen")}
MAX_CARD_ROWS = 40


def light_text(light: Light) -> str:
    return f"{LIGHT_SYMBOLS[light]} {_(LIGHT_WORDS[light])}"


def trend_text(trend: str | None, previous: float | None, measure: str, better: bool | None) -> str:
    if trend is None:
        return _("– (ingen verdi forrige periode)")
    word = _(TREND_WORDS[trend]) if trend in TREND_WORDS else trend
    before = format_value(previous, measure)
    if better is None:
        return _("{arrow} {trend} (forrige: {value})").format(arrow=TREND_ARROWS.get(trend, ""), trend=word, value=before)
    judged = _("{arrow} {trend} (forrige: {value}, bedre)") if better else _("{arrow} {trend} (forrige: {value}, dårligere)")
    return judged.format(arrow=TREND_ARROWS.get(trend, ""), trend=word, value=before)


def receipt_reply(result: CheckinResult) -> Reply:
    r = result.receipt
    value = format_value(r.value, r.measure)
    target = format_value(r.target, r.measure) if r.target is not None else _("ikke satt")
    text = _("{light}: {value} (mål {target}).").format(light=light_text(r.light), value=value, target=target)
    if r.corrected:
        text += " " + (_("Dette er en rettelse: den forrige verdien ({old}) er tatt vare på i historikken.").format(
            old=format_value(result.replaced, r.measure)) if result.replaced is not None else
            _("Dette er en rettelse: den forrige verdien er tatt vare på i historikken."))
    facts = [Fact(label=_("Verdi"), value=value), Fact(label=_("Mål"), value=target)]
    if r.red_limit is not None:
        facts.append(Fact(label=_("Rød grense"), value=format_value(r.red_limit, r.measure)))
    facts += [Fact(label=_("Trafikklys"), value=light_text(r.light)),
              Fact(label=_("Trend"), value=trend_text(r.trend, r.previous, r.measure, result.improving))]
    head = _("Rettet: {indicator} – {unit}, {period}") if r.corrected else _("Registrert: {indicator} – {unit}, {period}")
    return Reply(title=head.format(indicator=r.indicator, unit=r.unit, period=r.period_label), text=text, facts=facts)


def receipt_line(result: CheckinResult) -> str:
    r = result.receipt
    line = _("Rettet: {indicator} {value} – {light} (mål {target}).") if r.corrected else \
        _("Lagret: {indicator} {value} – {light} (mål {target}).")
    return line.format(indicator=r.indicator, value=format_value(r.value, r.measure), light=light_text(r.light),
                       target=format_value(r.target, r.measure))


def due_prompt(line: DueLine, index: int, total: int, given: str | None) -> Reply:
    d = line.item
    target = "" if line.target is None else " " + _("Mål: {value}.").format(value=format_value(line.target, d.measure))
    head = _("{indicator} for {unit}, {period} ({measure}).").format(indicator=d.indicator, unit=d.unit,
                                                                    period=d.period_label, measure=d.measure)
    lines = [f"{index + 1}/{total} {head}{target}"]
    if given:
        lines.append(_("(Du har registrert {value}. Skriv en ny verdi for å rette den, eller «hopp over».)")
                     .format(value=given))
    lines.append(_("Skriv verdien, «hopp over», «tilbake» eller «avbryt»."))
    return Reply(text="\n".join(lines))


def card_row_item(row: CardRow) -> Item:
    value = format_value(row.value, row.measure)
    facts = [Fact(label=_("Verdi"), value=value),
             Fact(label=_("Mål"), value=format_value(row.target, row.measure)),
             Fact(label=_("Trafikklys"), value=light_text(row.light)),
             Fact(label=_("Trend"), value=trend_text(row.trend, row.previous, row.measure, row.improving))]
    if row.units > 1:
        facts.append(Fact(label=_("Rapportert"), value=_("{n} av {total} enheter").format(n=row.reported,
                                                                                          total=row.units)))
    return Item(title=f"{LIGHT_SYMBOLS[row.light]} {row.name}", text=f"{row.goal} · {row.period}", facts=facts)


def card_reply(card: Card, *, hint: str = "") -> Reply:
    scope = card.scope
    where = {"unit": scope.name.rsplit("/", 1)[-1], "sector": _("sektor {name}").format(name=scope.name),
             "kommune": scope.name}[scope.kind]
    title = _("Styringskort: {scope} – {period}").format(scope=where, period=card.period.label)
    if not card.rows:
        return Reply(title=title, text=_("Ingen indikatorer er knyttet til dette styringskortet ennå."))
    items: list[Item] = []
    counts = card.counts()
    rows = list(card.rows)[:MAX_CARD_ROWS]
    for perspective in dict.fromkeys(r.perspective for r in rows):
        c = counts[perspective]
        items.append(Item(title=perspective, text=" · ".join(
            f"{LIGHT_SYMBOLS[light]} {c[light]} {_(LIGHT_WORDS[light]).lower()}"
            for light in (Light.GRONN, Light.GUL, Light.ROD))))
        items += [card_row_item(r) for r in rows if r.perspective == perspective]
    text = _("Trafikklys per indikator, gruppert etter perspektiv.")
    if len(card.rows) > len(rows):
        text += " " + _("Viser {n} av {total}; se hele kortet på nett.").format(n=len(rows), total=len(card.rows))
    return Reply(title=title, text=(text + hint).strip(), items=items)

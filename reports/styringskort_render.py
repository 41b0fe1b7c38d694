"""The styringskort section of a summary with labels in the reader's language, as every format
shows it (text, HTML, CSV, the neutral Reply, the Slack and Teams cards)."""

from __future__ import annotations

from typing import Any

from models.i18n import N_, _
from models.indicator_rules import LIGHT_SYMBOLS, Light, format_value
from reports.labels import light_word, oppdrag_status_label, period_label
from reports.summary import StyringskortSection

NO_PLAN = N_("Kommunen har ingen plan med styringsindikatorer ennå.")


def sk_view(section: StyringskortSection | None) -> dict[str, Any] | None:
    """None when the summary has no styringskort section (month summaries)."""
    if section is None:
        return None
    goals = []
    for g in section.goals or []:
        goals.append({
            "goal": f"{g.parent} > {g.goal}" if g.parent else g.goal, "perspective": g.perspective,
            "oppdrag": [(oppdrag_status_label(o.status), ", ".join(str(n) for n in o.numbers))
                        for o in g.oppdrag],
            "indicators": [(LIGHT_SYMBOLS[Light(i.light)], light_word(i.light), i.indicator,
                            format_value(i.value, i.measure))
                           for i in g.indicators],
        })
    return {
        "period": _card_period(section.card_period),
        "reason": _(NO_PLAN) if section.reason == "no_plan" else None,
        "perspectives": [(p.perspective, p.lights.gronn, p.lights.gul, p.lights.rod, p.lights.ingen)
                         for p in section.perspectives or []],
        "red": [(r.indicator, r.unit, format_value(r.value, r.measure), format_value(r.target, r.measure), r.period)
                for r in section.red or []],
        "goals": goals,
    }


def _card_period(key: str) -> str:
    try:
        return period_label(key)
    except Exception:  # noqa: BLE001 - a key we cannot read is shown as stored
        return key


def goal_lines(goal: dict[str, Any]) -> list[str]:
    """One goal as plain lines: its oppdrag by status, then its indicators' trafikklys."""
    lines = ([_("Oppdrag {status}: {numbers}").format(status=label, numbers=numbers) for label, numbers in goal["oppdrag"]]
             or [_("Ingen oppdrag knyttet til målet")])
    lines += [f"{sym} {word} {name}: {value}" for sym, word, name, value in goal["indicators"]]
    return lines


def styringskort_lines(sk: dict[str, Any], limit: int) -> list[str]:
    """The section as short chat lines (Slack, Teams): counts, then red values, then goals; unescaped."""
    if sk["reason"]:
        return [sk["reason"]]
    lines = [f"{p}: " + _("🟢 {g} grønn · 🟡 {y} gul · 🔴 {r} rød").format(g=g, y=y, r=r)
             for p, g, y, r, _n in sk["perspectives"]]
    red = sk["red"]
    lines += [f"🔴 {name} – {unit}: " + _("{value} (mål {target})").format(value=value, target=target)
              for name, unit, value, target, _p in red[:limit]]
    if len(red) > limit:
        lines.append(_("… og {n} røde verdier til (se HTML-rapporten)").format(n=len(red) - limit))
    for g in sk["goals"][:limit]:
        lines.append(_("Mål: {goal}").format(goal=g["goal"]) + " – " + "; ".join(goal_lines(g)))
    return lines

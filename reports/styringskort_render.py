"""The styringskort section of a summary with Norwegian labels, as every format shows it
(text, HTML, CSV, the neutral Reply, the Slack and Teams cards)."""

from __future__ import annotations

from typing import Any

from models.indicator_rules import LIGHT_SYMBOLS, Light, format_value
from models.vocabulary import OPPDRAG_STATUSES
from reports.summary import StyringskortSection

NO_PLAN = "Kommunen har ingen plan med styringsindikatorer ennå."


def sk_view(section: StyringskortSection | None) -> dict[str, Any] | None:
    """None when the summary has no styringskort section (month summaries)."""
    if section is None:
        return None
    goals = []
    for g in section.goals or []:
        goals.append({
            "goal": f"{g.parent} > {g.goal}" if g.parent else g.goal, "perspective": g.perspective,
            "oppdrag": [(OPPDRAG_STATUSES.get(o.status, o.status), ", ".join(str(n) for n in o.numbers))
                        for o in g.oppdrag],
            "indicators": [(LIGHT_SYMBOLS[Light(i.light)], i.light, i.indicator, format_value(i.value, i.measure))
                           for i in g.indicators],
        })
    return {
        "period": section.card_period,
        "reason": NO_PLAN if section.reason == "no_plan" else None,
        "perspectives": [(p.perspective, p.lights.gronn, p.lights.gul, p.lights.rod, p.lights.ingen)
                         for p in section.perspectives or []],
        "red": [(r.indicator, r.unit, format_value(r.value, r.measure), format_value(r.target, r.measure), r.period)
                for r in section.red or []],
        "goals": goals,
    }


def goal_lines(goal: dict[str, Any]) -> list[str]:
    """One goal as plain lines: its oppdrag by status, then its indicators' trafikklys."""
    lines = [f"Oppdrag {label}: {numbers}" for label, numbers in goal["oppdrag"]] or ["Ingen oppdrag knyttet til målet"]
    lines += [f"{sym} {word} {name}: {value}" for sym, word, name, value in goal["indicators"]]
    return lines


def styringskort_lines(sk: dict[str, Any], limit: int) -> list[str]:
    """The section as short chat lines (Slack, Teams): counts, then red values, then goals; unescaped."""
    if sk["reason"]:
        return [sk["reason"]]
    lines = [f"{p}: 🟢 {g} grønn · 🟡 {y} gul · 🔴 {r} rød" for p, g, y, r, _ in sk["perspectives"]]
    red = sk["red"]
    lines += [f"🔴 {name} – {unit}: {value} (mål {target})" for name, unit, value, target, _ in red[:limit]]
    if len(red) > limit:
        lines.append(f"… og {len(red) - limit} røde verdier til (se HTML-rapporten)")
    for g in sk["goals"][:limit]:
        lines.append(f"Mål: {g['goal']} – " + "; ".join(goal_lines(g)))
    return lines

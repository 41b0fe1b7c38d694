"""The neutral renderers of a `Summary`: text, printable HTML, CSV, JSON, and the neutral `Reply`.

Text, HTML and CSV go through Jinja2 templates in reports/templates/. The figures are the same
in every format; each format escapes for its own markup (HTML: autoescape; CSV: quoting),
because unit names and organisation names are typed in by people. The Slack and Teams cards
are rendered by each platform (`bot/slack/summary.py`, `bot/teams/summary.py`) from `view()`.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from models.csv_safe import csv_row
from models.i18n import N_, _, fmt_date, ngettext
from models.messages import Fact, Item, Reply
from models.periods import parse_period
from models.vocabulary import AVVIK_CATEGORIES, TRAFFIC_EMOJI
from reports.chart import chart_alt_text
from reports.jinja_env import TEMPLATES, report_env
from reports.labels import (
    avvik_status_label,
    band_label,
    category_label,
    days,
    light_label,
    num,
    oppdrag_status_label,
    pct,
    period_label,
)
from reports.risiko_render import csv_rows as risiko_csv_rows
from reports.risiko_render import risiko_items, risiko_view
from reports.styringskort_render import goal_lines, sk_view
from reports.summary import SUPPRESSION_LABELS, Cell, Summary

__all__ = ["MAX_LINES", "TEMPLATES", "chart_data_uri", "days", "num", "pct", "render_csv", "render_html",
           "render_json", "render_text", "signed", "to_reply", "view"]

MAX_LINES = 25  # rows per list in a chat message; the HTML report has them all
LIGHT_EMOJI = {"gronn": TRAFFIC_EMOJI["gronn"], "gul": TRAFFIC_EMOJI["gul"], "rod": TRAFFIC_EMOJI["rod"],
               "ingen": TRAFFIC_EMOJI[None]}
NO_CHECKLISTS = N_("Ingen sjekklister var til svar i perioden")
SUPPRESSION_EXPLAINED = N_("«færre enn 5»: 1–4 avvik i en sensitiv kategori, skjult for å verne personer i små "
                           "enheter. «skjult»: en annen celle i samme rad, skjult så summen ikke røper tallet.")


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def csvrow(values: list[Any]) -> str:
    """One CSV line by the shared OWASP rule (models/csv_safe.py), so every export escapes alike."""
    return csv_row(values)


def _env(autoescape: bool) -> Any:
    # HTML: autoescape. CSV and text are not HTML: CSV escapes explicitly with |csvrow, so HTML
    # escaping would corrupt them.
    env = report_env(autoescape=autoescape, keep_trailing_newline=True)
    env.filters.update(num=num, pct=pct, days=days, signed=signed, csvrow=csvrow)
    return env


_HTML_ENV = _env(True)
_PLAIN_ENV = _env(False)


#: How the varsling figures are labelled, in the section's order.
VARSLING_LABELS: dict[str, str] = {"received": N_("Mottatt"), "closed": N_("Avsluttet"),
                                   "open_at_end": N_("Åpne ved periodens slutt"), "overdue": N_("Frist oversittet")}


def cell(c: Cell | None) -> str:
    """A category cell as shown: the count, «færre enn 5» or «skjult»; no cell is 0."""
    return "0" if c is None else c.shown()


def varsling_rows(summary: Summary) -> list[tuple[str, str]]:
    """(label, shown value) of each varsling figure; empty when the section is left out."""
    v = summary.varsling
    if v is None:
        return []
    return [(_(label), getattr(v, name).shown()) for name, label in VARSLING_LABELS.items()]


def in_progress(summary: Summary) -> bool:
    """The period has not ended on the day the figures are for (its last day is still ahead)."""
    return summary.as_of < parse_period(summary.period_key).end_date() - timedelta(days=1)


def title(summary: Summary) -> str:
    """«Tråd-sammendrag november 2026», with «(hittil)» while the period runs."""
    head = _("Tråd-sammendrag {period}").format(period=period_label(summary.period_key))
    return head + " " + _("(hittil, per {date})").format(date=fmt_date(summary.as_of)) if in_progress(summary) else head


def previous_label(summary: Summary) -> str:
    """The previous period, saying how many of its months had data when fewer than all."""
    prev = summary.avvik.previous
    label = period_label(prev.period_key)
    n = prev.months_with_data
    if n == 0:
        label += " " + _("(ingen data)")
    elif n is not None and n < prev.months:
        label += " " + ngettext("(data for bare {n} av {m} måneder)", "(data for bare {n} av {m} måneder)",
                                n).format(n=n, m=prev.months)
    return label


def checklist_facts(summary: Summary) -> str:
    ik = summary.internkontroll
    if not ik.due:
        return _(NO_CHECKLISTS)
    return _("{answered} av {due} ({pct})").format(answered=ik.answered, due=ik.due, pct=pct(ik.completion_pct))


def checklist_scope(summary: Summary) -> str:
    """Which checklists the figures count, in words (not the 16 period keys of a year)."""
    kind, label = summary.period_kind, period_label(summary.period_key)
    if kind == "year":
        return _("månedlige, tertialvise og årlige sjekklister i {period}").format(period=label)
    if kind == "tertial":
        return _("månedlige og tertialvise sjekklister i {period}").format(period=label)
    return _("månedlige sjekklister i {period}").format(period=label)


def suppressed_shown(summary: Summary) -> bool:
    cells = [c for u in summary.avvik.by_unit for c in u.categories.values()]
    return any(c.suppressed for c in cells)


def key_facts(summary: Summary) -> list[tuple[str, str]]:
    a, op = summary.avvik, summary.oppdrag
    prev, change = a.previous, a.change
    return [
        (_("Nye avvik"), _("{n} ({change} mot {previous})").format(
            n=a.period.new, change=signed(change.new), previous=previous_label(summary))),
        (_("Lukket i perioden"), f"{a.period.closed} ({signed(change.closed)})"),
        (_("Åpne ved periodens slutt"), f"{a.period.open_at_end} ({signed(change.open_at_end)})"),
        (_("Median tid til lukking"), _("{now} (før: {before})").format(
            now=days(a.period.median_days_to_close), before=days(prev.median_days_to_close))),
        (_("Sjekklister besvart"), checklist_facts(summary)),
        (_("Oppdrag"), _("{n} ({red} røde, {yellow} gule)").format(n=op.total, red=op.by_light.rod,
                                                                   yellow=op.by_light.gul)),
    ]


def view(summary: Summary) -> dict[str, Any]:
    """The summary with labels in the reader's language, as the templates (and the platform cards) use it."""
    s, a, ik, op = summary, summary.avvik, summary.internkontroll, summary.oppdrag
    categories = [(category_label(c), n) for c, n in a.by_category.items() if n]
    used_cats = [c for c in AVVIK_CATEGORIES if any(c in u.categories for u in a.by_unit)]
    used_cats += sorted({c for u in a.by_unit for c in u.categories} - set(used_cats))
    lights = [(LIGHT_EMOJI[k], light_label(k), n) for k, n in op.by_light.model_dump().items() if n or k != "ingen"]
    return {
        "s": s, "a": a, "ik": ik, "op": op,
        "title": title(s),
        "org": s.org_name,
        "period": period_label(s.period_key),
        "previous": previous_label(s),
        "key_facts": key_facts(s),
        "categories": categories,
        "risk": [(band_label(k), n) for k, n in a.by_risk.items()],
        "statuses": [(avvik_status_label(k), n) for k, n in a.by_status.items() if n],
        "unit_cats": [(c, category_label(c)) for c in used_cats],
        "lights": lights,
        "oppdrag_rows": [{
            "category": o.category, "total": o.total,
            "lights": [o.by_light.get(k, 0) for k in ("gronn", "gul", "rod", "ingen")],
            "statuses": ", ".join(f"{oppdrag_status_label(k)}: {n}" for k, n in sorted(o.by_status.items())),
        } for o in op.by_category],
        "varsling": varsling_rows(s) if s.varsling is not None else None,
        "status_label": oppdrag_status_label,
        "cat_label": category_label,
        "cell": cell,
        "sk": sk_view(s.styringskort),
        "goal_lines": goal_lines,
        "checklists_due": bool(ik.due),
        "no_checklists": _(NO_CHECKLISTS),
        "checklist_scope": checklist_scope(s),
        "suppression_note": _(SUPPRESSION_EXPLAINED) if suppressed_shown(s) else None,
        "as_of": fmt_date(s.as_of),
        "generated": fmt_date(s.generated_at),
        "suppression_words": {k: _(v) for k, v in SUPPRESSION_LABELS.items()},
        "rv": risiko_view(s.risiko),
    }


def render_text(summary: Summary) -> str:
    return _PLAIN_ENV.get_template("summary.txt.j2").render(**view(summary))


def render_json(summary: Summary) -> str:
    """The typed summary as JSON: one section per subject (schema: docs/summaries.md)."""
    return summary.model_dump_json(indent=2)


def render_csv(summary: Summary) -> str:
    v = view(summary)
    raw = _PLAIN_ENV.get_template("summary.csv.j2").render(**v, risiko_rows=risiko_csv_rows(v["rv"]))
    return "".join(line + "\n" for line in raw.splitlines() if line.strip())


def chart_data_uri(chart_png: bytes | None) -> str | None:
    return f"data:image/png;base64,{base64.b64encode(chart_png).decode()}" if chart_png else None


def render_html(summary: Summary, chart_png: bytes | None = None) -> str:
    return _HTML_ENV.get_template("summary.html.j2").render(**view(summary), chart=chart_data_uri(chart_png),
                                                            chart_alt=chart_alt_text(summary))


def _styringskort_items(sk: dict[str, Any] | None) -> list[Item]:
    if sk is None:
        return []
    head = _("Styringskort")
    if sk["reason"]:
        return [Item(title=head, facts=[Fact(label=head, value=sk["reason"])])]
    items = [Item(title=_("Styringskort ({period}): trafikklys per perspektiv").format(period=sk["period"]), facts=[
        Fact(label=p, value=_("🟢 {g} grønn, 🟡 {y} gul, 🔴 {r} rød").format(g=g, y=y, r=r))
        for p, g, y, r, _n in sk["perspectives"]])]
    if sk["red"]:
        items.append(Item(title=_("Røde indikatorer"), facts=[
            Fact(label=f"{name} – {unit}", value=_("{value} (mål {target})").format(value=value, target=target))
            for name, unit, value, target, _p in sk["red"][:MAX_LINES]]))
    items += [Item(title=_("Mål: {goal}").format(goal=g["goal"]), text="\n".join(goal_lines(g)))
              for g in sk["goals"][:MAX_LINES]]
    return items


def _sector_items(summary: Summary) -> list[Item]:
    return [Item(title=_("Avvik per sektor: {sector}").format(sector=sec.sector), facts=[
        Fact(label=_("Nye"), value=str(sec.new)), Fact(label=_("Lukket"), value=str(sec.closed)),
        Fact(label=_("Åpne"), value=str(sec.open_at_end)),
        Fact(label=_("Median tid til lukking"), value=days(sec.median_days_to_close))]) for sec in summary.avvik.by_sector]


def to_reply(summary: Summary, chart_png: bytes | None = None) -> Reply:
    """The neutral message the outbox delivers: key figures as facts, a few items, the chart as PNG."""
    v = view(summary)
    ik = summary.internkontroll
    items = _sector_items(summary)
    if v["categories"]:
        items.append(Item(title=_("Nye avvik per kategori"),
                          facts=[Fact(label=k, value=str(n)) for k, n in v["categories"]]))
    items.append(Item(title=_("Nye avvik per risiko"), facts=[Fact(label=k, value=str(n)) for k, n in v["risk"]]))
    if ik.by_unit and ik.due:
        items.append(Item(title=_("Internkontroll: sjekklister besvart per enhet"), facts=[
            Fact(label=c.unit, value=_("{answered} av {due} ({pct})").format(
                answered=c.answered, due=c.due, pct=pct(c.completion_pct)))
            for c in ik.by_unit[:MAX_LINES]]))
    if summary.oppdrag.total:
        items.append(Item(title=_("Oppdrag etter trafikklys"), facts=[
            Fact(label=f"{e} {label}", value=str(n)) for e, label, n in v["lights"]]))
    items += _styringskort_items(v["sk"])
    items += risiko_items(v["rv"])
    if v["varsling"] is not None:
        items.append(Item(title=_("Varsling (bare antall)"),
                          facts=[Fact(label=k, value=val) for k, val in v["varsling"]]))
    return Reply(
        title=v["title"],
        text=_("Tall for {org}, {period}. Endring mot {previous} i parentes.").format(
            org=summary.org_name, period=v["period"], previous=v["previous"]),
        facts=[Fact(label=k, value=val) for k, val in v["key_facts"]],
        items=items,
        image_png_b64=base64.b64encode(chart_png).decode() if chart_png else None,
        image_alt=chart_alt_text(summary) if chart_png else None,
    )

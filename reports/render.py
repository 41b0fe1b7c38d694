"""The neutral renderers of a `Summary`: text, printable HTML, CSV, JSON, and the neutral `Reply`.

Text, HTML and CSV go through Jinja2 templates in reports/templates/. The figures are the same
in every format; each format escapes for its own markup (HTML: autoescape; CSV: quoting),
because unit names and organisation names are typed in by people. The Slack and Teams cards
are rendered by each platform (`bot/slack/summary.py`, `bot/teams/summary.py`) from `view()`.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.csv_safe import csv_row
from models.messages import Fact, Item, Reply
from models.vocabulary import (
    AVVIK_CATEGORIES,
    AVVIK_STATUSES,
    OPPDRAG_STATUSES,
    TRAFFIC_EMOJI,
    TRAFFIC_LIGHTS,
)
from reports.chart import chart_alt_text
from reports.risiko_render import csv_rows as risiko_csv_rows
from reports.risiko_render import risiko_items, risiko_view
from reports.styringskort_render import goal_lines, sk_view
from reports.summary import Cell, Summary

TEMPLATES = Path(__file__).parent / "templates"
MAX_LINES = 25  # rows per list in a chat message; the HTML report has them all
LIGHT_LABELS = {**TRAFFIC_LIGHTS, "ingen": "Uten trafikklys (avbrutt)"}
LIGHT_EMOJI = {"gronn": TRAFFIC_EMOJI["gronn"], "gul": TRAFFIC_EMOJI["gul"], "rod": TRAFFIC_EMOJI["rod"],
               "ingen": TRAFFIC_EMOJI[None]}


def num(value: Any, decimals: int = 1) -> str:
    """Norwegian number format: decimal comma; None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.{decimals}f}".replace(".", ",")
    return str(value)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{num(value)} %"


def days(value: float | None) -> str:
    return "–" if value is None else f"{num(value)} dager"


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def csvrow(values: list[Any]) -> str:
    """One CSV line by the shared OWASP rule (models/csv_safe.py), so every export escapes alike."""
    return csv_row(values)


def _env(autoescape: bool) -> Environment:
    # HTML: autoescape. CSV and text are not HTML: CSV escapes explicitly with |csvrow, so HTML
    # escaping would corrupt them.
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=autoescape,  # noqa: S701
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=num, pct=pct, days=days, signed=signed, csvrow=csvrow)
    return env


_HTML_ENV = _env(True)
_PLAIN_ENV = _env(False)


#: How the varsling figures are labelled, in the section's order.
VARSLING_LABELS: dict[str, str] = {"received": "Mottatt", "closed": "Avsluttet",
                                   "open_at_end": "Åpne ved periodens slutt", "overdue": "Frist oversittet"}


def cell(c: Cell | None) -> str:
    """A category cell as shown: the count, «færre enn 5» or «skjult»; no cell is 0."""
    return "0" if c is None else c.shown()


def varsling_rows(summary: Summary) -> list[tuple[str, str]]:
    """(label, shown value) of each varsling figure; empty when the section is left out."""
    v = summary.varsling
    if v is None:
        return []
    return [(label, getattr(v, name).shown()) for name, label in VARSLING_LABELS.items()]


def view(summary: Summary) -> dict[str, Any]:
    """The summary with Norwegian labels resolved, as the templates (and the platform cards) use it."""
    s, a, ik, op = summary, summary.avvik, summary.internkontroll, summary.oppdrag
    cat_label = lambda c: AVVIK_CATEGORIES.get(c, c)  # noqa: E731
    categories = [(cat_label(c), n) for c, n in a.by_category.items() if n]
    used_cats = [c for c in AVVIK_CATEGORIES if any(c in u.categories for u in a.by_unit)]
    used_cats += sorted({c for u in a.by_unit for c in u.categories} - set(used_cats))
    lights = [(LIGHT_EMOJI[k], LIGHT_LABELS[k], n) for k, n in op.by_light.model_dump().items() if n or k != "ingen"]
    prev, change = a.previous, a.change
    return {
        "s": s, "a": a, "ik": ik, "op": op,
        "title": f"Tråd-sammendrag {s.period_label}",
        "org": s.org_name,
        "key_facts": [
            ("Nye avvik", f"{a.period.new} ({signed(change.new)} mot {prev.period_label})"),
            ("Lukket i perioden", f"{a.period.closed} ({signed(change.closed)})"),
            ("Åpne ved periodens slutt", f"{a.period.open_at_end} ({signed(change.open_at_end)})"),
            ("Median tid til lukking",
             f"{days(a.period.median_days_to_close)} (før: {days(prev.median_days_to_close)})"),
            ("Sjekklister besvart", f"{ik.answered} av {ik.due} ({pct(ik.completion_pct)})"),
            ("Oppdrag", f"{op.total} ({op.by_light.rod} røde, {op.by_light.gul} gule)"),
        ],
        "categories": categories,
        "risk": list(a.by_risk.items()),
        "statuses": [(AVVIK_STATUSES.get(k, k), n) for k, n in a.by_status.items() if n],
        "unit_cats": [(c, cat_label(c)) for c in used_cats],
        "lights": lights,
        "oppdrag_rows": [{
            "category": o.category, "total": o.total,
            "lights": [o.by_light.get(k, 0) for k in ("gronn", "gul", "rod", "ingen")],
            "statuses": ", ".join(f"{OPPDRAG_STATUSES.get(k, k)}: {n}" for k, n in sorted(o.by_status.items())),
        } for o in op.by_category],
        "varsling": varsling_rows(s) if s.varsling is not None else None,
        "status_labels": OPPDRAG_STATUSES,
        "cat_label": cat_label,
        "cell": cell,
        "sk": sk_view(s.styringskort),
        "goal_lines": goal_lines,
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
    if sk["reason"]:
        return [Item(title="Styringskort", facts=[Fact(label="Styringskort", value=sk["reason"])])]
    items = [Item(title=f"Styringskort ({sk['period']}): trafikklys per perspektiv", facts=[
        Fact(label=p, value=f"🟢 {g} grønn, 🟡 {y} gul, 🔴 {r} rød") for p, g, y, r, _ in sk["perspectives"]])]
    if sk["red"]:
        items.append(Item(title="Røde indikatorer", facts=[
            Fact(label=f"{name} – {unit}", value=f"{value} (mål {target})") for name, unit, value, target, _ in
            sk["red"][:MAX_LINES]]))
    items += [Item(title=f"Mål: {g['goal']}", text="\n".join(goal_lines(g))) for g in sk["goals"][:MAX_LINES]]
    return items


def to_reply(summary: Summary, chart_png: bytes | None = None) -> Reply:
    """The neutral message the outbox delivers: key figures as facts, a few items, the chart as PNG."""
    v = view(summary)
    a, ik = summary.avvik, summary.internkontroll
    items = [Item(title=f"Avvik per sektor: {sec.sector}", facts=[
        Fact(label="Nye", value=str(sec.new)), Fact(label="Lukket", value=str(sec.closed)),
        Fact(label="Åpne", value=str(sec.open_at_end)),
        Fact(label="Median tid til lukking", value=days(sec.median_days_to_close))]) for sec in a.by_sector]
    if v["categories"]:
        items.append(Item(title="Nye avvik per kategori", facts=[Fact(label=k, value=str(n)) for k, n in v["categories"]]))
    items.append(Item(title="Nye avvik per risiko", facts=[Fact(label=k, value=str(n)) for k, n in v["risk"]]))
    if ik.by_unit:
        items.append(Item(title="Internkontroll: sjekklister besvart per enhet", facts=[
            Fact(label=c.unit, value=f"{c.answered} av {c.due} ({pct(c.completion_pct)})")
            for c in ik.by_unit[:MAX_LINES]]))
    if summary.oppdrag.total:
        items.append(Item(title="Oppdrag etter trafikklys", facts=[
            Fact(label=f"{e} {label}", value=str(n)) for e, label, n in v["lights"]]))
    items += _styringskort_items(v["sk"])
    items += risiko_items(v["rv"])
    if v["varsling"] is not None:
        items.append(Item(title="Varsling (bare antall)", facts=[Fact(label=k, value=val) for k, val in v["varsling"]]))
    return Reply(
        title=v["title"],
        text=f"Tall for {summary.org_name}, {summary.period_label}. Endring mot {a.previous.period_label} i parentes.",
        facts=[Fact(label=k, value=val) for k, val in v["key_facts"]],
        items=items,
        image_png_b64=base64.b64encode(chart_png).decode() if chart_png else None,
        image_alt=chart_alt_text(summary) if chart_png else None,
    )

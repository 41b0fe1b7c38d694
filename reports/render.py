"""Renderers of a `Summary`: Slack blocks, a Teams Adaptive Card 1.5, printable HTML, CSV, text, JSON.

All go through Jinja2 templates in reports/templates/. The figures are the same in every
format; each format escapes for its own markup (Slack mrkdwn: & < >; Adaptive Card
markdown: the special characters; HTML: autoescape; CSV: quoting), because unit names and
organisation names are typed in by people.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.messages import Fact, Item, Reply
from models.vocabulary import (
    AVVIK_CATEGORIES,
    AVVIK_STATUSES,
    OPPDRAG_STATUSES,
    TRAFFIC_EMOJI,
    TRAFFIC_LIGHTS,
)
from reports.summary import Count, Summary

TEMPLATES = Path(__file__).parent / "templates"
SLACK_MAX_BLOCKS = 50
SLACK_MAX_LINES = 25
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


def mrkdwn(value: Any) -> str:
    """Slack mrkdwn escaping: exactly &, < and >."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CARD_SPECIAL = re.compile(r"([\\`*_~\[\]()#>|!+\-{}])")


def card_md(value: Any) -> str:
    """Adaptive Card markdown: backslash-escape every character markdown gives a meaning."""
    return _CARD_SPECIAL.sub(r"\\\1", str(value))


def csvrow(values: list[Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_csv_safe(v) for v in values])
    return buf.getvalue()


def _csv_safe(v: Any) -> Any:
    """Keep spreadsheet programs from running a cell that starts like a formula."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _env(autoescape: bool) -> Environment:
    # HTML: autoescape. JSON (Slack, Teams), CSV and text are not HTML: their templates escape
    # explicitly with |mrkdwn, |card_md, |tojson and |csvrow, so HTML escaping would corrupt them.
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=autoescape,  # noqa: S701
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=num, pct=pct, days=days, signed=signed, mrkdwn=mrkdwn, card_md=card_md, csvrow=csvrow)
    return env


_HTML_ENV = _env(True)
_PLAIN_ENV = _env(False)


def view(summary: Summary) -> dict[str, Any]:
    """The summary with Norwegian labels resolved, as the templates use it."""
    s = summary
    cat_label = lambda c: AVVIK_CATEGORIES.get(c, c)  # noqa: E731
    categories = [(cat_label(c), n) for c, n in s.by_category.items() if n]
    used_cats = [c for c in AVVIK_CATEGORIES if any(c in u.categories for u in s.by_unit)]
    used_cats += sorted({c for u in s.by_unit for c in u.categories} - set(used_cats))
    lights = [(LIGHT_EMOJI[k], LIGHT_LABELS[k], n) for k, n in s.oppdrag_lights.items() if n or k != "ingen"]
    t = s.trend
    return {
        "s": s,
        "title": f"Tråd-sammendrag {s.period_label}",
        "org": s.org_name,
        "key_facts": [
            ("Nye avvik", f"{s.totals.new} ({signed(t.new_change)} mot {t.previous_label})"),
            ("Lukket i perioden", f"{s.totals.closed} ({signed(t.closed_change)})"),
            ("Åpne ved periodens slutt", f"{s.totals.open_at_end} ({signed(t.open_change)})"),
            ("Median tid til lukking", f"{days(s.totals.median_days_to_close)} (før: {days(t.previous.median_days_to_close)})"),
            ("Sjekklister besvart", f"{s.checklist_answered} av {s.checklist_due} ({pct(s.checklist_completion_pct)})"),
            ("Oppdrag", f"{s.oppdrag_total} ({s.oppdrag_lights.get('rod', 0)} røde, {s.oppdrag_lights.get('gul', 0)} gule)"),
        ],
        "categories": categories,
        "risk": list(s.by_risk.items()),
        "statuses": [(AVVIK_STATUSES.get(k, k), n) for k, n in s.by_status.items() if n],
        "unit_cats": [(c, cat_label(c)) for c in used_cats],
        "lights": lights,
        "oppdrag_rows": [{
            "category": o.category, "total": o.total,
            "lights": [o.by_light.get(k, 0) for k in ("gronn", "gul", "rod", "ingen")],
            "statuses": ", ".join(f"{OPPDRAG_STATUSES.get(k, k)}: {n}" for k, n in sorted(o.by_status.items())),
        } for o in s.oppdrag],
        "status_labels": OPPDRAG_STATUSES,
        "cat_label": cat_label,
        "max_lines": SLACK_MAX_LINES,
    }


def cell(v: Count) -> str:
    return num(v)


def render_text(summary: Summary) -> str:
    return _PLAIN_ENV.get_template("summary.txt.j2").render(**view(summary), cell=cell)


def render_json(summary: Summary) -> str:
    return summary.model_dump_json(indent=2)


def render_csv(summary: Summary) -> str:
    raw = _PLAIN_ENV.get_template("summary.csv.j2").render(**view(summary))
    return "".join(line + "\n" for line in raw.splitlines() if line.strip())


def render_html(summary: Summary, chart_png: bytes | None = None) -> str:
    img = f"data:image/png;base64,{base64.b64encode(chart_png).decode()}" if chart_png else None
    from reports.chart import chart_alt_text

    return _HTML_ENV.get_template("summary.html.j2").render(**view(summary), cell=cell, chart=img,
                                                            chart_alt=chart_alt_text(summary))


def render_slack_blocks(summary: Summary) -> list[dict]:
    """Block Kit blocks for the leadership channel (≤ 50 blocks; the chart goes as a file upload)."""
    raw = _PLAIN_ENV.get_template("slack_blocks.json.j2").render(**view(summary), cell=cell)
    blocks = json.loads(raw)
    if len(blocks) > SLACK_MAX_BLOCKS:
        blocks = blocks[: SLACK_MAX_BLOCKS - 1] + [blocks[-1]]
    return blocks


def render_teams_card(summary: Summary, chart_png: bytes | None = None, *, max_bytes: int = 34_000) -> dict:
    """An Adaptive Card 1.5; the chart is embedded as a data URI only while the card stays under Teams' 40 KB."""
    img = f"data:image/png;base64,{base64.b64encode(chart_png).decode()}" if chart_png else None
    from reports.chart import chart_alt_text

    tpl = _PLAIN_ENV.get_template("teams_card.json.j2")
    card = json.loads(tpl.render(**view(summary), cell=cell, chart=img, chart_alt=chart_alt_text(summary)))
    if img and len(json.dumps(card)) > max_bytes:
        card = json.loads(tpl.render(**view(summary), cell=cell, chart=None, chart_alt=""))
    return card


def to_reply(summary: Summary, chart_png: bytes | None = None) -> Reply:
    """The neutral message the outbox delivers: key figures as facts, a few items, the chart as PNG."""
    v = view(summary)
    items = [Item(title=f"Avvik per sektor: {sec.sector}", facts=[
        Fact(label="Nye", value=str(sec.new)), Fact(label="Lukket", value=str(sec.closed)),
        Fact(label="Åpne", value=str(sec.open_at_end)),
        Fact(label="Median tid til lukking", value=days(sec.median_days_to_close))]) for sec in summary.by_sector]
    if v["categories"]:
        items.append(Item(title="Nye avvik per kategori", facts=[Fact(label=k, value=str(n)) for k, n in v["categories"]]))
    items.append(Item(title="Nye avvik per risiko", facts=[Fact(label=k, value=str(n)) for k, n in v["risk"]]))
    if summary.checklists:
        items.append(Item(title="Internkontroll: sjekklister besvart per enhet", facts=[
            Fact(label=c.unit, value=f"{c.answered} av {c.due} ({pct(c.completion_pct)})")
            for c in summary.checklists[:SLACK_MAX_LINES]]))
    if summary.oppdrag_total:
        items.append(Item(title="Oppdrag etter trafikklys", facts=[
            Fact(label=f"{e} {label}", value=str(n)) for e, label, n in v["lights"]]))
    if summary.varsling is not None:
        items.append(Item(title="Varsling (bare antall)", facts=[
            Fact(label=k, value=val) for k, val in summary.varsling.items()]))
    from reports.chart import chart_alt_text

    return Reply(
        title=v["title"],
        text=f"Tall for {summary.org_name}, {summary.period_label}. Endring mot {summary.trend.previous_label} i parentes.",
        facts=[Fact(label=k, value=val) for k, val in v["key_facts"]],
        items=items,
        image_png_b64=base64.b64encode(chart_png).decode() if chart_png else None,
        image_alt=chart_alt_text(summary) if chart_png else None,
    )

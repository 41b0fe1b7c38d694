"""The periodic summary as an Adaptive Card 1.5, for the leadership conversation.

The outbox carries the typed summary's JSON (`Reply.rich["summary"]`), not a Teams format:
this module renders it at delivery, with a small palette chart drawn from the same figures
and embedded as a data URI only while the card stays under Teams' 40 KB. Every name people
typed is escaped for the card's markdown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from models.i18n import _, fmt_date
from models.messages import Reply
from reports.chart import chart_alt_text, render_chart_png
from reports.render import MAX_LINES, chart_data_uri, days, pct, view
from reports.risiko_render import risiko_lines
from reports.styringskort_render import styringskort_lines
from reports.summary import Summary

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_CARD_BYTES = 34_000

_CARD_SPECIAL = re.compile(r"([\\`*_~\[\]()#>|!+\-{}])")

Element = dict[str, Any]


def card_md(value: object) -> str:
    """Adaptive Card markdown: backslash-escape every character markdown gives a meaning."""
    return _CARD_SPECIAL.sub(r"\\\1", str(value))


def _text(text: str, **extra: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _heading(text: str, **extra: Any) -> Element:
    return _text(text, weight="Bolder", **extra)


def _facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def _body(summary: Summary, chart: str | None, chart_alt: str) -> list[Element]:
    v = view(summary)
    a, ik = summary.avvik, summary.internkontroll
    body = [
        _text(card_md(v["title"]), size="Large", weight="Bolder", style="heading"),
        _text(_("{org} · endring mot {period} i parentes").format(org=card_md(v["org"]), period=a.previous.period_label),
              isSubtle=True, spacing="None"),
        _facts([(card_md(label), card_md(value)) for label, value in v["key_facts"]]),
    ]
    if chart:
        body.append({"type": "Image", "url": chart, "altText": chart_alt, "size": "Stretch"})
    body += [
        _heading(_("Avvik per sektor"), separator=True),
        _facts([(card_md(x.sector), card_md(_("{new} nye, {closed} lukket, {open} åpne, median {median}").format(
            new=x.new, closed=x.closed, open=x.open_at_end, median=days(x.median_days_to_close)))) for x in a.by_sector]),
        _heading(_("Nye avvik per kategori og risiko")),
        _facts([(card_md(label), str(n)) for label, n in v["categories"] + v["risk"]]),
        _heading(card_md(_("Sjekklister besvart per enhet ({keys})").format(keys=", ".join(ik.checklist_keys)))),
        _facts([(card_md(c.unit), card_md(_("{answered} av {due} ({pct})").format(
            answered=c.answered, due=c.due, pct=pct(c.completion_pct)))) for c in ik.by_unit[:MAX_LINES]]),
        _heading(_("Oppdrag etter trafikklys")),
        _facts([(f"{e} {label}", str(n)) for e, label, n in v["lights"]]),
    ]
    if v["sk"] is not None:
        body += [_heading(_("Styringskort ({period})").format(period=v["sk"]["period"])),
                 *(_text(card_md(line), spacing="None") for line in styringskort_lines(v["sk"], MAX_LINES))]
    if v["rv"] is not None:
        body += [_heading(card_md(v["rv"]["title"])),
                 *(_text(card_md(line), spacing="None") for line in risiko_lines(v["rv"], MAX_LINES))]
    if v["varsling"] is not None:
        body += [_heading(_("Varsling (bare antall)")), _facts([(card_md(k), card_md(val)) for k, val in v["varsling"]])]
    body.append(_text(card_md(_("Tall fra Tråd per {date}. Små tall i sensitive kategorier og all varsling under 5 "
                                "vises som «færre enn 5».").format(date=fmt_date(summary.as_of))),
                      isSubtle=True, size="Small"))
    return body


def summary_card(summary: Summary, chart_png: bytes | None = None, *, max_bytes: int = MAX_CARD_BYTES) -> Element:
    """An Adaptive Card 1.5; the chart is embedded only while the card stays under `max_bytes`."""
    def card(chart: str | None, alt: str) -> Element:
        return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "msteams": {"width": "Full"},
                "body": _body(summary, chart, alt)}

    img = chart_data_uri(chart_png)
    out = card(img, chart_alt_text(summary))
    if img and len(json.dumps(out)) > max_bytes:
        out = card(None, "")
    return out


def reply_summary_card(reply: Reply) -> Element | None:
    """The summary card of an outbox Reply that carries a summary (`rich["summary"]`), else None.

    The chart is drawn here, smaller than the PNG the Reply carries (72 dpi, 32 colours),
    so it fits in the card.
    """
    data = reply.rich.get("summary")
    if not data:
        return None
    summary = Summary.model_validate(data)
    return summary_card(summary, render_chart_png(summary, width_in=8.0, height_in=4.2, dpi=72, colors=32))

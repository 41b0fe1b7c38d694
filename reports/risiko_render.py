"""The summaries' `risiko` section with labels resolved, as every format shows it: text, HTML, CSV,
the neutral Reply and the Slack and Teams cards.

Every cell of the 5×5 matrix is a number with its band in words (never colour alone). Like the
rest of a summary it carries no text people wrote: the top risks appear by reference (RO-n), unit
and score, not by title or owner (the politicians' reports, `reports/politics`, name them). Unit
names are escaped by each format (HTML autoescape, CSV quoting, `esc` in Slack, markdown in Teams).
"""

from __future__ import annotations

from typing import Any

from models.i18n import _, fmt_date
from models.messages import Fact, Item
from models.risk import severity
from models.vocabulary import SEVERITY_LABELS
from reports.risiko_shape import MatrixPart, RiskPicture

#: CSS class of each band in the HTML summary (the word is always printed too).
BAND_CLASS = dict(zip(SEVERITY_LABELS, ("lav", "middels", "hoy", "kritisk"), strict=True))


def _bands(part: MatrixPart) -> str:
    return " · ".join(f"{_(label)} {part.by_severity.get(label, 0)}" for label in SEVERITY_LABELS)


def _grid(part: MatrixPart) -> list[tuple[int, list[tuple[int, str, str]]]]:
    """Rows from sannsynlighet 5 down to 1; each cell (count, band word, band CSS class)."""
    return [(p, [(part.cells[p - 1][c - 1], _(severity(p * c)), BAND_CLASS[severity(p * c)]) for c in range(1, 6)])
            for p in range(5, 0, -1)]


def risiko_view(section: RiskPicture | None) -> dict[str, Any] | None:
    """None when the summary has no risk section (month summaries)."""
    if section is None:
        return None
    top = [{"ref": r.ref, "unit": r.unit, "before": r.score_before, "after": r.score_after,
            "severity": _(r.severity), "treatment": _(r.treatment), "review": fmt_date(r.review_date),
            "open": sum(1 for t in r.tiltak if not t.done)} for r in section.top]
    for r in top:
        r["line"] = _("{ref} ({unit}): {before} {severity} → {after} etter tiltak · {treatment} · gjennomgås {review} "
                      "· {open} åpne tiltak").format(**r)
    return {
        "title": _("Risikobildet per {date}").format(date=fmt_date(section.as_of)),
        "note": _("ROS-registeret slik det står denne dagen: det har ingen historikk, så tallene gjelder ikke "
                  "periodens slutt."),
        "total": section.before.total,
        "bands_before": _("Før tiltak: {bands}").format(bands=_bands(section.before)),
        "bands_after": _("Etter tiltak: {bands}").format(bands=_bands(section.after)),
        "caption": _("Aktive risikoer per sannsynlighet (rader) og konsekvens (kolonner), før tiltak"),
        "axis": _("Sannsynlighet"),
        "consequence": _("Konsekvens"),
        "grid": _grid(section.before),
        "after_grid": _grid(section.after),
        "top_title": _("Høyeste risikoer"),
        "top": top,
        "headers": [_("Risiko"), _("Enhet"), _("Før"), _("Etter"), _("Nivå"), _("Behandling"), _("Gjennomgås"),
                    _("Åpne tiltak")],
        "empty": _("Ingen aktive risikoer i registeret."),
    }


def risiko_lines(v: dict[str, Any], limit: int) -> list[str]:
    """The section as short chat lines (Slack, Teams): the bands, the matrix rows, the top risks; unescaped."""
    if not v["total"]:
        return [v["empty"]]
    lines = [v["bands_before"], v["bands_after"], v["caption"] + ":"]
    lines += [f"{v['axis'][0]}{p}: " + " · ".join(f"{n} {word.lower()}" if n else "0" for n, word, _css in row)
              for p, row in v["grid"]]
    lines += [_("{ref} ({unit}): {before} {severity} → {after} etter tiltak").format(**r)
              for r in v["top"][:limit]]
    return lines


def risiko_items(v: dict[str, Any] | None) -> list[Item]:
    """The section as items of the neutral Reply."""
    if v is None:
        return []
    if not v["total"]:
        return [Item(title=v["title"], text=v["empty"])]
    grid = [Fact(label=f"{v['axis']} {p}", value=" · ".join(f"{n} {word.lower()}" for n, word, _css in row))
            for p, row in v["grid"]]
    items = [Item(title=v["title"], text="\n".join([v["bands_before"], v["bands_after"], v["note"]]), facts=grid)]
    if v["top"]:
        items.append(Item(title=v["top_title"], facts=[
            Fact(label=f"{r['ref']} ({r['unit']})",
                 value=_("{before} {severity} → {after} etter tiltak").format(**r)) for r in v["top"]]))
    return items


def csv_rows(v: dict[str, Any] | None) -> list[list[Any]]:
    """CSV rows: the matrix before and after tiltak cell by cell, then the top risks."""
    if v is None:
        return []
    rows: list[list[Any]] = []
    for when, grid in (("før", v["grid"]), ("etter", v["after_grid"])):
        rows += [["risiko_matrise", when, f"S{p}K{c}", n] for p, row in grid for c, (n, _w, _css) in enumerate(row, 1)]
    rows += [["risiko_topp", r["unit"], r["ref"], f"{r['before']}→{r['after']}"] for r in v["top"]]
    return rows

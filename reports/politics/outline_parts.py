"""Blocks both reports share: avvik, the risk picture, tilsyn and checklists.

Labels are bokmål; numbers use the summaries' formatting (`reports.render`), so a figure
reads the same in the summary, the tertialrapport and the årsrapport.
"""

from __future__ import annotations

from datetime import date

from models.vocabulary import AVVIK_CATEGORIES, CONSEQUENCE_LABELS, OPPDRAG_STATUSES, PROBABILITY_LABELS
from reports.chart import chart_alt_text, render_chart_png
from reports.politics.blocks import Block, Figure, Para, Table
from reports.politics.model import TilsynOverview
from reports.render import LIGHT_LABELS, cell, days, pct, signed
from reports.risiko import MatrixPart, RiskPicture
from reports.risk_chart import matrix_alt_text, render_risk_matrix_png
from reports.summary import AvvikSection, InternkontrollSection, OppdragSection, Summary

SUPPRESSION_NOTE = (
    "For å verne personer i små enheter vises tall fra 1 til 4 i sensitive kategorier (vold og trusler, "
    "pasient- og brukersikkerhet, brudd på lov eller forskrift, informasjonssikkerhet) som «færre enn 5», og én "
    "annen celle i samme rad som «skjult». Alle varslingstall under 5 vises som «færre enn 5». Rapporten "
    "inneholder ingen fritekst fra avviksmeldingene.")


def d(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def avvik_trend_rows(a: AvvikSection) -> list[list[str]]:
    p, prev = a.period, a.previous
    return [
        ["Denne perioden", str(p.new), str(p.closed), str(p.open_at_end), days(p.median_days_to_close)],
        [f"Forrige periode ({prev.period_label})", str(prev.new), str(prev.closed), str(prev.open_at_end),
         days(prev.median_days_to_close)],
    ]


TREND_HEADER = ["Periode", "Nye", "Lukket", "Åpne ved slutt", "Median tid til lukking"]
TREND_NUMERIC = [False, True, True, True, True]


def avvik_blocks(a: AvvikSection, summary: Summary, charts: bool) -> list[Block]:
    """Per sector and per unit × category (suppressed cells as the summary shows them), and the chart."""
    out: list[Block] = []
    if charts:
        out.append(Figure(render_chart_png(summary), chart_alt_text(summary),
                          "Nye avvik per måned per sektor, de tolv månedene til og med perioden."))
    sectors = [[s.sector, str(s.new), str(s.closed), str(s.open_at_end), days(s.median_days_to_close)]
               for s in a.by_sector]
    sectors.append(["Hele kommunen", str(a.period.new), str(a.period.closed), str(a.period.open_at_end),
                    days(a.period.median_days_to_close)])
    out.append(Table("Avvik per sektor", ["Sektor", *TREND_HEADER[1:]], sectors, TREND_NUMERIC))
    used = [c for c in AVVIK_CATEGORIES if any(c in u.categories for u in a.by_unit)]
    if a.by_unit:
        out.append(Table(
            "Nye avvik per enhet og kategori",
            ["Enhet", "Sektor", "Nye", "Lukket", "Åpne", *(AVVIK_CATEGORIES[c] for c in used)],
            [[u.unit, u.sector, str(u.new), str(u.closed), str(u.open_at_end),
              *(cell(u.categories.get(c)) for c in used)] for u in a.by_unit],
            [False, False, *([True] * (3 + len(used)))]))
    return out


def oppdrag_blocks(op: OppdragSection, as_of: date) -> list[Block]:
    rows = [[o.category, str(o.total), *(str(o.by_light.get(k, 0)) for k in ("gronn", "gul", "rod", "ingen")),
             ", ".join(f"{OPPDRAG_STATUSES.get(k, k)}: {n}" for k, n in sorted(o.by_status.items()))]
            for o in op.by_category]
    lights = op.by_light
    rows.append(["Alle oppdrag", str(op.total), str(lights.gronn), str(lights.gul), str(lights.rod),
                 str(lights.ingen), ""])
    return [Table(f"Oppdrag per kategori og trafikklys (per {d(as_of)})",
                  ["Kategori", "Totalt", LIGHT_LABELS["gronn"], LIGHT_LABELS["gul"], LIGHT_LABELS["rod"],
                   "Avbrutt", "Status"], rows, [False, True, True, True, True, True, False])]


def matrix_table(m: MatrixPart) -> Table:
    """The matrix as a table too, so it can be read without the picture: count and band in every cell."""
    from models.risk import severity

    when = "etter tiltak" if m.after else "før tiltak"
    header = ["Sannsynlighet \\ konsekvens", *(f"{c} {CONSEQUENCE_LABELS[c]}" for c in range(1, 6))]
    rows = [[f"{p} {PROBABILITY_LABELS[p]}", *(f"{m.cells[p - 1][c - 1]} ({severity(p * c).lower()})"
                                               for c in range(1, 6))] for p in range(5, 0, -1)]
    return Table(f"Risikomatrise {when}: antall aktive risikoer per celle", header, rows,
                 [False, True, True, True, True, True])


def risk_blocks(r: RiskPicture, charts: bool) -> list[Block]:
    bands = ", ".join(f"{k.lower()} {n}" for k, n in r.before.by_severity.items())
    out: list[Block] = [Para(f"Aktive risikoer i ROS-registeret per {d(r.as_of)}: {r.before.total} "
                             f"(før tiltak: {bands}).")]
    for m in (r.before, r.after):
        out.append(matrix_table(m))
        if charts:
            out.append(Figure(render_risk_matrix_png(m.matrix(), title="Risikomatrise"), matrix_alt_text(m.matrix()),
                              f"Risikomatrise {'etter' if m.after else 'før'} tiltak. Hver celle viser antall og nivå."))
    if r.top:
        rows = [[f"{t.ref} {t.title}", t.unit, str(t.score_before), str(t.score_after), t.severity, t.treatment,
                 t.owner, "; ".join(f"{x.description} ({x.owner}, frist {d(x.deadline)}, "
                                    f"{'utført' if x.done else 'ikke utført'})" for x in t.tiltak) or "Ingen tiltak"]
                for t in r.top]
        out.append(Table("De høyeste risikoene med tiltak",
                         ["Risiko", "Enhet", "Risiko før", "Risiko etter", "Nivå", "Behandling", "Ansvarlig",
                          "Tiltak"], rows, [False, False, True, True]))
    else:
        out.append(Para("Ingen aktive risikoer er registrert."))
    return out


def tilsyn_blocks(t: TilsynOverview, period_label: str) -> list[Block]:
    if not t.tilsyn:
        return [Para(f"Ingen statlige tilsyn er registrert i {period_label}.")]
    out: list[Block] = [Table(
        f"Statlige tilsyn i {period_label}", ["Tilsyn", "Dato", "Tema", "Enhet", "Funn"],
        [[x.authority, d(x.held_on), x.theme, x.unit, str(len(x.findings))] for x in t.tilsyn],
        [False, False, False, False, True])]
    findings = [[f"{x.authority} {d(x.held_on)}", f.kind_label, f.description, d(f.deadline), f.tiltak or "–",
                 f.status_label + (" (frist passert)" if f.overdue else "")] for x in t.tilsyn for f in x.findings]
    if findings:
        out.append(Table(f"Funn fra tilsynene (status per {d(t.status_as_of)})",
                         ["Tilsyn", "Type", "Funn", "Frist", "Tiltak", "Status"], findings))
    out.append(Para(f"Funn: {t.findings_by_kind['avvik']} avvik, {t.findings_by_kind['merknad']} merknader og "
                    f"{t.findings_by_kind['palegg']} pålegg. Åpne: {t.findings_by_status['apen']}, under arbeid: "
                    f"{t.findings_by_status['under_arbeid']}, lukket: {t.findings_by_status['lukket']}. "
                    f"Med passert frist: {t.overdue}."))
    return out


def checklist_blocks(ik: InternkontrollSection) -> list[Block]:
    rows = [[c.unit, c.sector, str(c.answered), str(c.due), pct(c.completion_pct), str(c.nei)] for c in ik.by_unit]
    rows.append(["Hele kommunen", "", str(ik.answered), str(ik.due), pct(ik.completion_pct), ""])
    return [Table(f"Sjekklister besvart per enhet ({', '.join(ik.checklist_keys)})",
                  ["Enhet", "Sektor", "Besvart", "Forventet", "Andel", "Svart «nei»"], rows,
                  [False, False, True, True, True, True])]


def change_text(now: int, change: int, label: str) -> str:
    return f"{now} ({signed(change)} mot {label})"


"""Blocks both reports share: avvik, the risk picture, tilsyn and checklists.

Labels follow the reader's language (`models.i18n`); numbers use the summaries' formatting
(`reports.labels`), so a figure reads the same in the summary, the tertialrapport and the årsrapport.
"""

from __future__ import annotations

from datetime import date, datetime

from models.i18n import N_, _, fmt_date
from models.vocabulary import AVVIK_CATEGORIES, CONSEQUENCE_LABELS, PROBABILITY_LABELS
from reports.chart import chart_alt_text, render_chart_png
from reports.labels import (
    band_label,
    category_label,
    days,
    light_label,
    oppdrag_status_label,
    pct,
    period_label,
)
from reports.politics.blocks import Block, Figure, Para, Table
from reports.politics.model import TilsynOverview
from reports.render import cell, signed
from reports.risiko import MatrixPart, RiskPicture, RiskTiltakPart
from reports.risk_chart import matrix_alt_text, render_risk_matrix_png
from reports.summary import AvvikSection, InternkontrollSection, OppdragSection, Summary

SUPPRESSION_NOTE = N_(
    "For å verne personer i små enheter vises tall fra 1 til 4 i sensitive kategorier (vold og trusler, "
    "pasient- og brukersikkerhet, brudd på lov eller forskrift, informasjonssikkerhet) som «færre enn 5», og én "
    "annen celle i samme rad som «skjult». Alle varslingstall under 5 vises som «færre enn 5». Rapporten "
    "inneholder ingen fritekst fra avviksmeldingene.")


def d(value: date | datetime) -> str:
    """A date as everywhere in Tråd (`fmt_date`); a datetime is read in Europe/Oslo, not UTC."""
    return fmt_date(value)


def avvik_trend_rows(a: AvvikSection) -> list[list[str]]:
    p, prev = a.period, a.previous
    return [
        [_("Denne perioden"), str(p.new), str(p.closed), str(p.open_at_end), days(p.median_days_to_close)],
        [_("Forrige periode ({previous})").format(previous=period_label(prev.period_key)), str(prev.new),
         str(prev.closed), str(prev.open_at_end), days(prev.median_days_to_close)],
    ]


def trend_header() -> list[str]:
    return [_("Periode"), _("Nye"), _("Lukket"), _("Åpne ved slutt"), _("Median tid til lukking")]


TREND_NUMERIC = [False, True, True, True, True]


def avvik_blocks(a: AvvikSection, summary: Summary, charts: bool) -> list[Block]:
    """Per sector and per unit × category (suppressed cells as the summary shows them), and the chart."""
    out: list[Block] = []
    if charts:
        out.append(Figure(render_chart_png(summary), chart_alt_text(summary),
                          _("Nye avvik per måned per sektor, de tolv månedene til og med perioden.")))
    sectors = [[s.sector, str(s.new), str(s.closed), str(s.open_at_end), days(s.median_days_to_close)]
               for s in a.by_sector]
    sectors.append([_("Hele kommunen"), str(a.period.new), str(a.period.closed), str(a.period.open_at_end),
                    days(a.period.median_days_to_close)])
    out.append(Table(_("Avvik per sektor"), [_("Sektor"), *trend_header()[1:]], sectors, TREND_NUMERIC))
    used = [c for c in AVVIK_CATEGORIES if any(c in u.categories for u in a.by_unit)]
    if a.by_unit:
        out.append(Table(
            _("Nye avvik per enhet og kategori"),
            [_("Enhet"), _("Sektor"), _("Nye"), _("Lukket"), _("Åpne"), *(category_label(c) for c in used)],
            [[u.unit, u.sector, str(u.new), str(u.closed), str(u.open_at_end),
              *(cell(u.categories.get(c)) for c in used)] for u in a.by_unit],
            [False, False, *([True] * (3 + len(used)))]))
    return out


def oppdrag_blocks(op: OppdragSection, as_of: date) -> list[Block]:
    rows = [[o.category, str(o.total), *(str(o.by_light.get(k, 0)) for k in ("gronn", "gul", "rod", "ingen")),
             ", ".join(f"{oppdrag_status_label(k)}: {n}" for k, n in sorted(o.by_status.items()))]
            for o in op.by_category]
    lights = op.by_light
    rows.append([_("Alle oppdrag"), str(op.total), str(lights.gronn), str(lights.gul), str(lights.rod),
                 str(lights.ingen), ""])
    return [Table(_("Oppdrag per kategori og trafikklys (per {date})").format(date=d(as_of)),
                  [_("Kategori"), _("Totalt"), light_label("gronn"), light_label("gul"), light_label("rod"),
                   _("Avbrutt"), _("Status")], rows, [False, True, True, True, True, True, False])]


def _when(m: MatrixPart) -> str:
    return _("etter tiltak") if m.after else _("før tiltak")


def matrix_table(m: MatrixPart) -> Table:
    """The matrix as a table too, so it can be read without the picture: count and band in every cell."""
    from models.risk import severity

    header = [_("Sannsynlighet \\ konsekvens"), *(f"{c} {_(CONSEQUENCE_LABELS[c])}" for c in range(1, 6))]
    rows = [[f"{p} {_(PROBABILITY_LABELS[p])}", *(f"{m.cells[p - 1][c - 1]} ({band_label(severity(p * c)).lower()})"
                                                  for c in range(1, 6))] for p in range(5, 0, -1)]
    return Table(_("Risikomatrise {when}: antall aktive risikoer per celle").format(when=_when(m)), header, rows,
                 [False, True, True, True, True, True])


def _top_risk_rows(r: RiskPicture) -> list[list[str]]:
    def tiltak(x: RiskTiltakPart) -> str:
        return _("{description} ({owner}, frist {deadline}, {done})").format(
            description=x.description, owner=x.owner, deadline=d(x.deadline),
            done=_("utført") if x.done else _("ikke utført"))

    return [[f"{t.ref} {t.title}", t.unit, str(t.score_before), str(t.score_after), band_label(t.severity),
             _(t.treatment), t.owner, "; ".join(tiltak(x) for x in t.tiltak) or _("Ingen tiltak")] for t in r.top]


def risk_blocks(r: RiskPicture, charts: bool) -> list[Block]:
    bands = ", ".join(f"{band_label(k).lower()} {n}" for k, n in r.before.by_severity.items())
    out: list[Block] = [Para(_("Aktive risikoer i ROS-registeret per {date}: {n} (før tiltak: {bands}).").format(
        date=d(r.as_of), n=r.before.total, bands=bands))]
    for m in (r.before, r.after):
        out.append(matrix_table(m))
        if charts:
            out.append(Figure(render_risk_matrix_png(m.matrix(), title=_("Risikomatrise")), matrix_alt_text(m.matrix()),
                              _("Risikomatrise {when}. Hver celle viser antall og nivå.").format(when=_when(m))))
    if r.top:
        out.append(Table(_("De høyeste risikoene med tiltak"),
                         [_("Risiko"), _("Enhet"), _("Risiko før"), _("Risiko etter"), _("Nivå"), _("Behandling"),
                          _("Ansvarlig"), _("Tiltak")], _top_risk_rows(r), [False, False, True, True]))
    else:
        out.append(Para(_("Ingen aktive risikoer er registrert.")))
    return out


def tilsyn_blocks(t: TilsynOverview, period_label: str) -> list[Block]:
    if not t.tilsyn:
        return [Para(_("Ingen statlige tilsyn er registrert i {period}.").format(period=period_label))]
    out: list[Block] = [Table(
        _("Statlige tilsyn i {period}").format(period=period_label),
        [_("Tilsyn"), _("Dato"), _("Tema"), _("Enhet"), _("Funn")],
        [[x.authority, d(x.held_on), x.theme, x.unit, str(len(x.findings))] for x in t.tilsyn],
        [False, False, False, False, True])]
    findings = [[f"{x.authority} {d(x.held_on)}", _(f.kind_label), f.description, d(f.deadline), f.tiltak or "–",
                 _(f.status_label) + (" " + _("(frist passert)") if f.overdue else "")]
                for x in t.tilsyn for f in x.findings]
    if findings:
        out.append(Table(_("Funn fra tilsynene (status per {date})").format(date=d(t.status_as_of)),
                         [_("Tilsyn"), _("Type"), _("Funn"), _("Frist"), _("Tiltak"), _("Status")], findings))
    k, s = t.findings_by_kind, t.findings_by_status
    out.append(Para(_("Funn: {avvik} avvik, {merknad} merknader og {palegg} pålegg. Åpne: {apen}, under arbeid: "
                      "{arbeid}, lukket: {lukket}. Med passert frist: {overdue}.").format(
        avvik=k["avvik"], merknad=k["merknad"], palegg=k["palegg"], apen=s["apen"], arbeid=s["under_arbeid"],
        lukket=s["lukket"], overdue=t.overdue)))
    return out


def checklist_scope(ik: InternkontrollSection, kind: str, label: str) -> str:
    """Which checklists are counted, in words: not the 16 period keys of a year."""
    if kind == "year":
        return _("månedlige, tertialvise og årlige sjekklister i {period}").format(period=label)
    if kind == "tertial":
        return _("månedlige og tertialvise sjekklister i {period}").format(period=label)
    return _("månedlige sjekklister i {period}").format(period=label)


def checklist_blocks(ik: InternkontrollSection, kind: str, label: str) -> list[Block]:
    if not ik.due:
        return [Para(_("Ingen sjekklister var til svar i perioden") + ".")]
    rows = [[c.unit, c.sector, str(c.answered), str(c.due), pct(c.completion_pct), str(c.nei)] for c in ik.by_unit]
    rows.append([_("Hele kommunen"), "", str(ik.answered), str(ik.due), pct(ik.completion_pct), ""])
    return [Table(_("Sjekklister besvart per enhet: {scope}").format(scope=checklist_scope(ik, kind, label)),
                  [_("Enhet"), _("Sektor"), _("Besvart"), _("Forventet"), _("Andel"), _("Svart «nei»")], rows,
                  [False, False, True, True, True, True])]


def change_text(now: int, change: int, label: str) -> str:
    return _("{n} ({change} mot {previous})").format(n=now, change=signed(change), previous=label)

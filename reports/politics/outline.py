"""The two reports laid out as blocks, in the order the politicians read them."""

from __future__ import annotations

from models.vocabulary import SEVERITY_LABELS
from reports.politics.blocks import Block, Document, Facts, Heading, Para, Table
from reports.politics.model import InternkontrollReport, StyringskortPart, TertialReport
from reports.politics.outline_parts import (
    SUPPRESSION_NOTE,
    TREND_HEADER,
    TREND_NUMERIC,
    avvik_blocks,
    avvik_trend_rows,
    change_text,
    checklist_blocks,
    d,
    oppdrag_blocks,
    risk_blocks,
    tilsyn_blocks,
)
from reports.render import days, num, pct, signed, varsling_rows
from reports.summary import Summary


def _styringskort(card: StyringskortPart | None, reason: str | None) -> list[Block]:
    if card is None:
        return [Para(reason or "Styringskortet er ikke tilgjengelig.")]
    out: list[Block] = [Table("Indikatorer per perspektiv og trafikklys",
                              ["Perspektiv", "Grønn", "Gul", "Rød", "Uten trafikklys"],
                              [[p.perspective, str(p.gronn), str(p.gul), str(p.rod), str(p.ingen)]
                               for p in card.perspectives], [False, True, True, True, True])]
    if card.red:
        out.append(Table("Røde indikatorer", ["Indikator", "Perspektiv", "Mål", "Periode", "Verdi", "Målverdi",
                                              "Rød grense"],
                         [[r.name, r.perspective, r.goal, r.period, num(r.value), num(r.target), num(r.red_limit)]
                          for r in card.red], [False, False, False, False, True, True, True]))
    else:
        out.append(Para("Ingen indikatorer er røde."))
    return out


def tertial_document(r: TertialReport, summary: Summary, *, charts: bool = True) -> Document:
    a, last = r.avvik, r.avvik_same_period_last_year
    high = r.risk.before.by_severity.get("Høy", 0) + r.risk.before.by_severity.get("Kritisk", 0)
    facts = Facts([
        ("Nye avvik", f"{a.period.new} ({signed(a.change.new)} mot {a.previous.period_label}, "
                      f"{signed(last.change.new)} mot {last.period_label})"),
        ("Lukket i perioden", str(a.period.closed)),
        ("Åpne ved periodens slutt", str(a.period.open_at_end)),
        ("Sjekklister besvart", f"{r.checklists.answered} av {r.checklists.due} ({pct(r.checklists.completion_pct)})"),
        ("Oppdrag", f"{r.oppdrag.total} ({r.oppdrag.by_light.rod} røde, {r.oppdrag.by_light.gul} gule)"),
        ("Aktive risikoer", f"{r.risk.before.total} ({high} høye eller kritiske før tiltak)"),
        ("Statlige tilsyn i perioden", f"{len(r.tilsyn.tilsyn)} ({r.tilsyn.overdue} funn med passert frist)"),
    ])
    trend = [*avvik_trend_rows(a), [f"Samme tertial i fjor ({last.period_label})", str(last.new), str(last.closed),
                                    str(last.open_at_end), days(last.median_days_to_close)]]
    blocks: list[Block] = [
        Heading("Hovedtall", 2), facts,
        Heading("Styringskort", 2), *_styringskort(r.styringskort, r.omitted.get("styringskort")),
        Heading("Oppdrag", 2), *oppdrag_blocks(r.oppdrag, r.as_of),
        Heading("Avvik", 2), Table("Avvik: utvikling", TREND_HEADER, trend, TREND_NUMERIC),
        *avvik_blocks(a, summary, charts),
        Heading("Risikobildet", 2), *risk_blocks(r.risk, charts),
        Heading("Tilsyn", 2), *tilsyn_blocks(r.tilsyn, r.period_label),
        Heading("Internkontroll: sjekklister", 2), *checklist_blocks(r.checklists),
        Para(f"Tallene er hentet fra Tråd {d(r.generated_at.date())}, per {d(r.as_of)}. {SUPPRESSION_NOTE}", note=True),
    ]
    return Document(title=f"Tertialrapport {r.period_label}", subtitle=f"{r.org_name} · tall per {d(r.as_of)}",
                    blocks=blocks)


def _area_table(r: InternkontrollReport) -> Table:
    rows = [[x.label, *(str(x.by_severity.get(b, 0)) for b in SEVERITY_LABELS), str(x.total)]
            for x in r.avvik_by_area if x.total]
    totals = [sum(x.by_severity.get(b, 0) for x in r.avvik_by_area) for b in SEVERITY_LABELS]
    rows.append(["Alle områder", *map(str, totals), str(sum(totals))])
    return Table(f"Nye avvik i {r.year} etter område og alvorlighet (risiko før tiltak)",
                 ["Område", *SEVERITY_LABELS, "Totalt"], rows, [False, True, True, True, True, True])


def _improvement_blocks(r: InternkontrollReport) -> list[Block]:
    imp = r.improvements
    out: list[Block] = [Facts([
        ("Avvik lukket", str(imp.avvik_closed)),
        ("Av dem med evaluering av effekten", str(imp.avvik_with_effect_evaluation)),
        ("Tiltak på avvik utført", str(imp.avvik_tiltak_done)),
        ("ROS-tiltak utført", str(len(imp.risk_tiltak_done))),
        ("Funn fra tilsyn lukket", str(len(imp.findings_closed))),
    ])]
    if imp.by_category:
        out.append(Table("Lukkede avvik og utførte tiltak per område",
                         ["Område", "Avvik lukket", "Med evaluering av effekten", "Tiltak utført"],
                         [[c.label, str(c.closed), str(c.with_effect_evaluation), str(c.tiltak_done)]
                          for c in imp.by_category], [False, True, True, True]))
    if imp.risk_tiltak_done:
        out.append(Table("Utførte tiltak i ROS-registeret", ["Risiko", "Enhet", "Tiltak", "Utført"],
                         [[f"{t.risk_ref} {t.risk_title}", t.unit, t.description, d(t.done_on)]
                          for t in imp.risk_tiltak_done]))
    if imp.findings_closed:
        out.append(Table("Lukkede funn fra tilsyn", ["Tilsyn", "Tema", "Enhet", "Type", "Tiltak", "Lukket"],
                         [[f.authority, f.theme, f.unit, f.kind_label, f.tiltak or "–", d(f.closed_on)]
                          for f in imp.findings_closed]))
    return out


def _varsling_blocks(r: InternkontrollReport, summary: Summary) -> list[Block]:
    if r.varsling is None:
        return [Para(r.omitted.get("varsling", "Varslingstallene er ikke tilgjengelige."))]
    return [Table(f"Varslingssaker i {r.year} (bare antall)", ["Tall", "Antall"], [list(x) for x in varsling_rows(summary)],
                  [False, True])]


def internkontroll_document(r: InternkontrollReport, summary: Summary, *, charts: bool = True) -> Document:
    a, dl = r.avvik, r.closed_within_deadline
    facts = Facts([
        ("Nye avvik", change_text(a.period.new, a.change.new, a.previous.period_label)),
        ("Lukket i året", str(a.period.closed)),
        ("Lukket innen fristen", f"{dl.within} av {dl.closed} ({pct(dl.share_pct)})"),
        ("Åpne ved årets slutt", str(a.period.open_at_end)),
        ("Sjekklister besvart", f"{r.checklists.answered} av {r.checklists.due} ({pct(r.checklists.completion_pct)})"),
        ("Aktive risikoer", str(r.risk.before.total)),
        ("Statlige tilsyn", str(len(r.tilsyn.tilsyn))),
    ])
    sectors = [[s.sector, str(s.units), str(s.answered), str(s.due), pct(s.completion_pct)] for s in r.checklists_by_sector]
    sectors.append(["Hele kommunen", str(sum(s.units for s in r.checklists_by_sector)), str(r.checklists.answered),
                    str(r.checklists.due), pct(r.checklists.completion_pct)])
    blocks: list[Block] = [
        Para("Kommunedirektørens rapport om internkontroll etter kommuneloven § 25-1: hvordan kommunen avdekker og "
             "følger opp avvik og risiko for avvik."),
        Heading("Hovedtall", 2), facts,
        Heading("Avvik etter område og alvorlighet", 2), _area_table(r),
        Table("Avvik: utvikling", TREND_HEADER, avvik_trend_rows(a), TREND_NUMERIC),
        *avvik_blocks(a, summary, charts),
        Heading("Avvik lukket innen fristen", 2), Para(dl.rule),
        Facts([("Lukket i året", str(dl.closed)), ("Lukket innen fristen", str(dl.within)),
               ("Andel", pct(dl.share_pct)), ("Av dem med tiltak", str(dl.with_tiltak))]),
        Heading("Risikobildet", 2), *risk_blocks(r.risk, charts),
        Heading("Tilsyn", 2), *tilsyn_blocks(r.tilsyn, r.period_label),
        Heading("Sjekklister per sektor", 2),
        Table(f"Sjekklister besvart per sektor ({', '.join(r.checklists.checklist_keys)})",
              ["Sektor", "Enheter", "Besvart", "Forventet", "Andel"], sectors, [False, True, True, True, True]),
        Heading("Varsling", 2), *_varsling_blocks(r, summary),
        Heading("Forbedringer", 2), *_improvement_blocks(r),
        Para(f"Tallene er hentet fra Tråd {d(r.generated_at.date())}, per {d(r.as_of)}. {SUPPRESSION_NOTE}", note=True),
    ]
    return Document(title=f"Internkontroll {r.year} – kommuneloven § 25-1",
                    subtitle=f"{r.org_name} · tall per {d(r.as_of)}", blocks=blocks)

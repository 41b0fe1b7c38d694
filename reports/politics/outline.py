"""The two reports laid out as blocks, in the order the politicians read them."""

from __future__ import annotations

from models.i18n import _, current_locale
from models.vocabulary import SEVERITY_LABELS
from reports.labels import band_label, days, num, pct, period_label
from reports.politics.blocks import Block, Document, Facts, Heading, Para, Table
from reports.politics.internkontroll import DEADLINE_RULE
from reports.politics.model import InternkontrollReport, StyringskortPart, TertialReport
from reports.politics.outline_parts import (
    SUPPRESSION_NOTE,
    TREND_NUMERIC,
    avvik_blocks,
    avvik_trend_rows,
    change_text,
    checklist_blocks,
    checklist_scope,
    d,
    oppdrag_blocks,
    risk_blocks,
    tilsyn_blocks,
    trend_header,
)
from reports.render import signed, varsling_rows
from reports.summary import Summary


def _styringskort(card: StyringskortPart | None, reason: str | None) -> list[Block]:
    if card is None:
        return [Para(_(reason) if reason else _("Styringskortet er ikke tilgjengelig."))]
    out: list[Block] = [Table(_("Indikatorer per perspektiv og trafikklys"),
                              [_("Perspektiv"), _("Grønn"), _("Gul"), _("Rød"), _("Uten trafikklys")],
                              [[p.perspective, str(p.gronn), str(p.gul), str(p.rod), str(p.ingen)]
                               for p in card.perspectives], [False, True, True, True, True])]
    if card.red:
        out.append(Table(_("Røde indikatorer"), [_("Indikator"), _("Perspektiv"), _("Styringsmål"), _("Periode"), _("Verdi"),
                                                 _("Målverdi"), _("Rød grense")],
                         [[r.name, r.perspective, r.goal, r.period, num(r.value), num(r.target), num(r.red_limit)]
                          for r in card.red], [False, False, False, False, True, True, True]))
    else:
        out.append(Para(_("Ingen indikatorer er røde.")))
    return out


def _footnote(r: TertialReport | InternkontrollReport) -> Para:
    return Para(_("Tallene er hentet fra Tråd {generated}, per {date}.").format(
        generated=d(r.generated_at), date=d(r.as_of)) + " " + _(SUPPRESSION_NOTE), note=True)


def _tertial_facts(r: TertialReport) -> Facts:
    a, last = r.avvik, r.avvik_same_period_last_year
    high = r.risk.before.by_severity.get("Høy", 0) + r.risk.before.by_severity.get("Kritisk", 0)
    ik = r.checklists
    checklists = (_("{answered} av {due} ({pct})").format(answered=ik.answered, due=ik.due, pct=pct(ik.completion_pct))
                  if ik.due else _("Ingen sjekklister var til svar i perioden"))
    return Facts([
        (_("Nye avvik"), _("{n} ({change} mot {previous}, {change_last} mot {last})").format(
            n=a.period.new, change=signed(a.change.new), previous=period_label(a.previous.period_key),
            change_last=signed(last.change.new), last=period_label(last.period_key))),
        (_("Lukket i perioden"), str(a.period.closed)),
        (_("Åpne ved periodens slutt"), str(a.period.open_at_end)),
        (_("Sjekklister besvart"), checklists),
        (_("Oppdrag"), _("{n} ({red} røde, {yellow} gule)").format(n=r.oppdrag.total, red=r.oppdrag.by_light.rod,
                                                                   yellow=r.oppdrag.by_light.gul)),
        (_("Aktive risikoer"), _("{n} ({high} høye eller kritiske før tiltak)").format(n=r.risk.before.total, high=high)),
        (_("Statlige tilsyn i perioden"), _("{n} ({overdue} funn med passert frist)").format(
            n=len(r.tilsyn.tilsyn), overdue=r.tilsyn.overdue)),
    ])


def tertial_document(r: TertialReport, summary: Summary, *, charts: bool = True) -> Document:
    a, last = r.avvik, r.avvik_same_period_last_year
    label = period_label(r.period_key)
    trend = [*avvik_trend_rows(a), [_("Samme tertial i fjor ({period})").format(period=period_label(last.period_key)),
                                    str(last.new), str(last.closed), str(last.open_at_end),
                                    days(last.median_days_to_close)]]
    blocks: list[Block] = [
        Heading(_("Hovedtall"), 2), _tertial_facts(r),
        Heading(_("Styringskort"), 2), *_styringskort(r.styringskort, r.omitted.get("styringskort")),
        Heading(_("Oppdrag"), 2), *oppdrag_blocks(r.oppdrag, r.as_of),
        Heading(_("Avvik"), 2), Table(_("Avvik: utvikling"), trend_header(), trend, TREND_NUMERIC),
        *avvik_blocks(a, summary, charts),
        Heading(_("Risikobildet"), 2), *risk_blocks(r.risk, charts),
        Heading(_("Tilsyn"), 2), *tilsyn_blocks(r.tilsyn, label),
        Heading(_("Internkontroll: sjekklister"), 2), *checklist_blocks(r.checklists, "tertial", label),
        _footnote(r),
    ]
    return Document(title=_("Tertialrapport {period}").format(period=label),
                    subtitle=_("{org} · tall per {date}").format(org=r.org_name, date=d(r.as_of)),
                    blocks=blocks, lang=current_locale())


def _area_table(r: InternkontrollReport) -> Table:
    rows = [[_(x.label), *(str(x.by_severity.get(b, 0)) for b in SEVERITY_LABELS), str(x.total)]
            for x in r.avvik_by_area if x.total]
    totals = [sum(x.by_severity.get(b, 0) for x in r.avvik_by_area) for b in SEVERITY_LABELS]
    rows.append([_("Alle områder"), *map(str, totals), str(sum(totals))])
    return Table(_("Nye avvik i {year} etter område og alvorlighet (risiko før tiltak)").format(year=r.year),
                 [_("Område"), *(band_label(b) for b in SEVERITY_LABELS), _("Totalt")], rows,
                 [False, True, True, True, True, True])


def _improvement_blocks(r: InternkontrollReport) -> list[Block]:
    imp = r.improvements
    out: list[Block] = [Facts([
        (_("Avvik lukket"), str(imp.avvik_closed)),
        (_("Av dem med evaluering av effekten"), str(imp.avvik_with_effect_evaluation)),
        (_("Tiltak på avvik utført"), str(imp.avvik_tiltak_done)),
        (_("ROS-tiltak utført"), str(len(imp.risk_tiltak_done))),
        (_("Funn fra tilsyn lukket"), str(len(imp.findings_closed))),
    ])]
    if imp.by_category:
        out.append(Table(_("Lukkede avvik og utførte tiltak per område"),
                         [_("Område"), _("Avvik lukket"), _("Med evaluering av effekten"), _("Tiltak utført")],
                         [[_(c.label), str(c.closed), str(c.with_effect_evaluation), str(c.tiltak_done)]
                          for c in imp.by_category], [False, True, True, True]))
    if imp.risk_tiltak_done:
        out.append(Table(_("Utførte tiltak i ROS-registeret"), [_("Risiko"), _("Enhet"), _("Tiltak"), _("Utført")],
                         [[f"{t.risk_ref} {t.risk_title}", t.unit, t.description, d(t.done_on)]
                          for t in imp.risk_tiltak_done]))
    if imp.findings_closed:
        out.append(Table(_("Lukkede funn fra tilsyn"),
                         [_("Tilsyn"), _("Tema"), _("Enhet"), _("Type"), _("Tiltak"), _("Lukket")],
                         [[f.authority, f.theme, f.unit, _(f.kind_label), f.tiltak or "–", d(f.closed_on)]
                          for f in imp.findings_closed]))
    return out


def _varsling_blocks(r: InternkontrollReport, summary: Summary) -> list[Block]:
    if r.varsling is None:
        reason = r.omitted.get("varsling")
        return [Para(_(reason) if reason else _("Varslingstallene er ikke tilgjengelige."))]
    return [Table(_("Varslingssaker i {year} (bare antall)").format(year=r.year), [_("Tall"), _("Antall")],
                  [list(x) for x in varsling_rows(summary)], [False, True])]


def _internkontroll_facts(r: InternkontrollReport) -> Facts:
    a, dl, ik = r.avvik, r.closed_within_deadline, r.checklists
    checklists = (_("{answered} av {due} ({pct})").format(answered=ik.answered, due=ik.due, pct=pct(ik.completion_pct))
                  if ik.due else _("Ingen sjekklister var til svar i perioden"))
    return Facts([
        (_("Nye avvik"), change_text(a.period.new, a.change.new, period_label(a.previous.period_key))),
        (_("Lukket i året"), str(a.period.closed)),
        (_("Lukket innen fristen"), _("{within} av {closed} ({pct})").format(within=dl.within, closed=dl.closed,
                                                                             pct=pct(dl.share_pct))),
        (_("Åpne ved årets slutt"), str(a.period.open_at_end)),
        (_("Sjekklister besvart"), checklists),
        (_("Aktive risikoer"), str(r.risk.before.total)),
        (_("Statlige tilsyn"), str(len(r.tilsyn.tilsyn))),
    ])


def _checklist_sectors(r: InternkontrollReport, label: str) -> Table:
    sectors = [[s.sector, str(s.units), str(s.answered), str(s.due), pct(s.completion_pct)] for s in r.checklists_by_sector]
    sectors.append([_("Hele kommunen"), str(sum(s.units for s in r.checklists_by_sector)), str(r.checklists.answered),
                    str(r.checklists.due), pct(r.checklists.completion_pct)])
    return Table(_("Sjekklister besvart per sektor: {scope}").format(scope=checklist_scope(r.checklists, "year", label)),
                 [_("Sektor"), _("Enheter"), _("Besvart"), _("Forventet"), _("Andel")], sectors,
                 [False, True, True, True, True])


def internkontroll_document(r: InternkontrollReport, summary: Summary, *, charts: bool = True) -> Document:
    a, dl = r.avvik, r.closed_within_deadline
    label = period_label(r.period_key)
    blocks: list[Block] = [
        Para(_("Kommunedirektørens rapport om internkontroll etter kommuneloven § 25-1: hvordan kommunen avdekker og "
               "følger opp avvik og risiko for avvik.")),
        Heading(_("Hovedtall"), 2), _internkontroll_facts(r),
        Heading(_("Avvik etter område og alvorlighet"), 2), _area_table(r),
        Table(_("Avvik: utvikling"), trend_header(), avvik_trend_rows(a), TREND_NUMERIC),
        *avvik_blocks(a, summary, charts),
        Heading(_("Avvik lukket innen fristen"), 2),
        Para(_(DEADLINE_RULE).format(days=dl.default_days)),
        Facts([(_("Lukket i året"), str(dl.closed)), (_("Lukket innen fristen"), str(dl.within)),
               (_("Andel"), pct(dl.share_pct)), (_("Av dem med tiltak"), str(dl.with_tiltak))]),
        Heading(_("Risikobildet"), 2), *risk_blocks(r.risk, charts),
        Heading(_("Tilsyn"), 2), *tilsyn_blocks(r.tilsyn, label),
        Heading(_("Sjekklister per sektor"), 2), _checklist_sectors(r, label),
        Heading(_("Varsling"), 2), *_varsling_blocks(r, summary),
        Heading(_("Forbedringer"), 2), *_improvement_blocks(r),
        _footnote(r),
    ]
    return Document(title=_("Internkontroll {year} – kommuneloven § 25-1").format(year=r.year),
                    subtitle=_("{org} · tall per {date}").format(org=r.org_name, date=d(r.as_of)),
                    blocks=blocks, lang=current_locale())

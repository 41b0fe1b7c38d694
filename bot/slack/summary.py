"""The periodic summary as Block Kit, for the leadership channel.

The outbox carries the typed summary's JSON (`Reply.rich["summary"]`), not a Slack format:
this module renders it at delivery. Every name people typed (units, sectors, the
organisation) goes through `esc` (& < >) in text objects marked `verbatim`, so nothing in a
summary can mention or link. At most 50 blocks; the chart goes as a file upload.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.blocks import MESSAGE_BLOCKS, esc
from models.i18n import _, fmt_date
from models.messages import Reply
from reports.render import MAX_LINES, days, pct, view
from reports.risiko_render import risiko_lines
from reports.styringskort_render import styringskort_lines
from reports.summary import Summary

SECTION_TEXT = 2900  # Slack allows 3,000 characters in a section's text


def _cut(text: str, limit: int = SECTION_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_md(_cut(text.strip())))


def _list(head: str, lines: list[str], empty: str, more: str | None = None) -> str:
    return "\n".join([head, *(lines or [empty]), *([more] if more else [])])


def _sectors(summary: Summary) -> str:
    sectors = summary.avvik.by_sector
    lines = [f"• {esc(x.sector)}: " + _("{new} nye, {closed} lukket, {open} åpne, median {median}").format(
        new=x.new, closed=x.closed, open=x.open_at_end, median=days(x.median_days_to_close)) for x in sectors[:MAX_LINES]]
    more = (_("… og {n} sektorer til (se HTML-rapporten)").format(n=len(sectors) - MAX_LINES)
            if len(sectors) > MAX_LINES else None)
    return _list("*" + _("Avvik per sektor") + "*", lines, _("Ingen avvik i perioden."), more)


def _checklists(summary: Summary) -> str:
    ik = summary.internkontroll
    lines = [f"• {esc(c.unit)}: " + _("{answered} av {due} ({pct})").format(
        answered=c.answered, due=c.due, pct=pct(c.completion_pct))
             + (_(", {n} «nei»").format(n=c.nei) if c.nei else "") for c in ik.by_unit[:MAX_LINES]]
    more = (_("… og {n} enheter til (se HTML-rapporten)").format(n=len(ik.by_unit) - MAX_LINES)
            if len(ik.by_unit) > MAX_LINES else None)
    head = "*" + _("Internkontroll: sjekklister besvart per enhet") + f"* ({', '.join(ik.checklist_keys)})"
    return _list(head, lines, _("Ingen sjekklister i perioden."), more)


def summary_blocks(summary: Summary) -> list[dict]:
    """Block Kit blocks for the leadership channel (≤ 50 blocks)."""
    v = view(summary)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_cut(v["title"], 150), emoji=True)),
        ContextBlock(elements=[_md(_("{org} · endring mot {period} i parentes").format(
            org=esc(v["org"]), period=summary.avvik.previous.period_label))]),
        SectionBlock(fields=[_md(f"*{label}*\n{esc(value)}") for label, value in v["key_facts"]]),
        DividerBlock(),
        _section(_sectors(summary)),
        _section(_list("*" + _("Nye avvik per kategori") + "*", [f"• {esc(label)}: {n}" for label, n in v["categories"]],
                       _("Ingen nye avvik."))),
        SectionBlock(text=_md("\n".join(["*" + _("Nye avvik per risiko") + "*",
                                         *(f"• {label}: {n}" for label, n in v["risk"])]))),
        DividerBlock(),
        _section(_checklists(summary)),
    ]
    if summary.oppdrag.total:
        lights = " · ".join(f"{e} {label}: {n}" for e, label, n in v["lights"])
        rows = [f"• {esc(o['category'])}: {o['total']} ({esc(o['statuses'])})" for o in v["oppdrag_rows"][:MAX_LINES]]
        blocks.append(_section("\n".join(["*" + _("Oppdrag") + f"* – {lights}", *rows])))
    if v["sk"] is not None:
        blocks.append(_section("\n".join(["*" + _("Styringskort") + f"* ({v['sk']['period']})",
                                          *(esc(line) for line in styringskort_lines(v["sk"], MAX_LINES))])))
    if v["rv"] is not None:
        blocks.append(_section("\n".join([f"*{esc(v['rv']['title'])}*",
                                          *(esc(line) for line in risiko_lines(v["rv"], MAX_LINES))])))
    if v["varsling"] is not None:
        figures = "\n".join(esc(f"{k}: {val}") for k, val in v["varsling"]) or _("Ingen tall.")
        blocks.append(SectionBlock(text=_md(_cut("*" + _("Varsling") + "* " + _("(bare antall)") + f"\n{figures}"))))
    blocks.append(ContextBlock(elements=[_md(_(
        "Tall fra Tråd per {date}. Små tall i sensitive kategorier og all "
        "varsling under 5 vises som «færre enn 5». Diagrammet er vedlagt.").format(date=fmt_date(summary.as_of)))]))
    out = [b.to_dict() for b in blocks]
    return out if len(out) <= MESSAGE_BLOCKS else [*out[: MESSAGE_BLOCKS - 1], out[-1]]


def reply_summary_blocks(reply: Reply) -> list[dict] | None:
    """The summary blocks of an outbox Reply that carries a summary (`rich["summary"]`), else None."""
    data = reply.rich.get("summary")
    return summary_blocks(Summary.model_validate(data)) if data else None

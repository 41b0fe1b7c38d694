"""The summary chart: new avvik per month per sector, as a PNG (matplotlib, Agg backend).

People would rather look than read: the chart goes with the Slack post (files_upload_v2),
into the Teams card and into the printable HTML page. Okabe–Ito colours stay apart for
colour-blind readers, and every label is in the reader's language. Months after the day the
figures are for are left out, and a month still running is labelled «hittil» and drawn lighter,
so a half month never reads as a drop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from models.i18n import _
from models.periods import parse_period
from reports.labels import month_short
from reports.summary import Summary

#: Okabe–Ito, a palette that colour-blind readers can tell apart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]


@dataclass(frozen=True)
class ChartSeries:
    """The months the chart draws (none after `as_of`), their labels, and which one is still running."""

    labels: list[str]
    sectors: dict[str, list[int]]
    partial: int | None  # index of the month in progress


def chart_series(summary: Summary) -> ChartSeries:
    s, as_of = summary.avvik.per_month, summary.as_of
    months = [parse_period(key) for key in s.months]
    keep = [i for i, m in enumerate(months) if m.start_date() <= as_of] or list(range(len(months)))
    partial = next((n for n, i in enumerate(keep) if as_of < months[i].end_date() - timedelta(days=1)), None)
    labels = [month_short(s.months[i]) for i in keep]
    if partial is not None:
        labels[partial] = _("{month} (hittil)").format(month=labels[partial])
    return ChartSeries(labels, {k: [v[i] for i in keep] for k, v in s.sectors.items()}, partial)


def render_chart_png(summary: Summary, *, width_in: float = 8.0, height_in: float = 4.2, dpi: int = 100,
                     colors: int | None = None) -> bytes:
    """Stacked bars of new avvik per month, one colour (and hatch, for print) per sector.

    `colors` reduces the PNG to a palette of that many colours (Pillow, which ships with
    matplotlib): the Teams variant must fit inside a 40 KB activity as a data URI.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    s = chart_series(summary)
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    try:
        bottom = [0] * len(s.labels)
        for i, (sector, values) in enumerate(s.sectors.items()):
            bars = ax.bar(s.labels, values, bottom=bottom, label=sector, color=PALETTE[i % len(PALETTE)],
                          hatch=HATCHES[(i // len(PALETTE)) % len(HATCHES)] if i >= len(PALETTE) else "",
                          edgecolor="white", linewidth=0.6)
            if s.partial is not None:  # the month in progress: lighter, so it does not read as a full month
                bars[s.partial].set_alpha(0.45)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(_("Nye avvik per måned per sektor – {org}").format(org=summary.org_name), fontsize=12, loc="left")
        ax.set_ylabel(_("Antall avvik"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", labelrotation=45, labelsize=9)
        for lbl in ax.get_xticklabels():
            lbl.set_horizontalalignment("right")
        if s.sectors:
            ax.legend(title=_("Sektor"), fontsize=9, title_fontsize=9, frameon=False,
                      loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            ax.text(0.5, 0.5, _("Ingen avvik i perioden"), transform=ax.transAxes, ha="center", va="center")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return _quantize(buf.getvalue(), colors) if colors else buf.getvalue()
    finally:
        plt.close(fig)


def _quantize(png: bytes, colors: int) -> bytes:
    """The same picture as an optimised palette PNG (a few KB instead of tens); unchanged without Pillow."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a matplotlib dependency
        return png
    img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def chart_alt_text(summary: Summary) -> str:
    """A text alternative for screen readers: the monthly totals."""
    series = chart_series(summary)
    totals = [sum(col) for col in zip(*series.sectors.values(), strict=True)] or [0] * len(series.labels)
    pairs = ", ".join(f"{lbl}: {n}" for lbl, n in zip(series.labels, totals, strict=True))
    return _("Stolpediagram over nye avvik per måned per sektor. Totalt per måned: {pairs}.").format(pairs=pairs)

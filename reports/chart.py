"""The summary chart: new avvik per month per sector, as a PNG (matplotlib, Agg backend).

People would rather look than read: the chart goes with the Slack post (files_upload_v2),
into the Teams card and into the printable HTML page. Okabe–Ito colours stay apart for
colour-blind readers, and every label is in Norwegian.
"""

from __future__ import annotations

import io

from reports.summary import Summary

#: Okabe–Ito, a palette that colour-blind readers can tell apart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]


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

    s = summary.avvik.per_month
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    try:
        bottom = [0] * len(s.months)
        for i, (sector, values) in enumerate(s.sectors.items()):
            ax.bar(s.labels, values, bottom=bottom, label=sector, color=PALETTE[i % len(PALETTE)],
                   hatch=HATCHES[(i // len(PALETTE)) % len(HATCHES)] if i >= len(PALETTE) else "",
                   edgecolor="white", linewidth=0.6)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"Nye avvik per måned per sektor – {summary.org_name}", fontsize=12, loc="left")
        ax.set_ylabel("Antall avvik")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", labelrotation=45, labelsize=9)
        for lbl in ax.get_xticklabels():
            lbl.set_horizontalalignment("right")
        if s.sectors:
            ax.legend(title="Sektor", fontsize=9, title_fontsize=9, frameon=False,
                      loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            ax.text(0.5, 0.5, "Ingen avvik i perioden", transform=ax.transAxes, ha="center", va="center")
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
    series = summary.avvik.per_month
    totals = [sum(col) for col in zip(*series.sectors.values(), strict=True)] or [0] * len(series.labels)
    pairs = ", ".join(f"{lbl}: {n}" for lbl, n in zip(series.labels, totals, strict=True))
    return f"Stolpediagram over nye avvik per måned per sektor. Totalt per måned: {pairs}."

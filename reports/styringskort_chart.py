"""An indicator's history as a PNG (matplotlib, Agg), with a text alternative.

Drawn on the server so the page needs no script; the marker's shape follows the trafikklys
(as on the page), so the chart does not rely on colour either. The page always has the values
as a table too.
"""

from __future__ import annotations

import io
import math

from models.i18n import _
from models.indicator_rules import Light, format_value
from reports.labels import light_word
from reports.styringskort_view import HistoryPoint

_COLOURS = {Light.GRONN: "#1e7b34", Light.GUL: "#b07d00", Light.ROD: "#b3001b", Light.INGEN: "#505050"}
_MARKERS = {Light.GRONN: "o", Light.GUL: "^", Light.ROD: "s", Light.INGEN: "o"}


def render_history_png(name: str, measure: str, points: list[HistoryPoint], *, dpi: int = 100) -> bytes:
    """Values as a line with a marker per period (shape and colour by trafikklys), the target dashed
    and the red limit dotted."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 3.2), dpi=dpi)
    try:
        xs = list(range(len(points)))
        labels = [p.period for p in points]
        ax.plot([x for x, p in zip(xs, points, strict=True) if p.value is not None],
                [p.value for p in points if p.value is not None], color="#0b4f8a", linewidth=1.5)
        for x, p in zip(xs, points, strict=True):
            if p.value is not None:
                ax.scatter([x], [p.value], marker=_MARKERS[p.light], color=_COLOURS[p.light], s=45, zorder=3)
        if any(p.target is not None for p in points):
            ax.step(xs, [math.nan if p.target is None else p.target for p in points], where="mid", linestyle="--", color="#1a1a1a", label=_("Mål"))
        if any(p.red_limit is not None for p in points):
            ax.step(xs, [math.nan if p.red_limit is None else p.red_limit for p in points], where="mid", linestyle=":", color="#b3001b",
                    label=_("Rød grense"))
        if not any(p.value is not None for p in points):
            ax.text(0.5, 0.5, _("Ingen verdier ennå"), transform=ax.transAxes, ha="center", va="center")
        ax.set_xticks(xs, labels, rotation=45, ha="right", fontsize=8)
        ax.set_title(f"{name} ({measure})", fontsize=11, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, frameon=False, loc="best")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def history_alt_text(name: str, measure: str, points: list[HistoryPoint]) -> str:
    """What the chart shows, in words: every period's value and trafikklys, and the latest target."""
    pairs = "; ".join(f"{p.label}: {format_value(p.value, measure)} ({light_word(p.light)})" for p in points)
    target = next((p.target for p in reversed(points) if p.target is not None), None)
    return _("Linjediagram for {name}. Mål {target}. Verdier: {values}.").format(
        name=name, target=format_value(target, measure), values=pairs)

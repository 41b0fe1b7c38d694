"""The 5×5 risk matrix as a PNG (matplotlib, Agg backend), for the web, the summaries and the reports.

Colour is never the only carrier: every cell prints its count, and its band (lav, middels,
høy, kritisk) in words, so the matrix reads the same in greyscale print and to colour-blind
readers; `matrix_alt_text` gives screen readers the counts.
"""

from __future__ import annotations

import io
from typing import Any

from models.i18n import _
from models.risk import severity
from models.services.risk_read import RiskMatrix
from models.vocabulary import SEVERITY_LABELS

#: Band colours from the Okabe–Ito palette: bluish green, yellow, orange, vermillion.
BAND_COLOURS = dict(zip(SEVERITY_LABELS, ("#009E73", "#F0E442", "#E69F00", "#D55E00"), strict=True))


def cell_text(matrix: RiskMatrix, probability: int, consequence: int) -> str:
    """What a cell says: its count and, below, its band in words."""
    return f"{matrix.count(probability, consequence)}\n{_(severity(probability * consequence)).lower()}"


def matrix_figure(matrix: RiskMatrix, *, title: str, width_in: float = 6.0, height_in: float = 5.2,
                  dpi: int = 100) -> Any:
    """The matplotlib Figure (the caller closes it); sannsynlighet up, konsekvens across, 5 at the far corner."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    for p in range(1, 6):
        for c in range(1, 6):
            n = matrix.count(p, c)
            ax.add_patch(Rectangle((c - 0.5, p - 0.5), 1, 1, facecolor=BAND_COLOURS[severity(p * c)],
                                   edgecolor="white", linewidth=2, alpha=1.0 if n else 0.45))
            ax.text(c, p, cell_text(matrix, p, c), ha="center", va="center", color="#000000",
                    fontsize=13 if n else 9, fontweight="bold" if n else "normal", linespacing=1.1)
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_xlabel(_("Konsekvens"))
    ax.set_ylabel(_("Sannsynlighet"))
    ax.set_aspect("equal")
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    ax.set_title(_("{title} – {when} ({n} risikoer)").format(title=title, when=_when(matrix), n=matrix.total),
                 fontsize=11, loc="left")
    fig.tight_layout()
    return fig


def _when(matrix: RiskMatrix) -> str:
    return _("etter tiltak") if matrix.after else _("før tiltak")


def render_risk_matrix_png(matrix: RiskMatrix, *, title: str | None = None, width_in: float = 6.0,
                           height_in: float = 5.2, dpi: int = 100) -> bytes:
    from matplotlib import pyplot as plt

    fig = matrix_figure(matrix, title=title or _("Risikomatrise"), width_in=width_in, height_in=height_in, dpi=dpi)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def matrix_alt_text(matrix: RiskMatrix) -> str:
    """The matrix in words: the non-empty cells, worst first, and the counts per band."""
    cells = sorted(((p * c, p, c, matrix.count(p, c)) for p in range(1, 6) for c in range(1, 6)
                    if matrix.count(p, c)), reverse=True)
    when = _when(matrix)
    if not cells:
        return _("Risikomatrise {when}: ingen risikoer registrert.").format(when=when)
    parts = ", ".join(_("sannsynlighet {p} og konsekvens {c}: {n}").format(p=p, c=c, n=n) for _s, p, c, n in cells)
    bands = ", ".join(f"{_(label).lower()} {n}" for label, n in matrix.by_severity().items())
    return _("Risikomatrise {when} med {n} risikoer. {cells}. Per nivå: {bands}.").format(
        when=when, n=matrix.total, cells=parts, bands=bands)

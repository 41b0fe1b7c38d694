"""The risk-matrix chart prints every cell's count and band in words, not colour alone."""

from __future__ import annotations

from models.services.risk_read import RiskMatrix
from reports.risk_chart import cell_text, matrix_alt_text, matrix_figure, render_risk_matrix_png


def _matrix() -> RiskMatrix:
    grid = [[0] * 5 for _ in range(5)]
    grid[2][2] = 2  # S3 × K3
    grid[4][4] = 1  # S5 × K5
    return RiskMatrix(cells=tuple(tuple(r) for r in grid), after=False)


def test_every_cell_shows_its_count_and_band_as_text():
    from matplotlib import pyplot as plt

    fig = matrix_figure(_matrix(), title="Aurvoll skole")
    try:
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert len(texts) == 25
        assert "2\nmiddels" in texts and "1\nkritisk" in texts and "0\nlav" in texts
        assert "Aurvoll skole – før tiltak (3 risikoer)" in fig.axes[0].get_title(loc="left")
        assert fig.axes[0].get_xlabel() == "Konsekvens" and fig.axes[0].get_ylabel() == "Sannsynlighet"
    finally:
        plt.close(fig)
    assert cell_text(_matrix(), 4, 5) == "0\nkritisk"


def test_png_and_alt_text():
    png = render_risk_matrix_png(_matrix())
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    alt = matrix_alt_text(_matrix())
    assert alt.startswith("Risikomatrise før tiltak med 3 risikoer. sannsynlighet 5 og konsekvens 5: 1, "
                          "sannsynlighet 3 og konsekvens 3: 2.")
    empty = RiskMatrix(cells=tuple((0,) * 5 for _ in range(5)), after=True)
    assert matrix_alt_text(empty) == "Risikomatrise etter tiltak: ingen risikoer registrert."

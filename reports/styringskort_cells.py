"""The styringskort matrix body as ready-made HTML rows: one string per indicator.

Why not the Jinja template: the kommune's matrix has indicators × columns cells (400 at 40
indicators and 10 sectors), and a macro call, a gettext call and a Babel number per cell made
the template two thirds of the page's cost. The words of the lights and the cell's wording are
looked up once per render here, numbers go through `fast_numbers`, and every piece people typed
(indicator names, measures) is escaped, so the HTML is the same as the template gave.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from models.i18n import _
from models.indicator_rules import Light
from reports.fast_numbers import fast_value
from reports.labels import light_word
from reports.styringskort_view import LIGHT_CLASS, LIGHT_SHAPES, CardView


def light_html() -> dict[Light, Markup]:
    """Each light as the badge the page shows (class, shape hidden from screen readers, word)."""
    return {light: Markup('<span class="tl tl-{c}"><span aria-hidden="true">{s}</span> {w}</span>').format(
        c=LIGHT_CLASS[light], s=LIGHT_SHAPES[light], w=light_word(light)) for light in Light}


def matrix_rows(view: CardView) -> list[Markup]:
    """`<tr>` per card row: the indicator, then per column its light, value and target.

    Plain string joins of escaped pieces (`Markup.format` per cell cost as much as the template did)."""
    lights = {k: str(v) for k, v in light_html().items()}
    target_text = _("(mål {target})")
    missing = f'<td><span class="sk-muted">{escape(_("rapporterer ikke"))}</span></td>'
    out = []
    for r in view.card.rows:
        parts = [f'<tr><th scope="row">{escape(r.name)}</th>']
        for c in view.columns:
            x = c.cells.get(r.indicator_id)
            if x is None:
                parts.append(missing)
                continue
            target = escape(target_text.format(target=fast_value(x.target, x.measure)))
            parts.append(f'<td>{lights[x.light]}<span class="sk-muted">{escape(fast_value(x.value, x.measure))} '
                         f'{target}</span></td>')
        parts.append("</tr>")
        out.append(Markup("".join(parts)))  # noqa: S704 - every piece above is escaped or our own markup
    return out

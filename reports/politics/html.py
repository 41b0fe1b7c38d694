"""A report's blocks as one printable, self-contained HTML page (charts inlined as data URIs).

Jinja autoescape: unit names, risk titles and tilsyn themes are typed in by people.
Every table has a caption and row and column headers; every chart has a text alternative
and the matrix is a table as well, so the page is accessible and prints cleanly.
"""

from __future__ import annotations

from reports.jinja_env import report_env
from reports.politics.blocks import Document, Facts, Figure, Heading, Para, Table
from reports.render import chart_data_uri

_ENV = report_env(autoescape=True, keep_trailing_newline=True)
_KINDS: dict[type, str] = {Heading: "heading", Para: "para", Facts: "facts", Table: "table", Figure: "figure"}


def render_document_html(doc: Document) -> str:
    blocks = [(_KINDS[type(b)], b) for b in doc.blocks]
    return _ENV.get_template("rapport.html.j2").render(doc=doc, blocks=blocks, data_uri=chart_data_uri)

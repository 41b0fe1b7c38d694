"""A report's blocks as a Word document (python-docx), ready to paste into the årsrapport.

Headings use Word's built-in heading styles, so they join the årsrapport's own outline and
table of contents when pasted; tables use «Table Grid» with a repeating header row; every
picture carries its text alternative (the `descr` of the drawing) for screen readers.
"""

from __future__ import annotations

import io
from datetime import datetime

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from docx.table import _Row

from reports.politics.blocks import Document, Facts, Figure, Heading, Para, Table

FIGURE_WIDTH_IN = 6.0


def _repeat_header(row: _Row) -> None:
    """Mark a table row as the header repeated on every page (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(doc: DocxDocument, t: Table) -> None:
    doc.add_paragraph(t.caption, style="Caption")
    table = doc.add_table(rows=1, cols=len(t.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for i, h in enumerate(t.header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
        if t.is_numeric(i):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(table.rows[0])
    for values in t.rows:
        cells = table.add_row().cells
        for i, v in enumerate(values):
            cells[i].text = v
            if t.is_numeric(i):
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i == 0:
                for run in cells[i].paragraphs[0].runs:
                    run.bold = True
    doc.add_paragraph()


def _figure(doc: DocxDocument, f: Figure) -> None:
    doc.add_picture(io.BytesIO(f.png), width=Inches(FIGURE_WIDTH_IN))
    doc_pr = doc.inline_shapes[-1]._inline.docPr
    doc_pr.set("descr", f.alt)
    doc_pr.set("title", f.caption)
    doc.add_paragraph(f.caption, style="Caption")


def _facts(doc: DocxDocument, f: Facts) -> None:
    for label, value in f.rows:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)


def render_document_docx(doc: Document, *, created: datetime | None = None) -> bytes:
    out = docx.Document()
    normal = out.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    props = out.core_properties
    props.title, props.subject, props.author = doc.title, doc.subtitle, "Tråd"
    props.language = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}.get(doc.lang, "nb-NO")
    if created is not None:
        props.created = props.modified = created
    out.add_heading(doc.title, level=1)
    out.add_paragraph(doc.subtitle)
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.add_heading(b.text, level=b.level)
        elif isinstance(b, Para):
            p = out.add_paragraph(b.text)
            if b.note:
                for run in p.runs:
                    run.font.size = Pt(9)
        elif isinstance(b, Facts):
            _facts(out, b)
        elif isinstance(b, Table):
            _table(out, b)
        else:
            _figure(out, b)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()

"""A report as a flat list of neutral blocks: headings, paragraphs, key facts, tables and figures.

Why: the HTML page and the DOCX document must say the same thing. Each report is laid
out once, as blocks (`reports.politics.outline`), and each format only renders blocks
(`reports.politics.html`, `reports.politics.docx_render`). Every value in a block is already
the text people read (Norwegian number format, «færre enn 5» for a suppressed cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 2 or 3; the title is the document's only level 1


@dataclass(frozen=True)
class Para:
    text: str
    note: bool = False


@dataclass(frozen=True)
class Facts:
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table whose first column names the row (a row header); `numeric` right-aligns columns."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)

    def is_numeric(self, i: int) -> bool:
        return i < len(self.numeric) and self.numeric[i]


@dataclass(frozen=True)
class Figure:
    png: bytes
    alt: str
    caption: str


Block = Heading | Para | Facts | Table | Figure


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    blocks: list[Block]
    lang: str = "nb"

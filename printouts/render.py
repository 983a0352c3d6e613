"""The one module that talks to the PDF library: ReportLab, with the Japanese fonts embedded.

Two ways to draw, both in millimetres:
- `Sheet`: a canvas with its origin at the top left, for labels and postcards, where every
  element has a measured place on the paper.
- `table_pdf`: a paginated table (platypus) whose cells wrap inside their column, for lists
  and sheets.
xhtml2pdf (which the stack brought, and which is built on ReportLab) took ~85 s for a
1,000-customer list; these take a fraction of that (`make bench`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from . import fonts
from .blocks import em

# Characters set sideways in vertical writing: long-vowel marks, dashes, brackets, wave dashes.
_TURNED = set("ー－—―‐-–~～〜…‥（）()「」『』【】〈〉《》［］[]｛｝{}〔〕＝=")
# The comma and full stop have vertical forms of their own (they sit in the upper right).
_VERTICAL_FORMS = str.maketrans("、。，", "︑︒︐")
# Small kana sit to the right of their square, with a little room after them.
SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_SMALL_ROOM = 0.12  # in em


def vertical_text(text: str) -> str:
    """`text` as a vertical column prints it (、。 in their vertical forms)."""
    return text.translate(_VERTICAL_FORMS)


@lru_cache(maxsize=65536)
def vertical_extent(text: str, size: float) -> float:
    """How long a column of `text` is, in millimetres (`Sheet.vertical` draws it so). Remembered, as
    `text_width`."""
    return em(size) * (len(text) + _SMALL_ROOM * sum(ch in SMALL_KANA for ch in text))


@lru_cache(maxsize=65536)
def text_width(text: str, size: float, face: str) -> float:
    """Width of `text` in millimetres. Remembered: fitting a long name or address tries the same pieces
    at many widths and sizes (a card that cannot fit measured 1.4 million strings before)."""
    fonts.registered()
    return stringWidth(text, face, size) / mm


class Sheet:
    """Pages of `width` × `height` mm; coordinates from the top left corner, y downward."""

    def __init__(self, width: float, height: float, *, title: str = ""):
        fonts.registered()
        self.width, self.height = width, height
        self._out = io.BytesIO()
        self._canvas = canvas.Canvas(self._out, pagesize=(width * mm, height * mm), pageCompression=1)
        self._canvas.setTitle(title)
        self._canvas.setCreator("Kokyaku")
        self._dirty = False

    def text(self, x: float, baseline: float, text: str, *, size: float, face: str = fonts.GOTHIC,
             align: str = "left") -> None:
        if not text:
            return
        c = self._canvas
        c.setFont(face, size)
        px, py = x * mm, (self.height - baseline) * mm
        if align == "center":
            c.drawCentredString(px, py, text)
        elif align == "right":
            c.drawRightString(px, py, text)
        else:
            c.drawString(px, py, text)
        self._dirty = True

    def centred(self, places: list[tuple[float, float, str]], *, size: float, face: str = fonts.GOTHIC) -> None:
        """Characters each centred on its x (mm) at its baseline (mm): one text object, moved by
        relative offsets (the postal code's seven boxes)."""
        text = self._canvas.beginText()
        text.setFont(face, size)
        line = (0.0, 0.0)
        for x, baseline, ch in places:
            px, py = x * mm - stringWidth(ch, face, size) / 2, (self.height - baseline) * mm
            text.moveCursor(px - line[0], line[1] - py)  # ReportLab's dy points down
            line = (px, py)
            text.textOut(ch)
        self._canvas.drawText(text)
        self._dirty = True

    def vertical(self, x_center: float, top: float, text: str, *, size: float, face: str = fonts.GOTHIC) -> float:
        """Writes `text` top to bottom in one column centred on `x_center`, one character square
        each (no two overlap); returns where it ended (mm). One text object for the column: an
        upright character is placed by a relative move, a turned one by its own text matrix (a
        quarter turn clockwise)."""
        square = em(size)
        column = self._canvas.beginText()
        column.setFont(face, size)
        centre = x_center * mm
        line: tuple[float, float] | None = (0.0, 0.0)  # the current line's origin while upright
        y = top
        for ch in vertical_text(text):
            if ch not in " \u3000":
                half = stringWidth(ch, face, size) / 2
                if ch in _TURNED:  # centred on the square's centre, turned: text (u, v) → page (v + e, f - u)
                    middle = (self.height - y - square / 2) * mm
                    column.setTextTransform(0, -1, 1, 0, centre - square * 0.38 * mm, middle + half)
                    line = None
                else:
                    shift = square * 0.12 * mm if ch in SMALL_KANA else 0.0
                    px, py = centre + shift - half, (self.height - y - square * 0.88) * mm
                    if line is None:
                        column.setTextTransform(1, 0, 0, 1, px, py)
                    else:
                        column.moveCursor(px - line[0], line[1] - py)  # ReportLab's dy points down
                    line = (px, py)
                column.textOut(ch)
            if ch in SMALL_KANA:
                y += square * _SMALL_ROOM
            y += square
        self._canvas.drawText(column)
        self._dirty = True
        return y

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.3) -> None:
        """A straight line (mm from the top left), `width` in points."""
        self._canvas.setLineWidth(width)
        self._canvas.line(x1 * mm, (self.height - y1) * mm, x2 * mm, (self.height - y2) * mm)
        self._dirty = True

    def rect(self, x: float, top: float, width: float, height: float, *, line: float = 0.3,
             fill_grey: float | None = None) -> None:
        """A box whose top left corner is (x, top), in mm; filled with a grey (0 black … 1 white) if given."""
        c = self._canvas
        c.setLineWidth(line)
        if fill_grey is not None:
            c.setFillGray(fill_grey)
        c.rect(x * mm, (self.height - top - height) * mm, width * mm, height * mm, stroke=1,
               fill=1 if fill_grey is not None else 0)
        c.setFillGray(0)
        self._dirty = True

    def next_page(self) -> None:
        self._canvas.showPage()
        self._dirty = False

    def pdf(self) -> bytes:
        if self._dirty:
            self._canvas.showPage()
        self._canvas.save()
        return self._out.getvalue()


@dataclass
class TableHeader:
    title: str
    left: str  # company name, count
    right: str  # printed date


def table_pdf(header: TableHeader, columns: list[str], widths: list[float], rows: list[list[str]], *,
              page_label: str, font_size: float = 8.0) -> bytes:
    """An A4 landscape table, header row repeated, every cell wrapping inside its column.

    `widths` are relative; `page_label` is a format with {page} and {pages} (「{page} / {pages} ページ」).
    """
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle
    from xml.sax.saxutils import escape

    fonts.registered()
    page = landscape(A4)
    margin = 10 * mm
    usable = page[0] - 2 * margin
    total = sum(widths)
    col_widths = [usable * w / total for w in widths]
    cell = ParagraphStyle("cell", fontName=fonts.GOTHIC, fontSize=font_size, leading=font_size * 1.25,
                          wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, textColor=colors.black)

    def para(text, style=cell):
        return Paragraph(escape(text or "").replace("\n", "<br/>"), style)

    data = [[para(c, head) for c in columns]] + [[para(v) for v in row] for row in rows]
    table = LongTable(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 0.8 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.8 * mm),
    ]))

    class Numbered(canvas.Canvas):
        """Writes the header and 「n / N ページ」 once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(fonts.GOTHIC, 12)
                self.drawString(margin, page[1] - 9 * mm, header.title)
                self.setFont(fonts.GOTHIC, 8)
                self.drawString(margin + stringWidth(header.title, fonts.GOTHIC, 12) + 5 * mm, page[1] - 9 * mm,
                                header.left)
                self.drawRightString(page[0] - margin, page[1] - 9 * mm, header.right)
                self.drawRightString(page[0] - margin, 6 * mm, page_label.format(page=number, pages=count))
                super().showPage()
            super().save()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=13 * mm,
                            bottomMargin=11 * mm, title=header.title, creator="Kokyaku")
    doc.build([table], canvasmaker=Numbered)
    return out.getvalue()


@dataclass
class SheetSection:
    heading: str
    columns: list[str]
    widths: list[float]
    rows: list[list[str]]
    empty: str = ""


@dataclass
class SheetPage:
    title: str
    fields: list[tuple[str, str]]
    sections: list[SheetSection]


def sheets_pdf(pages: list[SheetPage], *, header: TableHeader, page_label: str) -> bytes:
    """A4 portrait, one record per page (it continues on the next when long): its fields as
    label / value pairs two to a row, then its tables; cells wrap inside their columns."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fonts.registered()
    size = A4
    margin = 12 * mm
    usable = size[0] - 2 * margin
    cell = ParagraphStyle("cell", fontName=fonts.GOTHIC, fontSize=8.5, leading=10.6, wordWrap="CJK")
    title = ParagraphStyle("title", parent=cell, fontSize=13, leading=17, spaceAfter=2 * mm)
    heading = ParagraphStyle("heading", parent=cell, fontSize=10, leading=13, spaceBefore=4 * mm, spaceAfter=1.5 * mm)

    def para(text, style=cell):
        return Paragraph(escape(text or "").replace("\n", "<br/>"), style)

    grid = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 0.7 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.7 * mm)]
    story = []
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        story.append(para(page.title, title))
        pairs = page.fields + ([("", "")] if len(page.fields) % 2 else [])
        data = [[para(a), para(b), para(c), para(d)] for (a, b), (c, d) in zip(pairs[::2], pairs[1::2])]
        if data:
            label_width, value_width = usable * 0.16, usable * 0.34
            table = Table(data, colWidths=[label_width, value_width, label_width, value_width], repeatRows=0)
            table.setStyle(TableStyle(grid + [("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                                              ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f0f0"))]))
            story.append(table)
        for section in page.sections:
            story.append(para(section.heading, heading))
            if not section.rows:
                story.append(para(section.empty))
                continue
            total = sum(section.widths)
            table = Table([[para(c) for c in section.columns]] + [[para(v) for v in row] for row in section.rows],
                          colWidths=[usable * w / total for w in section.widths], repeatRows=1)
            table.setStyle(TableStyle(grid + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
            story.append(table)
        story.append(Spacer(1, 1))

    def decorate(canvas_, doc):
        canvas_.saveState()
        canvas_.setFont(fonts.GOTHIC, 8)
        canvas_.drawString(margin, size[1] - 8 * mm, f"{header.title}　{header.left}")
        canvas_.drawRightString(size[0] - margin, size[1] - 8 * mm, header.right)
        canvas_.drawRightString(size[0] - margin, 6 * mm, page_label.format(page=doc.page))
        canvas_.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=12 * mm,
                            bottomMargin=11 * mm, title=header.title, creator="Kokyaku")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()

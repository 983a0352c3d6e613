"""Address labels on A-one 28183 sheets (P3): A4 portrait, 2 columns × 6 rows of 86.4 × 42.3 mm.

The sheet's margins are 18.6 mm left and right and 21.5 mm top and bottom; the labels touch,
so the pitch is the label's size. Each label: 〒, the address wrapped (never inside a
number when it can be helped), the building on its own line, company, department and title,
then the name with its honorific, larger. Text shrinks to fit; a label it cannot fit even at
7 pt is reported (`too_long`) before printing, never cut off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import fonts
from .addressing import Recipient
from .render import Sheet, text_width
from .text import wrap


@dataclass(frozen=True)
class LabelSheet:
    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Top left corner (mm) of label `slot` (0-based, row by row)."""
        row, column = divmod(slot, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


A_ONE_28183 = LabelSheet("A-one 28183", 210, 297, 2, 6, 86.4, 42.3, 18.6, 21.5, 86.4, 42.3)

PADDING_X, PADDING_TOP = 5.0, 4.0
BASE_SIZES = {"postal": 9.0, "address": 10.0, "company": 9.0, "name": 12.5}
LEADING = 1.3
MIN_SCALE = 0.7


@dataclass
class Line:
    text: str
    size: float
    is_name: bool = False


def _layout(recipient: Recipient, width: float, height: float) -> list[Line] | None:
    scale = 1.0
    while scale >= MIN_SCALE - 1e-9:
        sizes = {k: v * scale for k, v in BASE_SIZES.items()}
        lines = [Line(recipient.postal_display, sizes["postal"])]

        def fits(size):
            return lambda text: text_width(text, size, fonts.GOTHIC) <= width

        for part in (recipient.address, recipient.building):
            lines += [Line(t, sizes["address"]) for t in wrap(part, fits(sizes["address"]))]
        if recipient.name:
            for part in (recipient.company, " ".join(x for x in (recipient.department, recipient.title) if x)):
                lines += [Line(t, sizes["company"]) for t in wrap(part, fits(sizes["company"]))]
            name = f"{recipient.name}\u3000{recipient.honorific}"
            lines += [Line(t, sizes["name"], is_name=True) for t in wrap(name, fits(sizes["name"]))]
        elif recipient.company:  # a company without a person: its name large, with 御中
            company = f"{recipient.company}\u3000{recipient.honorific}"
            lines += [Line(t, sizes["name"], is_name=True) for t in wrap(company, fits(sizes["name"]))]
        used = sum(line.size * 25.4 / 72 * LEADING for line in lines) + 1.5  # a gap before the name
        if used <= height:
            return lines
        scale -= 0.05
    return None


def too_long(recipient: Recipient, sheet: LabelSheet = A_ONE_28183) -> bool:
    return _layout(recipient, sheet.label_width - 2 * PADDING_X, sheet.label_height - PADDING_TOP - 2) is None


def labels_pdf(recipients: list[Recipient], *, start: int = 1, offset=(0.0, 0.0),
               sheet: LabelSheet = A_ONE_28183, on_page=None) -> bytes:
    """One label per recipient from position `start` (1–12) of the first sheet; `offset` in mm (right, down)."""
    pdf = Sheet(sheet.page_width, sheet.page_height, title=_("Address labels"))
    dx, dy = float(offset[0]), float(offset[1])
    slot = start - 1
    for recipient in recipients:
        if slot == sheet.per_page:
            pdf.next_page()
            slot = 0
            if on_page:
                on_page()
        x, y = sheet.origin(slot)
        x, y = x + dx + PADDING_X, y + dy + PADDING_TOP
        lines = _layout(recipient, sheet.label_width - 2 * PADDING_X, sheet.label_height - PADDING_TOP - 2) or []
        gap_done = False
        for line in lines:
            if line.is_name and not gap_done:
                y, gap_done = y + 1.5, True
            y += line.size * 25.4 / 72 * LEADING
            pdf.text(x, y - line.size * 25.4 / 72 * 0.3, line.text, size=line.size)
        slot += 1
    return pdf.pdf()

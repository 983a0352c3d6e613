"""Address labels on A-one 28183 sheets (P3): A4 portrait, 2 columns × 6 rows of 86.4 × 42.3 mm.

The sheet's margins are 18.6 mm left and right and 21.5 mm top and bottom; the labels touch,
so the pitch is the label's size. Each label: 〒, the address, the building on its own
line, company, department and title, then the name with its honorific, larger; a company without
a person: its name, then 部署 御中, larger. Lines break by `linebreak`'s rules (kinsoku, numbers
whole). Type shrinks to fit, down to MIN_SIZE (7 pt); a label that does not fit even then is
reported (`too_long`) before printing and left out, never cut off or overprinted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import blocks, fonts
from .addressing import Recipient
from .blocks import MIN_SIZE, em
from .linebreak import break_lines
from .render import Sheet, text_width


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

PADDING_X, PADDING_TOP, PADDING_BOTTOM = 5.0, 4.0, 2.0
BASE_SIZES = {"postal": 9.0, "address": 10.0, "company": 9.0, "name": 12.5}
LEADING = 1.3
NAME_GAP = 1.5  # mm before the name


@dataclass
class Line:
    text: str
    size: float
    is_name: bool = False
    indent: float = 0.0  # mm


def _sizes(scale: float) -> dict[str, float]:
    return {key: max(MIN_SIZE, base * scale) for key, base in BASE_SIZES.items()}


def _lines(recipient: Recipient, sizes: dict[str, float], width: float, wrap: bool) -> list[Line] | None:
    """The label's lines at these sizes, broken by linebreak's rules; None when a piece does not fit a line."""

    def measure(text, size):
        return text_width(text, size, fonts.GOTHIC)

    def broken(text, size):
        found = break_lines(text, lambda t, _i: measure(t, size) <= width) if text else []
        return None if found is None else [Line(t, size) for t in found]

    parts = [broken(recipient.postal_display, sizes["postal"]),
             broken(recipient.address, sizes["address"]), broken(recipient.building, sizes["address"])]
    if recipient.name:
        parts += [broken(t, sizes["company"]) for t in blocks.affiliation(
            recipient.company, recipient.department, recipient.title, lambda t: measure(t, sizes["company"]) <= width)]
    name = blocks.addressee_lines(company=recipient.company, department=recipient.department, name=recipient.name,
                                  honorific=recipient.honorific, size=sizes["name"], measure=measure, room=width,
                                  wrap=wrap)
    if name is None or any(part is None for part in parts):
        return None
    return [line for part in parts for line in part] + \
        [Line(line.text, line.size, True, line.indent * em(sizes["name"])) for line in name]


def _layout(recipient: Recipient, width: float, height: float) -> list[Line] | None:
    """The largest type (down to MIN_SIZE) whose lines fit the label; None when none does."""
    scale = 1.0
    while True:
        sizes = _sizes(scale)
        for wrap in (False, True):  # the name on one line if it can be, at this size
            lines = _lines(recipient, sizes, width, wrap)
            if lines is not None and sum(em(line.size) * LEADING for line in lines) + NAME_GAP <= height:
                return lines
        if all(size == MIN_SIZE for size in sizes.values()):
            return None
        scale -= 0.05


def _area(sheet: LabelSheet) -> tuple[float, float]:
    return sheet.label_width - 2 * PADDING_X, sheet.label_height - PADDING_TOP - PADDING_BOTTOM


def too_long(recipient: Recipient, sheet: LabelSheet = A_ONE_28183) -> bool:
    """A label whose text does not fit even in MIN_SIZE type: reported on the print screen, not printed."""
    return _layout(recipient, *_area(sheet)) is None


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
        lines = _layout(recipient, *_area(sheet))
        if lines is None:
            continue  # reported on the print screen (too_long), never overprinted
        gap_done = False
        for line in lines:
            if line.is_name and not gap_done:
                y, gap_done = y + NAME_GAP, True
            y += em(line.size) * LEADING
            pdf.text(x + line.indent, y - em(line.size) * 0.3, line.text, size=line.size)
        slot += 1
    return pdf.pdf()

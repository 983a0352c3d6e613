"""Postcards (P4): 官製はがき, 100 × 148 mm, horizontal or vertical (縦書き).

The postal code goes into the seven printed boxes: each 5.7 × 8.0 mm, 47.7 mm wide in all,
1.3 mm apart within the first three, 1.9 mm between the third and fourth, 1.1 mm within the
last four; the boxes start 12.0 mm from the top edge and end 8.0 mm from the right edge.
Vertical cards write the address top to bottom in right-to-left columns, numbers as kanji
numerals, the building in its own column, the name centred and larger with 様, joint names
(連名) beside it under the same honorific line, company lines in corporate mode.
A card is laid out before it is drawn (below): lines break by `linebreak`'s rules, type shrinks
down to blocks.MIN_SIZE, and a card that still does not fit is reported (`too_long`), never
overprinted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from kanjize import number2kanji

from . import blocks, fonts
from .addressing import Recipient
from .blocks import COMFORTABLE, em
from .linebreak import break_lines
from .render import Sheet, text_width, vertical_extent

WIDTH, HEIGHT = 100.0, 148.0
BOX_WIDTH, BOX_HEIGHT, BOX_TOP = 5.7, 8.0, 12.0
_GAPS = [1.3, 1.3, 1.9, 1.1, 1.1, 1.1]


def postal_boxes() -> list[float]:
    """Left edge (mm) of each of the seven boxes."""
    left = WIDTH - 8.0 - (7 * BOX_WIDTH + sum(_GAPS))
    lefts = [left]
    for gap in _GAPS:
        lefts.append(lefts[-1] + BOX_WIDTH + gap)
    return lefts


@dataclass(frozen=True)
class Sender:
    postal_code: str
    address: str
    name: str
    tel: str = ""


# --- kanji numerals for vertical writing ----------------------------------------------------------
_DIGIT_KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
_BLOCK = re.compile(r"(\d+)-(\d+)(?:-(\d+))?")
_COUNTED = re.compile(r"(\d+)(丁目|番地|番|号(?!室)|階|F(?![A-Za-z]))")
_DASHES = re.compile(r"[‐‑‒–—―−－ー](?=\d)|(?<=\d)[‐‑‒–—―−－ー]")


def _short(number: str) -> str:
    """One or two digits read as a number (十二); longer ones (rooms, 番地 2818) digit by digit (五〇三)."""
    return _positional(number) if len(number) <= 2 else number.translate(_DIGIT_KANJI)


def _positional(number: str) -> str:
    return number2kanji(int(number)) if len(number) <= 4 else number.translate(_DIGIT_KANJI)


def vertical_numbers(text: str, style: str = "kanji") -> str:
    """Arabic numbers as kanji for vertical writing: 1-2-3 → 一丁目二番三号 (style "kanji") or
    一―二―三 ("dash"); 12F → 十二階; other numbers (rooms: 501) digit by digit → 五〇一. Latin
    letters become full width, so they stand upright in the column."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)

    def block(match):
        parts = [p for p in match.groups() if p]
        after_chome = match.string[:match.start()].endswith("丁目")  # 七丁目1-1-1: 番地, 号 … already past 丁目
        if style == "kanji" and len(parts) == 3 and not after_chome:
            return f"{_positional(parts[0])}丁目{_positional(parts[1])}番{_positional(parts[2])}号"
        return "―".join(p.translate(_DIGIT_KANJI) if style == "dash" else _positional(p) for p in parts)

    text = _BLOCK.sub(block, text)
    text = _COUNTED.sub(lambda m: _short(m.group(1)) + ("階" if m.group(2) in ("F", "階") else m.group(2)), text)
    # One or two digits read as a number (十二); longer ones, room numbers, digit by digit (五〇一).
    text = re.sub(r"\d+", lambda m: _short(m.group(0)), text)
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" and ch != "-" else ("―" if ch == "-" else ch)
                   for ch in text)


# --- layout ----------------------------------------------------------------------------------------
# Every card is laid out before it is drawn: type shrinks step by step (never below MIN_SIZE) and
# lines break by `linebreak`'s rules until everything fits its region; a card that does not fit even
# then is reported by `too_long` and left out, never overprinted. Regions (mm from the top left):
# the address at the right (vertical) or top (horizontal), the name in the middle, and the sender's
# corner kept free whether or not the sender prints, so the print screen's report holds for both.
V_TOP, V_BOTTOM, V_RIGHT = 27.0, 128.0, 89.0  # vertical: the address's first column ends at V_RIGHT
V_NAME_LEFT = 32.0  # the name block stays right of the sender's columns (x < 29)
V_SENDER = (4.5, 29.0, 92.0, 135.0)  # left, right, top, bottom of the sender's columns
H_LEFT, H_RIGHT, H_TOP = 14.0, 90.0, 34.0  # horizontal: the address lines
H_NAME_LEFT, H_NAME_RIGHT, H_NAME_TOP, H_NAME_BOTTOM = 8.0, 92.0, 80.0, 117.0
H_SENDER = (8.0, 92.0, 119.0, 144.0)
GAP = 2.0  # between blocks

# (address, company lines) sizes, largest first: each card takes the first that fits.
V_STEPS = [(14.0, 11.0), (13.0, 10.5), (12.0, 10.0), (11.0, 9.5), (10.0, 9.0), (9.0, 8.0), (8.0, 7.5), (7.0, 7.0)]
H_STEPS = [(12.5, 11.0), (12.0, 10.5), (11.0, 10.0), (10.0, 9.5), (9.0, 9.0), (8.0, 8.0), (7.5, 7.5), (7.0, 7.0)]


@dataclass(frozen=True)
class Run:
    """One piece of text: horizontal (`x` its left, `y` its baseline) or vertical (`x` the column's
    centre, `y` its top)."""
    x: float
    y: float
    text: str
    size: float
    vertical: bool = False


def _block(r: Recipient, size: float, measure, room: float, wrap: bool):
    return blocks.addressee_lines(company=r.company, department=r.department, name=r.name, honorific=r.honorific,
                                  size=size, measure=measure, room=room, wrap=wrap)


def _aligned_sizes(r: Recipient, largest: float) -> list[float]:
    """Sizes for the name on one line per person (連名 aligned under one 様): all of them with joint
    names, else down to COMFORTABLE (below it the name takes two lines, family then given)."""
    return blocks.sizes(largest) if r.joint else [s for s in blocks.sizes(largest) if s >= COMFORTABLE]


# --- vertical ---------------------------------------------------------------------------------------
def _v_stack(texts, size, right, top, indent_next, step=1.35):
    """Columns of `texts` from `right` leftwards, each broken to fit down to V_BOTTOM; (runs, left edge) or None."""
    unit = em(size)
    runs, x = [], right - unit / 2
    for text, first_indent in texts:
        if not text:
            continue
        lines = break_lines(text, lambda t, i, f=first_indent: vertical_extent(t, size) <=
                            V_BOTTOM - top - (f + (indent_next if i else 0)) * unit)
        if lines is None:
            return None
        for index, line in enumerate(lines):
            runs.append(Run(x, top + (first_indent + (indent_next if index else 0)) * unit, line, size, True))
            x -= unit * step
    return runs, x + unit * step - unit / 2


def _v_name(r: Recipient, right: float):
    """The name block, centred on the card where it can be, else in the room left of `right`; the
    largest size that fits."""
    start = V_TOP + 4
    names = [r.name, *r.joint]
    largest = 22.0 if len(names) == 1 else 19.0
    family, _sep, given = r.name.partition("\u3000")
    for size in _aligned_sizes(r, largest) if r.name else []:
        unit = em(size)
        given_length = max([vertical_extent(g, size) for g in (given, *r.joint) if g] or [0.0])
        honorific_at = start + vertical_extent(family, size) + (unit + given_length if given_length else 0) \
            + unit * 0.5
        if honorific_at + vertical_extent(r.honorific, size) > V_BOTTOM:
            continue
        step = unit * 1.3
        width = unit + step * (len(names) - 1)
        centre = min(50.0, right - width / 2)
        if centre - width / 2 < V_NAME_LEFT:
            continue
        first_x = centre + width / 2 - unit / 2
        runs = []
        for index, name in enumerate(names):
            x = first_x - index * step
            if index == 0:
                runs.append(Run(x, start, family, size, True))
                if given:
                    runs.append(Run(x, start + vertical_extent(family, size) + unit, given, size, True))
            else:  # 連名: the given name under the main given name, with its own 様
                runs.append(Run(x, start + vertical_extent(family, size) + unit, name, size, True))
            runs.append(Run(x, honorific_at, r.honorific, size, True))
        return runs
    if r.joint:
        return None
    for size, wrap in blocks.candidates(largest):  # a company (御中), or a long name in two columns
        lines = _block(r, size, vertical_extent, V_BOTTOM - start, wrap)
        if lines is None:
            continue
        steps = [em(line.size) * 1.3 for line in lines]
        width = sum(steps[:-1]) + max(em(line.size) for line in lines)
        centre = min(50.0, right - width / 2)
        if centre - width / 2 < V_NAME_LEFT:
            continue
        x, runs = centre + width / 2, []
        for line, step in zip(lines, steps):
            runs.append(Run(x - em(line.size) / 2, start + line.indent * em(size), line.text, line.size, True))
            x -= step
        return runs
    return None


def _vertical_layout(r: Recipient, numbers: str) -> list[Run] | None:
    address, building = vertical_numbers(r.address, numbers), vertical_numbers(r.building, numbers)
    company, department, title = (vertical_numbers(t, numbers) for t in (r.company, r.department, r.title))
    addressee = replace(r, company=company, department=department)
    for address_size, company_size in V_STEPS:
        block = _v_stack([(address, 0), (building, 3)], address_size, V_RIGHT, V_TOP, 1)
        if block is None:
            continue
        runs, left = block
        if r.name:  # the company, department and title between the address and the name
            top = V_TOP + 2 * em(company_size)
            texts = blocks.affiliation(company, department, title,
                                       lambda t: vertical_extent(t, company_size) <= V_BOTTOM - top)
            if texts:
                stacked = _v_stack([(t, 0) for t in texts], company_size, left - GAP, top, 0, step=1.4)
                if stacked is None:
                    continue
                runs, left = runs + stacked[0], stacked[1]
        name = _v_name(addressee, left - GAP * 1.5)
        if name is not None:
            return runs + name
    return None


# --- horizontal ---------------------------------------------------------------------------------------
def _h_lines(texts, size, face, y, left, right, leading=1.45):
    """Lines of `texts` from baseline after `y`, broken to fit `left`–`right`; (runs, last baseline) or None."""
    runs = []
    for text in texts:
        if not text:
            continue
        lines = break_lines(text, lambda t, i: text_width(t, size, face) <= right - left)
        if lines is None:
            return None
        for line in lines:
            y += em(size) * leading
            runs.append(Run(left, y, line, size))
    return runs, y


def _h_name(r: Recipient, face: str, after: float):
    """The name block below `after` (the last baseline above it), centred on the card, the largest size that fits."""

    def width(text, size):
        return text_width(text, size, face)

    centre = (H_NAME_LEFT + H_NAME_RIGHT) / 2
    names = [r.name, *r.joint]
    largest = 20.0 if len(names) == 1 else 17.0
    family, _sep, given = r.name.partition("\u3000")
    for size in _aligned_sizes(r, largest) if r.name else []:
        unit = em(size)
        y = max(after + unit * 1.45 + 6, H_NAME_TOP)
        family_width = width(family + ("\u3000" if given else ""), size)
        given_width = max([width(g, size) for g in (given, *r.joint) if g] or [0.0])
        honorific_width = width("\u3000" + r.honorific, size)
        left = centre - (family_width + given_width + honorific_width) / 2
        if left < H_NAME_LEFT or y + unit * 1.5 * (len(names) - 1) > H_NAME_BOTTOM:
            continue
        runs = []
        for index, name in enumerate(names):
            line_y = y + unit * 1.5 * index
            if index == 0:
                runs.append(Run(left, line_y, family + ("\u3000" if given else ""), size))
                if given:
                    runs.append(Run(left + family_width, line_y, given, size))
            else:
                runs.append(Run(left + family_width, line_y, name, size))
            runs.append(Run(left + family_width + given_width, line_y, "\u3000" + r.honorific, size))
        return runs
    if r.joint:
        return None
    for size, wrap in blocks.candidates(largest):  # a company (御中), or a long name on two lines
        lines = _block(r, size, width, H_NAME_RIGHT - H_NAME_LEFT, wrap)
        if lines is None:
            continue
        y = max(after + em(lines[0].size) * 1.45 + 6, H_NAME_TOP)
        left = centre - max(width(line.text, line.size) + line.indent * em(size) for line in lines) / 2
        runs = []
        for index, line in enumerate(lines):
            if index:
                y += em(line.size) * 1.4
            runs.append(Run(left + line.indent * em(size), y, line.text, line.size))
        if y <= H_NAME_BOTTOM:
            return runs
    return None


def _horizontal_layout(r: Recipient, face: str) -> list[Run] | None:
    for address_size, company_size in H_STEPS:
        block = _h_lines([r.address, r.building], address_size, face, H_TOP, H_LEFT, H_RIGHT)
        if block is None:
            continue
        runs, y = block
        if r.name:
            texts = blocks.affiliation(r.company, r.department, r.title,
                                       lambda t: text_width(t, company_size, face) <= H_RIGHT - H_LEFT)
            company = _h_lines(texts, company_size, face, y, H_LEFT, H_RIGHT)
            if company is None:
                continue
            runs, y = runs + company[0], company[1]
        name = _h_name(r, face, y)
        if name is not None:
            return runs + name
    return None


# --- the sender (自社) in the bottom left ----------------------------------------------------------------
def _postal_display(code: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code or ""))
    return f"〒{digits[:3]}-{digits[3:]}" if len(digits) == 7 else (f"〒{code}" if code else "")


def _sender_layout(sender: Sender, *, vertical: bool, face: str, numbers: str) -> list[Run] | None:
    if vertical:
        left, right, top, bottom = V_SENDER
        texts = [vertical_numbers(t, numbers) for t in (sender.address, sender.name) if t]
        for size in blocks.sizes(9.0):
            unit = em(size)
            runs, x = [], right - unit / 2
            for text in texts:
                lines = break_lines(text, lambda t, i: vertical_extent(t, size) <= bottom - top)
                for line in lines or []:
                    runs.append(Run(x, top, line, size, True))
                    x -= unit * 1.4
                if lines is None:
                    break
            else:
                if x + unit * 1.4 - unit / 2 >= left:
                    postal = _postal_display(sender.postal_code)
                    return runs + ([Run(8.0, 140.0, postal, 8.5)] if postal else [])
        return None
    left, right, top, bottom = H_SENDER
    for size in blocks.sizes(8.5):
        lines = _h_lines([_postal_display(sender.postal_code), sender.address, sender.name, sender.tel], size, face,
                         top, left, right, leading=1.4)
        if lines is not None and lines[1] <= bottom:
            return lines[0]
    return None


def sender_fits(sender: Sender, *, vertical: bool, numbers: str = "kanji") -> bool:
    """Whether the sender block fits its corner of the card (its type shrinks to MIN_SIZE first)."""
    return _sender_layout(sender, vertical=vertical, face=fonts.registered()["mincho"], numbers=numbers) is not None


# --- drawing ----------------------------------------------------------------------------------------
def _postal(pdf: Sheet, code: str, dx: float, dy: float) -> None:
    pdf.centred([(left + BOX_WIDTH / 2 + dx, BOX_TOP + BOX_HEIGHT - 1.6 + dy, digit)
                 for left, digit in zip(postal_boxes(), code)], size=15.0)


def _layout(recipient: Recipient, *, vertical: bool, face: str, numbers: str) -> list[Run] | None:
    return _vertical_layout(recipient, numbers) if vertical else _horizontal_layout(recipient, face)


def too_long(recipient: Recipient, *, vertical: bool, numbers: str = "kanji") -> bool:
    """A card whose address or name does not fit even in MIN_SIZE type: it is reported, not printed."""
    return _layout(recipient, vertical=vertical, face=fonts.registered()["mincho"], numbers=numbers) is None


def _draw(pdf: Sheet, runs: list[Run], *, face: str, dx: float, dy: float) -> None:
    for run in runs:
        if run.vertical:
            pdf.vertical(run.x + dx, run.y + dy, run.text, size=run.size, face=face)
        else:
            pdf.text(run.x + dx, run.y + dy, run.text, size=run.size, face=face)


def postcards_pdf(recipients: list[Recipient], *, vertical: bool, face: str, numbers: str = "kanji",
                  sender: Sender | None = None, offset=(0.0, 0.0), on_page=None) -> bytes:
    """One card per recipient; a recipient that does not fit (`too_long`) is left out."""
    pdf = Sheet(WIDTH, HEIGHT, title=_("Postcards"))
    dx, dy = float(offset[0]), float(offset[1])
    sender_runs = _sender_layout(sender, vertical=vertical, face=face, numbers=numbers) if sender else []
    first = True
    for recipient in recipients:
        runs = _layout(recipient, vertical=vertical, face=face, numbers=numbers)
        if runs is None:
            continue
        if not first:
            pdf.next_page()
            if on_page:
                on_page()
        first = False
        _postal(pdf, recipient.postal_code, dx, dy)
        _draw(pdf, runs + (sender_runs or []), face=face, dx=dx, dy=dy)
    return pdf.pdf()

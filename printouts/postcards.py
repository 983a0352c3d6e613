"""Postcards (P4): 官製はがき, 100 × 148 mm, horizontal or vertical (縦書き).

The postal code goes into the seven printed boxes: each 5.7 × 8.0 mm, 47.7 mm wide in all,
1.3 mm apart within the first three, 1.9 mm between the third and fourth, 1.1 mm within the
last four; the boxes start 12.0 mm from the top edge and end 8.0 mm from the right edge.
Vertical cards write the address top to bottom in right-to-left columns, numbers as kanji
numerals, the building in its own column, the name centred and larger with 様, joint names
(連名) beside it under the same honorific line, company lines in corporate mode.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from kanjize import number2kanji

from .addressing import Recipient
from .render import Sheet, text_width

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
        if style == "kanji" and len(parts) == 3:
            return f"{_positional(parts[0])}丁目{_positional(parts[1])}番{_positional(parts[2])}号"
        return "―".join(p.translate(_DIGIT_KANJI) if style == "dash" else _positional(p) for p in parts)

    text = _BLOCK.sub(block, text)
    text = _COUNTED.sub(lambda m: _short(m.group(1)) + ("階" if m.group(2) in ("F", "階") else m.group(2)), text)
    # One or two digits read as a number (十二); longer ones, room numbers, digit by digit (五〇一).
    text = re.sub(r"\d+", lambda m: _short(m.group(0)), text)
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" and ch != "-" else ("―" if ch == "-" else ch)
                   for ch in text)


# --- drawing ----------------------------------------------------------------------------------------
def _postal(pdf: Sheet, code: str, dx: float, dy: float) -> None:
    size = 15.0
    for left, digit in zip(postal_boxes(), code):
        pdf.text(left + BOX_WIDTH / 2 + dx, BOX_TOP + BOX_HEIGHT - 1.6 + dy, digit, size=size, align="center")


def _postal_display(code: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code or ""))
    return f"〒{digits[:3]}-{digits[3:]}" if len(digits) == 7 else (f"〒{code}" if code else "")


def _em(size: float) -> float:
    return size * 25.4 / 72


def _columns(text: str, per_column: int) -> list[str]:
    return [text[i:i + per_column] for i in range(0, len(text), per_column)] or [""]


def _vertical_card(pdf: Sheet, r: Recipient, *, face: str, numbers: str, sender: Sender | None, dx: float,
                   dy: float) -> None:
    _postal(pdf, r.postal_code, dx, dy)
    top, bottom = 27.0 + dy, 128.0 + dy
    # Address: right-hand columns; a long one continues one character lower in the next column.
    size = 14.0
    em = _em(size)
    x = 86.0 + dx
    per_column = int((bottom - top) // em)
    for index, column in enumerate(_columns(vertical_numbers(r.address, numbers), per_column)):
        pdf.vertical(x, top + (em if index else 0), column, size=size, face=face)
        x -= em * 1.35
    if r.building:
        for column in _columns(vertical_numbers(r.building, numbers), per_column - 3):
            pdf.vertical(x, top + em * 3, column, size=size, face=face)
            x -= em * 1.35
    # Company, department and title between the address and the name.
    small = 11.0
    for line in (r.company if r.name else "", " ".join(t for t in (r.department, r.title) if t)):
        if line:
            pdf.vertical(x - 1.5, top + _em(small) * 2, vertical_numbers(line, numbers), size=small, face=face)
            x -= _em(small) * 1.5
    # The name, centred between what is left on the right and the left edge, larger.
    names = [r.name, *r.joint] if r.name else [r.company]
    name_size = 22.0 if len(names) == 1 else 19.0
    nem = _em(name_size)
    family, _sep, given = (r.name.partition("\u3000") if r.name else (r.company, "", ""))
    given_length = max([len(given), *(len(j) for j in r.joint)] or [0])
    length = len(family) + (1 + given_length if given_length else 0) + 1.5
    pitch = min(nem, (bottom - top - 4) / max(length, 1))
    columns_width = nem * 1.3 * len(names)
    centre = min(50.0 + dx, x - 2 - columns_width / 2)
    start = top + 4
    first_x = centre + columns_width / 2 - nem * 0.65
    honorific_at = start + (len(family) + (1 + given_length if given_length else 0) + 0.5) * pitch
    for index, name in enumerate(names):
        column_x = first_x - index * nem * 1.3
        if index == 0:
            pdf.vertical(column_x, start, family, size=name_size, face=face, pitch=pitch)
            if given:
                pdf.vertical(column_x, start + (len(family) + 1) * pitch, given, size=name_size, face=face, pitch=pitch)
        else:  # 連名: the given name under the main given name, with its own 様
            pdf.vertical(column_x, start + (len(family) + 1) * pitch, name, size=name_size, face=face, pitch=pitch)
        pdf.vertical(column_x, honorific_at, r.honorific, size=name_size, face=face, pitch=pitch)
    if sender:
        _vertical_sender(pdf, sender, face=face, numbers=numbers, dx=dx, dy=dy)


def _vertical_sender(pdf: Sheet, sender: Sender, *, face: str, numbers: str, dx: float, dy: float) -> None:
    size = 9.0
    em = _em(size)
    x = 26.0 + dx
    for text in (sender.address, sender.name):
        if text:
            for column in _columns(vertical_numbers(text, numbers), int(40 // em)):
                pdf.vertical(x, 92.0 + dy, column, size=size, face=face)
                x -= em * 1.4
    if sender.postal_code:
        pdf.text(8.0 + dx, 140.0 + dy, _postal_display(sender.postal_code), size=8.5, face=face)


def _horizontal_card(pdf: Sheet, r: Recipient, *, face: str, sender: Sender | None, dx: float, dy: float) -> None:
    from .text import wrap

    _postal(pdf, r.postal_code, dx, dy)
    x, y, width = 14.0 + dx, 34.0 + dy, 76.0
    for part, size in ((r.address, 12.5), (r.building, 12.5), (r.company if r.name else "", 11.0),
                       (" ".join(t for t in (r.department, r.title) if t), 11.0)):
        for line in wrap(part, lambda t, s=size: text_width(t, s, face) <= width):
            y += _em(size) * 1.45
            pdf.text(x, y, line, size=size, face=face)
    names = [r.name, *r.joint] if r.name else [r.company]
    size = 20.0 if len(names) == 1 else 17.0
    family, _sep, given = (r.name.partition("\u3000") if r.name else (r.company, "", ""))
    y = max(y + 14, 80.0 + dy)
    family_width = text_width(family + "\u3000", size, face)
    given_width = max([text_width(g, size, face) for g in [given, *r.joint] if g] or [0])
    honorific_width = text_width("\u3000" + r.honorific, size, face)
    left = 50.0 + dx - (family_width + given_width + honorific_width) / 2
    for index, name in enumerate(names):
        if index == 0:
            pdf.text(left, y, family + ("\u3000" if given else ""), size=size, face=face)
            if given:
                pdf.text(left + family_width, y, given, size=size, face=face)
        else:
            pdf.text(left + family_width, y, name, size=size, face=face)
        pdf.text(left + family_width + given_width, y, "\u3000" + r.honorific, size=size, face=face)
        y += _em(size) * 1.5
    if sender:
        lines = [_postal_display(sender.postal_code), sender.address, sender.name, sender.tel]
        y = 122.0 + dy
        for line in (line for line in lines if line):
            pdf.text(8.0 + dx, y, line, size=8.5, face=face)
            y += 4.2


def too_long(recipient: Recipient) -> bool:
    """An address the vertical card cannot hold in two columns (plus the building's)."""
    per_column = int((128.0 - 27.0) // _em(14.0))
    return len(vertical_numbers(recipient.address)) > 2 * per_column or \
        len(vertical_numbers(recipient.building)) > 2 * (per_column - 3)


def postcards_pdf(recipients: list[Recipient], *, vertical: bool, face: str, numbers: str = "kanji",
                  sender: Sender | None = None, offset=(0.0, 0.0), on_page=None) -> bytes:
    pdf = Sheet(WIDTH, HEIGHT, title=_("Postcards"))
    dx, dy = float(offset[0]), float(offset[1])
    for index, recipient in enumerate(recipients):
        if index:
            pdf.next_page()
            if on_page:
                on_page()
        if vertical:
            _vertical_card(pdf, recipient, face=face, numbers=numbers, sender=sender, dx=dx, dy=dy)
        else:
            _horizontal_card(pdf, recipient, face=face, sender=sender, dx=dx, dy=dy)
    return pdf.pdf()

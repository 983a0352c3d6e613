"""Line breaking for addresses and names on labels and postcards: pure functions, no PDF.

Two rules decide where a line (or a vertical column) may end:
- 禁則 (kinsoku): a line never starts with a closing bracket, a punctuation mark, a long-vowel
  mark or a small kana (ー、。）」ャュョッ …), and never ends with an opening bracket.
- A number stays whole with what belongs to it: 721-1, 一丁目七番五号, 十二階, １２０３号室,
  七百二十一―一, B1F. Arabic, full-width and kanji numerals, the dashes between them and the
  counters after them (丁目, 番地, 番, 号, 号室, 階, F …) make one unbreakable run.

`units` cuts a text into the pieces no line may split; `break_lines` fills lines with them (a last
line of one character takes the unit before it along) and answers None when a piece cannot fit a
line on its own, so the caller shrinks the type or reports the text: nothing is ever cut inside a
number or overprinted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

# 行頭禁則: never at the head of a line (or a vertical column).
NO_HEAD = frozenset(
    "ー、。，．,.)）]］}｝」』】〕〉》〙〗〟’”｠»"
    "‐–〜～・･：；:;！？!?ゝゞヽヾ々〻"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    "︑︒︐︶︸︺︼︾﹀﹂﹄﹈"  # the vertical forms of the same marks
)
# 行末禁則: never at the end of a line.
NO_TAIL = frozenset("(（[［{｛「『【〔〈《〘〖〝‘“｟«︵︷︹︻︽︿﹁﹃﹇")

NUMERALS = "0-9０-９〇一二三四五六七八九十百千"
COUNTERS = ("丁目", "番地", "番町", "号室", "号館", "号棟", "番", "号", "階", "F", "Ｆ", "地割", "条", "線")
DASHES = "-‐‑‒–—―−－ー"
_LETTERS = "A-Za-zＡ-Ｚａ-ｚ"
_PIECE = f"[{_LETTERS}]*[{NUMERALS}]+(?:{'|'.join(COUNTERS)})?"
_NUMBER = re.compile(f"{_PIECE}(?:[{DASHES}]?{_PIECE})*(?:[{_LETTERS}]+(?![{NUMERALS}]))?")
_WORD = re.compile(f"[{_LETTERS}'&.]+")
_SPACE = re.compile(r"\s+")

Fits = Callable[[str, int], bool]  # (a line's text, its index) → whether it fits


def number_runs(text: str) -> list[str]:
    """The runs of `text` that must stay on one line: 721-1, 一丁目七番五号, 12F …"""
    return [m.group(0) for m in _NUMBER.finditer(text)]


def _pieces(text: str) -> list[str]:
    """Numbers, Latin words, runs of spaces and single characters, in order."""
    pieces, at = [], 0
    while at < len(text):
        for pattern in (_NUMBER, _WORD, _SPACE):
            match = pattern.match(text, at)
            if match:
                pieces.append(match.group(0))
                at = match.end()
                break
        else:
            pieces.append(text[at])
            at += 1
    return pieces


def _kinsoku(pieces: list[str]) -> list[str]:
    """Glues a piece that may not start a line to the one before, and one that may not end a line
    to the one after."""
    glued: list[str] = []
    for piece in pieces:
        if glued and not piece.isspace() and piece[0] in NO_HEAD and not glued[-1].isspace():
            glued[-1] += piece
        elif glued and not glued[-1].isspace() and glued[-1][-1] in NO_TAIL:
            glued[-1] += piece
        else:
            glued.append(piece)
    return glued


def units(text: str) -> list[str]:
    """The pieces of `text` no line may split (spaces are their own pieces, where a line may break)."""
    return list(_units(text))


@lru_cache(maxsize=4096)
def _units(text: str) -> tuple[str, ...]:
    # remembered: break_balanced breaks the same text at a dozen widths, for each size tried
    return tuple(_kinsoku(_pieces(text)))


def _splittable(unit: str) -> bool:
    """A long word without a number may be cut between characters (still obeying kinsoku)."""
    return not _NUMBER.search(unit)


def break_lines(text: str, fits: Fits, *, tail: str = "") -> list[str] | None:
    """`text` in lines for which `fits(line, index)` holds, broken greedily between units.

    `tail` (an honorific: 「　様」, 「　御中」) ends the last line and never stands alone. Spaces
    at a break are dropped. None when a unit cannot fit on a line of its own.
    """
    pieces = units(text.strip())
    if tail:
        if pieces:
            pieces[-1] += tail
        else:
            pieces = [tail.strip()]
    lines: list[str] = []
    line = ""
    queue = list(reversed(pieces))
    while queue:
        unit = queue.pop()
        if unit.isspace():
            if line:
                line += unit
            continue
        if fits(line + unit, len(lines)):
            line += unit
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
            if fits(unit, len(lines)):
                line = unit
                continue
        smaller = _kinsoku(list(unit)) if _splittable(unit) else [unit]
        if len(smaller) < 2:
            return None
        queue.extend(reversed(smaller))
    if line.strip():
        lines.append(line.rstrip())
    return _without_orphan(lines, fits)


def _without_orphan(lines: list[str], fits: Fits) -> list[str]:
    """A last line of one character (…グルー / プ) takes the unit before it along, when that fits."""
    if len(lines) < 2 or len(lines[-1]) != 1:
        return lines
    before = units(lines[-2])
    if len(before) < 2:
        return lines
    kept, moved = "".join(before[:-1]).rstrip(), before[-1]
    if kept and fits(kept, len(lines) - 2) and fits(moved + lines[-1], len(lines) - 1):
        return [*lines[:-2], kept, moved + lines[-1]]
    return lines


def break_balanced(text: str, measure: Callable[[str], float], width: float, *, tail: str = "",
                   indent: float = 0.0) -> list[str] | None:
    """As `break_lines` within `width`, with the lines made as even as the same count of lines
    allows (a name in two lines of 8 and 9 characters, not 15 and 2). Lines after the first are
    `indent` narrower."""

    def at(limit):
        return break_lines(text, lambda line, index: measure(line) <= limit - (indent if index else 0), tail=tail)

    lines = at(width)
    if lines is None or len(lines) < 2:
        return lines
    low, high = 0.0, width  # the narrowest width that still gives as few lines
    for _ in range(12):
        middle = (low + high) / 2
        trial = at(middle)
        if trial is not None and len(trial) <= len(lines):
            high = middle
        else:
            low = middle
    return at(high)


# 法人格: a long company name breaks after it before anywhere else (特定非営利活動法人 / 日本…協会).
_LEGAL_FORM = re.compile(
    r"^(?:株式会社|有限会社|合同会社|合名会社|合資会社|"
    r"(?:特定非営利活動|一般社団|一般財団|公益社団|公益財団|社会福祉|学校|医療|宗教|独立行政|地方独立行政|"
    r"国立大学|税理士|弁護士|監査|司法書士|行政書士|社会保険労務士|農事組合|社会医療)法人(?:社団|財団)?)"
)


def legal_form(company: str) -> tuple[str, str]:
    """(法人格 in front, the rest): ('特定非営利活動法人', '日本さっぽろ国際交流文化振興協会');
    ('', company) when it does not start with one or nothing follows it."""
    match = _LEGAL_FORM.match(company)
    if not match or not company[match.end():].strip():
        return "", company
    return match.group(0), company[match.end():].strip(" \u3000")

"""The addressee's lines on a label or postcard, the same rules for both (P3, P4, P5); pure, measured
by the caller, so the same code serves horizontal lines and vertical columns.

- A company without a person: its name, then its department with 御中 (株式会社ミドリ電機 / 総務部 御中).
  A long name breaks after its legal form first (特定非営利活動法人 / 日本さっぽろ国際交流文化振興協会 御中),
  the legal form smaller; otherwise into two even lines.
- A person whose name does not fit one line: family name, then given name with 様.
- The honorific never stands alone on a line; a line after the first is indented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .linebreak import break_balanced, legal_form

MIN_SIZE = 7.0  # the smallest type (pt) a label or postcard shrinks to; what does not fit then is reported
COMFORTABLE = 14.0  # a postcard's name shrinks to this on one line before it takes two

Measure = Callable[[str, float], float]  # (text, size in pt) → its length in mm along the line


@dataclass(frozen=True)
class BlockLine:
    text: str
    size: float
    indent: float = 0.0  # in em of the block's size, from the line's start


def em(size: float) -> float:
    """The character square of `size` points, in millimetres."""
    return size * 25.4 / 72


def sizes(largest: float, step: float = 1.0) -> list[float]:
    """`largest`, then smaller by `step`, down to MIN_SIZE."""
    found, size = [], largest
    while size > MIN_SIZE + 1e-9:
        found.append(size)
        size -= step
    return [*found, MIN_SIZE]


def candidates(largest: float) -> list[tuple[float, bool]]:
    """(size, wrap) in the order a postcard's addressee tries them: one line down to COMFORTABLE, then two."""
    return [(s, False) for s in sizes(largest) if s >= COMFORTABLE] + [(s, True) for s in sizes(largest)]


def addressee_lines(*, company: str, department: str, name: str, honorific: str, size: float, measure: Measure,
                    room: float, wrap: bool) -> list[BlockLine] | None:
    """The addressee as lines of at most `room` mm; None when they do not fit at `size`. Without
    `wrap` each part keeps one line (the legal form may still go smaller on a line of its own)."""

    def fits(text, indent, at=size):
        return measure(text, at) <= room - indent * em(size)

    def part(text, indent, tail):
        if fits(text + tail, indent):
            return [BlockLine(text + tail, size, indent)]
        if not wrap:
            return None
        lines = break_balanced(text, lambda t: measure(t, size), room - indent * em(size), tail=tail, indent=em(size))
        if lines is None or len(lines) > 2:
            return None
        return [BlockLine(line, size, indent + (1 if index else 0)) for index, line in enumerate(lines)]

    honorific = f"\u3000{honorific}" if honorific else ""
    if name:
        if fits(name + honorific, 0):
            return [BlockLine(name + honorific, size)]
        family, _sep, given = name.partition("\u3000")
        if wrap and given and fits(family, 0) and fits(given + honorific, 1):
            return [BlockLine(family, size), BlockLine(given + honorific, size, 1)]
        return None
    tail = "" if department else honorific
    lines = None
    prefix, rest = legal_form(company)
    if prefix and not fits(company + tail, 0):
        small = max(MIN_SIZE, size * 0.7)
        rest_lines = part(rest, 1, tail) if fits(prefix, 0, small) else None
        lines = [BlockLine(prefix, small), *rest_lines] if rest_lines else None
    if lines is None:
        lines = part(company, 0, tail)
    if lines is None:
        return None
    if department:
        department_lines = part(department, 2, honorific)
        if department_lines is None:
            return None
        lines += department_lines
    return lines


def affiliation(company: str, department: str, title: str, fits_one: Callable[[str], bool]) -> list[str]:
    """The lines above a person's name: the company, then 部署 and 役職 on one line, or on one
    line each when together they do not fit one."""
    together = " ".join(t for t in (department, title) if t)
    parts = [company, together] if fits_one(together) else [company, department, title]
    return [t for t in parts if t]

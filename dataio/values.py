"""Cell values as Excel users write them, and back: one parser and one formatter per kind.

Every parser takes what a CSV or xlsx cell holds (text, or a number or date from xlsx) and
returns the stored value, or raises ValueError with a reason in the user's language.
`guard` / `unguard` neutralize spreadsheet formulas without losing data (see guard).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import jaconv
from django.utils.translation import gettext as _

from crm import dates
from crm.dates import parse_date

TRUE_WORDS = {"1", "○", "〇", "◯", "●", "✓", "✔", "true", "yes", "y", "on", "はい", "有", "あり", "済", "する"}
FALSE_WORDS = {"", "0", "×", "✕", "✗", "-", "false", "no", "n", "off", "いいえ", "無", "なし", "未", "しない"}
TRUE_MARK = "○"

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")


def guard(text: str) -> str:
    """A text cell Excel shows as text: a formula-like value gets a leading apostrophe.

    A value that already starts with apostrophes before a formula character gets one more, so
    unguard() gives every stored value back exactly: '=1 → ''=1 → '=1.
    """
    if text and (text.startswith(FORMULA_STARTS) or _GUARDED.match(text)):
        return "'" + text
    return text


def unguard(text: str) -> str:
    return text[1:] if text[:1] == "'" and _GUARDED.match(text) else text


def guard_quotes(text: str) -> str:
    """For a file whose cells are text (xlsx), where a formula needs no apostrophe: only a value the
    import would take an apostrophe off ('=1) gets one more, so it comes back exactly."""
    return "'" + text if _GUARDED.match(text) else text


def as_text(value) -> str:
    """A cell's text where spaces around it do not count: a code, a master, a choice, a date, a
    number, a checked format (phone, postal code, kana, email)."""
    if type(value) is str:  # every CSV cell: the fast path
        text = value.strip()
        return text[1:] if text[:1] == "'" and _GUARDED.match(text) else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # xlsx keeps 0312345678 typed as a number as 312345678.0
    return unguard(str(value).strip())


def cell_text(value) -> str:
    """A free-text cell as it is stored: exactly what the cell holds, spaces, TAB and CR at either
    end included (a TAB before a formula is kept), but the apostrophe Kokyaku's own export puts
    before a formula-like value (issue 22 point 12): exporting and importing gives the value back."""
    if type(value) is str:
        return value[1:] if value[:1] == "'" and _GUARDED.match(value) else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unguard(str(value))


_PLAIN_BOOLS = {"": False, "0": False, "1": True, TRUE_MARK: True}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    try:
        return _PLAIN_BOOLS[value]  # what Kokyaku's own export writes, and most files
    except (KeyError, TypeError):
        pass
    text = jaconv.z2h(as_text(value), kana=False, ascii=True, digit=True).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Use 1 or 0, ○ or ×, TRUE or FALSE."))


def format_bool(value: bool) -> str:
    return TRUE_MARK if value else ""


def parse_date_cell(value):
    """西暦 or 和暦 (1985/4/1, S60.4.1, 昭和60年4月1日…), by the one parser of every screen (crm/dates.py)."""
    try:
        return parse_date(as_text(value) if isinstance(value, str) else value)
    except dates.DateInputError as error:
        raise ValueError(str(error.message)) from None
    except ValueError:
        raise ValueError(str(dates.NOT_A_DATE)) from None


def format_date(value) -> str:
    # Always 西暦 2026/12/03, whatever the screens show: Excel reads it as a date, and a file
    # exported and imported again keeps its dates (J2 leaves exports as they were).
    return dates.format_date(value, style=dates.WESTERN) if value else ""


def parse_decimal(value) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = jaconv.z2h(as_text(value), kana=False, ascii=True, digit=True)
    text = text.replace(",", "").replace("¥", "").replace("\\", "").replace("円", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Not a number.")) from None


def parse_int(value) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(_("Write a whole number."))
    return int(number)


def format_number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        text = format(value, "f")
        return text
    return str(value)

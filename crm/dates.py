"""Dates as Japanese users type them (one parser) and as every screen shows them (one format).

Parsing, for every input path (forms, imports, the API):
1985/4/1, 1985/04/01, 1985-04-01, 1985.4.1, 1985年4月1日, 19850401, and Excel's own date
cells. 和暦 (昭和60年4月1日) joins here with data entry's J2 parser, so forms and imports
keep one parser.

Display: 2026/02/06 and 2026/02/06 14:05 (Tokyo time). Templates and the admin get the same
from config/formats/ja (DATE_FORMAT, DATETIME_FORMAT); code that builds text calls
format_date / format_datetime here.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone

import jaconv

_SEPARATED = re.compile(r"^(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# What Excel writes after a date when a cell holds a date and time: 1985/04/01 0:00(:00)
_TIME_TAIL = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")


def parse_date(value) -> date | None:
    """The date in `value`, or None for an empty value. Raises ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = jaconv.z2h(str(value), kana=False, ascii=True, digit=True).strip()
    if not text:
        return None
    text = _TIME_TAIL.sub("", text)
    match = _SEPARATED.match(text) or _COMPACT.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)  # ValueError for 2月30日


DATE_DISPLAY = "%Y/%m/%d"
DATETIME_DISPLAY = "%Y/%m/%d %H:%M"


def format_date(value) -> str:
    """2026/02/06; "" for None. A datetime shows its Tokyo date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime(DATE_DISPLAY)


def format_datetime(value) -> str:
    """2026/02/06 14:05 in Tokyo time; "" for None."""
    if value is None:
        return ""
    return _local(value).strftime(DATETIME_DISPLAY)


def today() -> date:
    """Today in the configured time zone (Asia/Tokyo), not the server's."""
    return timezone.localdate()


def age_on(birth: date | None, on: date | None = None) -> int | None:
    """Full years from `birth` to `on` (today in Tokyo); None without a birth date or before it.
    Born on 29 February: a year older on 1 March in common years, as Japanese law counts."""
    if birth is None:
        return None
    on = on or today()
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return years if years >= 0 else None


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value

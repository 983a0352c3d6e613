"""Dates as Japanese users type them, for every input path (forms, imports, the API).

1985/4/1, 1985/04/01, 1985-04-01, 1985.4.1, 1985年4月1日, 19850401, and Excel's own date
cells. 和暦 (昭和60年4月1日) joins here with data entry's J2 parser, so forms and imports
keep one parser.
"""

from __future__ import annotations

import re
from datetime import date, datetime

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

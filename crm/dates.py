"""Dates as Japanese users type them (one parser) and as every screen shows them (one format).

Parsing, for every input path (the card's date inputs, the search screen, imports, the API):
西暦 1985/4/1, 1985/04/01, 1985-04-01, 1985.4.1, 1985年4月1日, 19850401, and Excel's own date
cells; 和暦 (J2) 昭和60年4月1日, 令和元年5月1日, S60.4.1, s60/4/1, R7-1-1, 昭60.4.1, ㍼60.4.1.
Full-width digits and letters are read as half-width. A 和暦 date outside its era (平成32年,
令和元年4月30日) is refused with a message that says so (DateInputError.message).

Display (J2): the office chooses 西暦 (2026/02/06) or 和暦 (令和8年2月6日) on the システム設定
screen (SystemSetting.date_display); format_date follows it, read from the cached configuration
(fieldconfig.lookup.config, loaded once per request). Exports pass style=WESTERN so files stay
what Excel reads as dates. Timestamps (format_datetime: 登録日時, 更新日時, 印刷日時) stay
2026/02/06 14:05 in both. Templates that use Django's own date formats (config/formats/ja)
show 西暦; screens that show a record's date call format_date (or the `jdate` filter).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldconfig.lookup import config

WESTERN = "western"
JAPANESE = "japanese"


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    first: date  # the era's first day
    last: date | None  # the last day a date may be written in this era; None: the current era


# The modern eras, as Windows' era registry (HKLM\...\Nls\Calendars\Japanese\Eras) and the
# 元号法 notices have them. A table of our own rather than japanera's (2.1.3): its parser reads
# none of the forms offices type (full-width digits, s60.4.1, 元年 with a numeric format) and
# cannot tell "平成32年" from "not a date", and its 明治 starts on 1868-01-23, a day that is
# neither the 改元 (1868-10-23) nor 慶応4年1月1日 (1868-01-25). Dates before 1873 were
# lunisolar anyway; 明治 here counts proleptic Gregorian years from 1868-01-01, as Windows does.
# 大正 and 昭和 began on the day the emperor died, so that day is written in either era
# (明治45年7月30日 = 大正元年7月30日) and is shown in the new one. 平成 and 令和 began the day
# after the last day of the era before (昭和64年1月7日 → 平成元年1月8日, 平成31年4月30日 →
# 令和元年5月1日).
ERAS = (
    Era("明治", "M", date(1868, 1, 1), date(1912, 7, 30)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 25)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_BY_KEY = {key: era for era in ERAS for key in (era.name, era.name[0], era.letter)}

NOT_A_DATE = _("Not a date. Enter it as 1985/4/1, 1985-04-01, S60.4.1 or 昭和60年4月1日.")


class DateInputError(ValueError):
    """A typed date that cannot be read; `message` says why, in the user's language. `code` is
    "invalid" for text that is no date at all or a day that does not exist (2月30日), "era" for a
    和暦 date outside its era (平成32年, 令和元年4月30日) or in year 0."""

    def __init__(self, message=NOT_A_DATE, code="invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


_SEPARATED = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_DATE = re.compile(
    r"^(明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHR])(\d{1,2}|元)[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$", re.IGNORECASE
)
# What Excel writes after a date when a cell holds a date and time: 1985/04/01 0:00(:00)
_TIME_TAIL = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
# Dashes NFKC leaves as they are (typed from IMEs): read as "-".
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー"})
_SPACES = re.compile(r"\s+")


def parse_date(value) -> date | None:
    """The date in `value`, or None for an empty value. Raises DateInputError (a ValueError)
    for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # NFKC: full-width digits and letters, ．／－, and the era ligatures ㍼ ㍻ ㋿ become plain.
    text = unicodedata.normalize("NFKC", str(value)).translate(_DASHES).strip()
    if not text:
        return None
    text = _SPACES.sub("", _TIME_TAIL.sub("", text))
    if match := _ERA_DATE.match(text):
        return _era_date(value, *match.groups())
    match = _SEPARATED.match(text) or _COMPACT.match(text)
    if not match:
        raise DateInputError()
    year, month, day = (int(part) for part in match.groups())
    return _date(year, month, day, value)


def _era_date(typed, era_key: str, era_year: str, month: str, day: str) -> date:
    era = _BY_KEY[era_key.upper() if era_key.isascii() else era_key]
    year = 1 if era_year == "元" else int(era_year)
    typed = str(typed).strip()
    if year < 1:
        raise DateInputError(_("Japanese era years start at 1 (元年): %(typed)s is not a date.") % {"typed": typed},
                             code="era")
    result = _date(era.first.year + year - 1, int(month), int(day), typed)
    if result < era.first:
        raise DateInputError(_("%(era)s began on %(first)s: %(typed)s is before it.") % {
            "era": era.name, "first": format_era(era.first, era), "typed": typed}, code="era")
    if era.last is not None and result > era.last:
        raise DateInputError(_("%(era)s ended on %(last)s: %(typed)s is not a date.") % {
            "era": era.name, "last": format_era(era.last, era), "typed": typed}, code="era")
    return result


def _date(year: int, month: int, day: int, typed) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 2月30日, 13月
        raise DateInputError(_("There is no such day: %(typed)s. Enter a date such as 1985/4/1 or 昭和60年4月1日.")
                             % {"typed": str(typed).strip()}) from None


def era_of(value: date) -> Era | None:
    """The era a date is shown in: the newest that had begun (None before 明治)."""
    for era in reversed(ERAS):
        if value >= era.first:
            return era
    return None


def format_era(value: date, era: Era | None = None) -> str:
    """令和8年12月3日, 令和元年5月1日; 西暦 for a date before 明治. `era` writes the date in that
    era instead of the one it is shown in (明治45年7月30日)."""
    era = era or era_of(value)
    if era is None:
        return value.strftime(DATE_DISPLAY)
    year = value.year - era.first.year + 1
    return f"{era.name}{'元' if year == 1 else year}年{value.month}月{value.day}日"


DATE_DISPLAY = "%Y/%m/%d"
DATETIME_DISPLAY = "%Y/%m/%d %H:%M"


def office_style() -> str:
    """西暦 or 和暦, as the office set it (SystemSetting.date_display), from the cached configuration."""
    return getattr(config(), "date_display", WESTERN)


def format_date(value, style: str | None = None) -> str:
    """2026/02/06 or 令和8年2月6日, as the office set it (or `style`); "" for None.
    A datetime shows its Tokyo date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    if (style or office_style()) == JAPANESE:
        return format_era(value)
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


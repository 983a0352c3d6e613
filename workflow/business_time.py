"""Business time (W1): the alert clock counts only office hours on business days.

No database here: `Calendar` is a plain value (the company calendar's settings, built from the
admin's singleton by `workflow.calendar.current()`), and the two functions are pure:

- `due_at(start, business_minutes, calendar)`: the moment `business_minutes` of office time after
  `start` have passed (a handoff at Friday 17:59 with 60 minutes is due Monday 9:59 when the office
  closes at 18:00).
- `business_minutes_between(start, end, calendar)`: the office minutes in [start, end) (what is left
  of a paused item's period, what has been used of it).

A day is closed when its weekday is closed (土日 by default), when it is a Japanese public holiday
(jpholiday: 国民の祝日, 振替休日 and 国民の休日, offline), in 年末年始 (12/29–1/3 by default) or an
extra closed day set by an admin. Office time on an open day is [open, close) less the lunch break.
Datetimes are aware; they are read in the calendar's time zone (Asia/Tokyo: no summer time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import jpholiday

TOKYO = ZoneInfo("Asia/Tokyo")
MAX_DAYS = 3 * 366  # a calendar with no open day within three years is a mistake, not a wait


@dataclass(frozen=True)
class Calendar:
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(18, 0)
    lunch_start: dt.time | None = dt.time(12, 0)
    lunch_end: dt.time | None = dt.time(13, 0)
    closed_weekdays: frozenset[int] = frozenset({5, 6})  # Monday is 0: 土日
    public_holidays: bool = True
    # 年末年始: from (month, day) to (month, day), both closed; None: no year-end break
    year_end: tuple[tuple[int, int], tuple[int, int]] | None = ((12, 29), (1, 3))
    closed_dates: frozenset[dt.date] = frozenset()
    tz: dt.tzinfo = field(default=TOKYO, compare=False)

    def is_year_end(self, day: dt.date) -> bool:
        if self.year_end is None:
            return False
        (m1, d1), (m2, d2) = self.year_end
        key, first, last = (day.month, day.day), (m1, d1), (m2, d2)
        if first <= last:
            return first <= key <= last
        return key >= first or key <= last  # across the new year

    def is_business_day(self, day: dt.date) -> bool:
        return not (day.weekday() in self.closed_weekdays
                    or day in self.closed_dates
                    or self.is_year_end(day)
                    or (self.public_holidays and jpholiday.is_holiday(day)))

    def periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The office periods of `day` as aware datetimes, in order; [] on a closed day."""
        if not self.is_business_day(day):
            return []
        at = lambda t: dt.datetime.combine(day, t, tzinfo=self.tz)  # noqa: E731
        opens, closes = at(self.opens), at(self.closes)
        if self.lunch_start and self.lunch_end and opens < at(self.lunch_start) < at(self.lunch_end) < closes:
            return [(opens, at(self.lunch_start)), (at(self.lunch_end), closes)]
        return [(opens, closes)] if opens < closes else []


def _local(moment: dt.datetime, calendar: Calendar) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("business time needs an aware datetime")
    return moment.astimezone(calendar.tz)


def due_at(start: dt.datetime, business_minutes: int, calendar: Calendar) -> dt.datetime:
    """The moment `business_minutes` of office time after `start`. With 0 minutes: `start` itself
    when the office is open then, else the next opening. A period ending exactly at lunch or at
    closing time is due at that moment (12:00, 18:00), not after the break."""
    if business_minutes < 0:
        raise ValueError("business_minutes must not be negative")
    cursor = _local(start, calendar)
    remaining = dt.timedelta(minutes=business_minutes)
    day = cursor.date()
    for _ in range(MAX_DAYS):
        for begin, end in calendar.periods(day):
            if end <= cursor:
                continue
            begin = max(begin, cursor)
            if remaining == dt.timedelta(0) or begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no business day within three years")


def business_minutes_between(start: dt.datetime, end: dt.datetime, calendar: Calendar) -> int:
    """Whole office minutes in [start, end); 0 when end is not after start."""
    start, end = _local(start, calendar), _local(end, calendar)
    if end <= start:
        return 0
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        for begin, finish in calendar.periods(day):
            overlap = min(finish, end) - max(begin, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)


def paused_remaining(*, due: dt.datetime, paused_at: dt.datetime, calendar: Calendar) -> int:
    """What is left of an item's period when its clock stops (a status that pauses): resumed with
    `due_at(resumed_at, remaining, calendar)`. An item already late keeps 0."""
    return business_minutes_between(paused_at, due, calendar)

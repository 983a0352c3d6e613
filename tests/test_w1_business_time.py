"""W1 business time: hand-made due dates on the company calendar (workflow/business_time.py, no DB).

Default calendar: 9:00–18:00, lunch 12:00–13:00 (480 office minutes a day), 土日 closed, public
holidays (jpholiday) and 年末年始 12/29–1/3 closed. 2026-12-07 is a Monday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from workflow.business_time import Calendar, business_minutes_between, due_at, paused_remaining

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT = Calendar()


def t(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TOKYO)


DUE_CASES = [
    # (name, start, minutes, expected, calendar)
    ("same morning", t(2026, 12, 7, 10), 60, t(2026, 12, 7, 11), DEFAULT),
    ("ends exactly at lunch", t(2026, 12, 7, 10), 120, t(2026, 12, 7, 12), DEFAULT),
    ("one minute past lunch start", t(2026, 12, 7, 10), 121, t(2026, 12, 7, 13, 1), DEFAULT),
    ("lunch skipped", t(2026, 12, 7, 11, 30), 60, t(2026, 12, 7, 13, 30), DEFAULT),
    ("started during lunch", t(2026, 12, 7, 12, 30), 30, t(2026, 12, 7, 13, 30), DEFAULT),
    ("before opening", t(2026, 12, 7, 8), 30, t(2026, 12, 7, 9, 30), DEFAULT),
    ("over the evening", t(2026, 12, 7, 17, 30), 60, t(2026, 12, 8, 9, 30), DEFAULT),
    ("after closing", t(2026, 12, 7, 19), 60, t(2026, 12, 8, 10), DEFAULT),
    ("Friday 17:59 handoff, one hour", t(2026, 12, 11, 17, 59), 60, t(2026, 12, 14, 9, 59), DEFAULT),
    ("Friday 17:59 handoff, one minute", t(2026, 12, 11, 17, 59), 1, t(2026, 12, 11, 18), DEFAULT),
    ("Friday 17:59 handoff, two minutes", t(2026, 12, 11, 17, 59), 2, t(2026, 12, 14, 9, 1), DEFAULT),
    ("Friday 17:59 handoff, one day", t(2026, 12, 11, 17, 59), 480, t(2026, 12, 14, 17, 59), DEFAULT),
    ("handed on Saturday", t(2026, 12, 12, 10), 60, t(2026, 12, 14, 10), DEFAULT),
    ("zero minutes on Sunday night", t(2026, 12, 13, 23, 59), 0, t(2026, 12, 14, 9), DEFAULT),
    ("zero minutes in office hours", t(2026, 12, 7, 10), 0, t(2026, 12, 7, 10), DEFAULT),
    ("zero minutes at lunch", t(2026, 12, 7, 12, 15), 0, t(2026, 12, 7, 13), DEFAULT),
    ("a full day", t(2026, 12, 7, 9), 480, t(2026, 12, 7, 18), DEFAULT),
    ("a full day and a minute", t(2026, 12, 7, 9), 481, t(2026, 12, 8, 9, 1), DEFAULT),
    ("a full week", t(2026, 12, 7, 9), 2400, t(2026, 12, 11, 18), DEFAULT),
    ("a full week and a minute", t(2026, 12, 7, 9), 2401, t(2026, 12, 14, 9, 1), DEFAULT),
    ("Golden Week: 昭和の日", t(2026, 4, 28, 17), 120, t(2026, 4, 30, 10), DEFAULT),
    ("Golden Week: Thursday evening", t(2026, 4, 30, 17, 30), 60, t(2026, 5, 1, 9, 30), DEFAULT),
    ("Golden Week: over 5/2–5/6", t(2026, 5, 1, 17), 120, t(2026, 5, 7, 10), DEFAULT),
    ("Golden Week: handed on Saturday", t(2026, 5, 2, 10), 1, t(2026, 5, 7, 9, 1), DEFAULT),
    ("振替休日 5/6", t(2026, 5, 6, 10), 60, t(2026, 5, 7, 10), DEFAULT),
    ("振替休日 2025-11-24", t(2025, 11, 21, 17), 120, t(2025, 11, 25, 10), DEFAULT),
    ("国民の休日 (Silver Week)", t(2026, 9, 18, 17, 30), 60, t(2026, 9, 24, 9, 30), DEFAULT),
    ("成人の日", t(2027, 1, 8, 17), 120, t(2027, 1, 12, 10), DEFAULT),
    ("年末年始 from 12/28", t(2026, 12, 28, 17), 120, t(2027, 1, 4, 10), DEFAULT),
    ("12/28 is open all day", t(2026, 12, 28, 9), 480, t(2026, 12, 28, 18), DEFAULT),
    ("handed on 大晦日", t(2026, 12, 31, 10), 30, t(2027, 1, 4, 9, 30), DEFAULT),
    ("handed on 1/3", t(2027, 1, 3, 10), 0, t(2027, 1, 4, 9), DEFAULT),
    ("extra closed day", t(2026, 12, 7, 17), 120,
     t(2026, 12, 9, 10), Calendar(closed_dates=frozenset({dt.date(2026, 12, 8)}))),
    ("no lunch break", t(2026, 12, 7, 11, 30), 60, t(2026, 12, 7, 12, 30), Calendar(lunch_start=None, lunch_end=None)),
    ("Saturday open", t(2026, 12, 11, 17, 59), 2, t(2026, 12, 12, 9, 1), Calendar(closed_weekdays=frozenset({6}))),
    ("public holidays worked", t(2026, 4, 29, 10), 60, t(2026, 4, 29, 11), Calendar(public_holidays=False)),
    ("no year-end break", t(2026, 12, 30, 10), 60, t(2026, 12, 30, 11), Calendar(year_end=None)),
    ("longer year-end break", t(2026, 12, 28, 10), 60, t(2027, 1, 5, 10),
     Calendar(year_end=((12, 28), (1, 4)))),
    ("8:30–17:15 office", t(2026, 12, 7, 17), 30, t(2026, 12, 8, 8, 45),
     Calendar(opens=dt.time(8, 30), closes=dt.time(17, 15))),
    ("start given in UTC", dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC), 60,
     dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), DEFAULT),
]


@pytest.mark.parametrize("name, start, minutes, expected, calendar", DUE_CASES, ids=[c[0] for c in DUE_CASES])
def test_w1_due_at(name, start, minutes, expected, calendar):
    assert due_at(start, minutes, calendar) == expected


BETWEEN_CASES = [
    ("a full day", t(2026, 12, 7, 9), t(2026, 12, 7, 18), 480),
    ("across lunch", t(2026, 12, 7, 11), t(2026, 12, 7, 14), 120),
    ("Friday 17:59 to Monday 9:59", t(2026, 12, 11, 17, 59), t(2026, 12, 14, 9, 59), 60),
    ("a weekend", t(2026, 12, 12, 0), t(2026, 12, 14, 0), 0),
    ("end before start", t(2026, 12, 7, 15), t(2026, 12, 7, 10), 0),
    ("年末年始", t(2026, 12, 28, 9), t(2027, 1, 4, 18), 960),
    ("Golden Week", t(2026, 4, 30, 9), t(2026, 5, 7, 18), 1440),
    ("seconds are not a minute", t(2026, 12, 7, 10), t(2026, 12, 7, 10) + dt.timedelta(seconds=59), 0),
]


@pytest.mark.parametrize("name, start, end, expected", BETWEEN_CASES, ids=[c[0] for c in BETWEEN_CASES])
def test_w1_business_minutes_between(name, start, end, expected):
    assert business_minutes_between(start, end, DEFAULT) == expected


@pytest.mark.parametrize("name, start, minutes, expected, calendar",
                         [c for c in DUE_CASES if c[4] is DEFAULT and DEFAULT.periods(c[1].astimezone(TOKYO).date())
                          and any(b <= c[1] < e for b, e in DEFAULT.periods(c[1].astimezone(TOKYO).date()))],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_w1_due_and_between_agree(name, start, minutes, expected, calendar):
    # given a start in office hours, the minutes counted back from its due time are the minutes given
    assert business_minutes_between(start, due_at(start, minutes, calendar), calendar) == minutes


def test_w1_paused_status_keeps_what_is_left():
    # given an item due Monday 15:00, paused (対応中 paused by the office) at 14:00
    due = t(2026, 12, 7, 15)
    left = paused_remaining(due=due, paused_at=t(2026, 12, 7, 14), calendar=DEFAULT)
    # when it is resumed on Wednesday at 10:00
    # then the hour left runs from then
    assert left == 60
    assert due_at(t(2026, 12, 9, 10), left, DEFAULT) == t(2026, 12, 9, 11)


def test_w1_paused_over_a_weekend_and_lunch():
    # paused Friday 17:00 with due Monday 10:00: 60 + 60 minutes left; resumed Monday 16:30
    left = paused_remaining(due=t(2026, 12, 14, 10), paused_at=t(2026, 12, 11, 17), calendar=DEFAULT)
    assert left == 120
    assert due_at(t(2026, 12, 14, 16, 30), left, DEFAULT) == t(2026, 12, 15, 9, 30)


def test_w1_paused_when_already_late_leaves_nothing():
    left = paused_remaining(due=t(2026, 12, 7, 10), paused_at=t(2026, 12, 7, 15), calendar=DEFAULT)
    assert left == 0
    assert due_at(t(2026, 12, 8, 10), left, DEFAULT) == t(2026, 12, 8, 10)


@pytest.mark.parametrize("day, open_", [
    (dt.date(2026, 12, 7), True), (dt.date(2026, 12, 12), False), (dt.date(2026, 5, 6), False),
    (dt.date(2026, 9, 22), False), (dt.date(2026, 12, 29), False), (dt.date(2027, 1, 3), False),
    (dt.date(2027, 1, 4), True), (dt.date(2026, 12, 28), True),
])
def test_w1_business_days(day, open_):
    assert DEFAULT.is_business_day(day) is open_


def test_w1_bad_input_is_refused():
    with pytest.raises(ValueError):
        due_at(dt.datetime(2026, 12, 7, 10), 60, DEFAULT)  # naive
    with pytest.raises(ValueError):
        due_at(t(2026, 12, 7, 10), -1, DEFAULT)
    with pytest.raises(ValueError):
        due_at(t(2026, 12, 7, 10), 1, Calendar(closed_weekdays=frozenset(range(7))))

"""The company calendar as a business_time.Calendar, from the admin's settings (CompanyCalendar,
ClosedDay). Kept in Django's cache under one key, cleared when either is saved or deleted
(workflow.admin calls `invalidate`)."""

from __future__ import annotations

from django.core.cache import cache

from .business_time import Calendar
from .models import ClosedDay, CompanyCalendar, month_day

CACHE_KEY = "workflow:calendar"


def current() -> Calendar:
    calendar = cache.get(CACHE_KEY)
    if calendar is None:
        settings = CompanyCalendar.load()
        year_end = ((month_day(settings.year_end_from), month_day(settings.year_end_until))
                    if settings.year_end_closed else None)
        calendar = Calendar(
            opens=settings.opens, closes=settings.closes,
            lunch_start=settings.lunch_start, lunch_end=settings.lunch_end,
            closed_weekdays=settings.weekday_set(), public_holidays=settings.public_holidays_closed,
            year_end=year_end, closed_dates=frozenset(ClosedDay.objects.values_list("date", flat=True)),
        )
        cache.set(CACHE_KEY, calendar, 3600)
    return calendar


def invalidate() -> None:
    cache.delete(CACHE_KEY)

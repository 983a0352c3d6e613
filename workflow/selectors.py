"""Reads of handoffs: what a user may see (branch scope through the customer), the home screen's lists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from crm import permissions

from .models import Handoff


def visible_handoffs(user, queryset=None):
    queryset = Handoff.objects.all() if queryset is None else queryset
    return permissions.visible_related(user, queryset, "customer__")


def customer_open_handoffs(user, customer, *, limit: int = 20) -> list:
    """The card's 引継 panel: `customer`'s open handoffs, soonest due first (one query)."""
    return list(visible_handoffs(user).filter(customer=customer, closed=False)
                .select_related("assignee", "status").order_by("due_at", "pk")[:limit])


def late_filter(now: dt.datetime) -> Q:
    """遅延: open and past the due time (flagged by the periodic run, or not yet)."""
    return Q(closed=False) & (Q(overdue=True) | Q(due_at__lte=now))


def home_items(user, *, now: dt.datetime | None = None, limit: int = 20) -> dict:
    """The logged-in user's 遅延 and due-today handoffs (handed to them, of the branches they see)."""
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    mine = visible_handoffs(user).filter(assignee=user, closed=False)
    late = late_filter(now)
    today = Q(due_at__gt=now, due_at__lte=end_of_day) & Q(overdue=False)
    counts = mine.aggregate(late=Count("pk", filter=late), today=Count("pk", filter=today))
    rows = mine.select_related("customer", "status").order_by("due_at", "pk")
    return {
        "late_count": counts["late"], "today_count": counts["today"],
        "late": list(rows.filter(late)[:limit]), "today": list(rows.filter(today)[:limit]),
    }

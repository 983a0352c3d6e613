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
    """The logged-in user's 遅延 and due-today handoffs (handed to them, of the branches they see);
    for a department head (Staff.is_department_head) also those of the other people of their
    department, as `dept_*`."""
    now = now or timezone.now()
    items = _late_and_today(visible_handoffs(user).filter(assignee=user, closed=False), now, limit)
    if getattr(user, "is_department_head", False) and getattr(user, "department_id", None):
        department = (visible_handoffs(user).filter(assignee__department_id=user.department_id, closed=False)
                      .exclude(assignee=user))
        items.update({f"dept_{name}": value for name, value in _late_and_today(department, now, limit).items()})
        items["is_head"] = True
    return items


def _late_and_today(open_handoffs, now: dt.datetime, limit: int) -> dict:
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    late = late_filter(now)
    today = Q(due_at__gt=now, due_at__lte=end_of_day) & Q(overdue=False)
    counts = open_handoffs.aggregate(late=Count("pk", filter=late), today=Count("pk", filter=today))
    rows = open_handoffs.select_related("customer", "status", "assignee").order_by("due_at", "pk")
    return {
        "late_count": counts["late"], "today_count": counts["today"],
        "late": list(rows.filter(late)[:limit]), "today": list(rows.filter(today)[:limit]),
    }


def my_customers(user, *, limit: int = 10) -> list:
    """The customers whose 担当者 is `user`, of the branches they see, last changed first."""
    return list(permissions.visible_customers(user).filter(staff=user)
                .only("pk", "code", "last_name", "first_name", "company_name", "updated_at", "branch_id")
                .order_by("-updated_at", "-pk")[:limit])

"""The home screen's daily figures (W2): counted by the worker's periodic run, read by the home screen.

`refresh(now=)` is registered with scheduling.periodic (cron's `run_scheduled` and the worker's
periodic task): it writes today's snapshot per branch — customers, new customers per month (the last
12 months), contacts per category (the last 12 months), handoffs by status — at most once per
`DAILY_FIGURES_INTERVAL_MINUTES` (60 by default): a second run within it changes nothing, and a forced
run rewrites the same numbers. `for_user(user)` reads the latest snapshot of the branches the user
may see (the one policy), so the charts cost a few small queries whatever the size of the tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm import permissions
from crm.models import Branch, ContactCategory, ContactHistory, Customer

from .models import DailyFigure, Handoff, HandoffStatus

MONTHS = 12
KEEP_DAYS = 400  # older snapshots are removed


def interval() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "DAILY_FIGURES_INTERVAL_MINUTES", 60))


def window_start(day: dt.date) -> dt.date:
    """The first day of the month MONTHS - 1 months before `day`'s: the charts' 12 months."""
    month = day.year * 12 + day.month - 1 - (MONTHS - 1)
    return dt.date(month // 12, month % 12 + 1, 1)


def month_keys(day: dt.date) -> list[str]:
    start = window_start(day)
    keys = []
    for i in range(MONTHS):
        month = start.year * 12 + start.month - 1 + i
        keys.append(f"{month // 12:04d}-{month % 12 + 1:02d}")
    return keys


def count_rows(day: dt.date, now: dt.datetime) -> list[DailyFigure]:
    """Today's snapshot, one grouped query per kind."""
    start = window_start(day)
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    rows: list[DailyFigure] = []

    def add(branch_id, kind, key, value):
        rows.append(DailyFigure(day=day, branch_id=branch_id, kind=kind, key=str(key or ""), value=value,
                                computed_at=now))

    for row in Customer.objects.order_by().values("branch_id").annotate(n=Count("pk")):
        add(row["branch_id"], DailyFigure.Kind.CUSTOMERS, "", row["n"])
    new = (Customer.objects.filter(created_at__gte=start_at).order_by()
           .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
           .values("branch_id", "month").annotate(n=Count("pk")))
    for row in new:
        add(row["branch_id"], DailyFigure.Kind.NEW_CUSTOMERS, f"{row['month']:%Y-%m}", row["n"])
    contacts = (ContactHistory.objects.filter(date__gte=start).order_by()
                .values("customer__branch_id", "category_id").annotate(n=Count("pk")))
    for row in contacts:
        add(row["customer__branch_id"], DailyFigure.Kind.CONTACTS_BY_CATEGORY, row["category_id"], row["n"])
    for row in Handoff.objects.order_by().values("customer__branch_id", "status_id").annotate(n=Count("pk")):
        add(row["customer__branch_id"], DailyFigure.Kind.HANDOFFS_BY_STATUS, row["status_id"], row["n"])
    return rows


def refresh(now: dt.datetime | None = None, *, force: bool = False) -> int:
    """Write today's figures unless they were written within `interval()`; returns the rows written
    (0: nothing to do)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    last = DailyFigure.objects.filter(day=day).aggregate(last=Max("computed_at"))["last"]
    if not force and last is not None and last > now - interval():
        return 0
    rows = count_rows(day, now)
    try:
        with transaction.atomic():
            DailyFigure.objects.filter(day=day).delete()
            DailyFigure.objects.bulk_create(rows)
            DailyFigure.objects.filter(day__lt=day - dt.timedelta(days=KEEP_DAYS)).delete()
    except IntegrityError:  # another run wrote the same day meanwhile: its numbers stand
        return 0
    return len(rows)


def for_user(user) -> dict:
    """The latest snapshot, summed over the branches `user` may see: counts per branch and the three
    charts, each a list of {label, value, percent} with its total."""
    latest = DailyFigure.objects.aggregate(day=Max("day"))["day"]
    if latest is None:
        return {"day": None}
    rows = DailyFigure.objects.filter(day=latest)
    branches = permissions.visible_branches(user, Branch.objects.all())
    if not permissions.sees_all_branches(user):
        rows = rows.filter(branch_id__in=permissions.visible_branch_ids(user))
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_branch: dict[int, int] = {}
    computed_at = None
    for branch_id, kind, key, value, at in rows.values_list("branch_id", "kind", "key", "value", "computed_at"):
        sums[kind][key] += value
        computed_at = max(computed_at or at, at)
        if kind == DailyFigure.Kind.CUSTOMERS:
            per_branch[branch_id] = value
    months = [(key, f"{key[:4]}/{key[5:]}") for key in month_keys(latest)]
    categories = [(str(pk), name) for pk, name in ContactCategory.objects.values_list("pk", "name")]
    statuses = [(str(pk), name) for pk, name in HandoffStatus.objects.values_list("pk", "name")]
    return {
        "day": latest,
        "computed_at": computed_at,
        "branches": [{"name": name, "value": per_branch.get(pk, 0)}
                     for pk, name in branches.order_by("code", "pk").values_list("pk", "name")],
        "new_customers": chart(months, sums[DailyFigure.Kind.NEW_CUSTOMERS], keep_zero=True),
        "contacts_by_category": chart(categories + [("", None)], sums[DailyFigure.Kind.CONTACTS_BY_CATEGORY]),
        "handoffs_by_status": chart(statuses, sums[DailyFigure.Kind.HANDOFFS_BY_STATUS]),
    }


def chart(labels, values: dict[str, int], *, keep_zero: bool = False) -> dict:
    """Bars in the given order; `label` None is the rows without one (未設定)."""
    bars = [{"key": key, "label": label, "value": values.get(key, 0)} for key, label in labels
            if keep_zero or values.get(key, 0)]
    top = max((bar["value"] for bar in bars), default=0)
    for bar in bars:
        bar["percent"] = round(bar["value"] * 100 / top) if top else 0
    return {"bars": bars, "total": sum(bar["value"] for bar in bars)}

"""C11 reads: the pending changes on a card, the home screen's 更新通知, what a user follows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import dates, permissions
from crm.models import Branch, Customer

from .models import Follow, Notification, ScheduledChange

CARD_FAILED_DAYS = 30  # a change not applied stays on the card this long
HOME_NOTIFICATIONS = 20


def card_annotations(user) -> dict:
    """Ride on the query that loads the card: followed? anything scheduled? unread notifications?"""
    since = timezone.now() - datetime.timedelta(days=CARD_FAILED_DAYS)
    return {
        "c11_followed": Exists(Follow.objects.filter(user_id=user.pk, customer_id=OuterRef("pk"))),
        "c11_scheduled": Exists(ScheduledChange.objects.filter(customer_id=OuterRef("pk")).filter(
            Q(status=ScheduledChange.Status.PENDING) | Q(status=ScheduledChange.Status.FAILED, finished_at__gte=since))),
        "c11_unread": Exists(Notification.objects.filter(user_id=user.pk, customer_id=OuterRef("pk"),
                                                         read_at__isnull=True)),
    }


@dataclass
class ChangeLine:
    label: str
    value: str


def _display(field, raw, related: dict) -> str:
    if raw is None or raw == "":
        return _("(blank)")
    value = field.to_python(raw) if not field.is_relation else raw
    if field.is_relation:
        return str(related.get((field.related_model, value), value))
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Checked") if value else _("Unchecked")
    if isinstance(value, datetime.date):
        return dates.format_date(value)
    return str(value)


def describe(changes: list[ScheduledChange], user) -> None:
    """Give each change `lines` (label, new value) with the fields this user may see only (R3);
    related names (branch, staff, category) are read in one query per related model."""
    hidden = permissions.invisible_fields(user, Customer)
    wanted: dict = {}
    for change in changes:
        for name, raw in change.changes.items():
            f = Customer._meta.get_field(name)
            if f.is_relation and raw is not None and name not in hidden:
                wanted.setdefault(f.related_model, set()).add(raw)
    related = {}
    for model, pks in wanted.items():
        for pk, obj in model._default_manager.in_bulk(list(pks)).items():
            related[(model, pk)] = obj
    for change in changes:
        change.lines = [
            ChangeLine(str(Customer._meta.get_field(name).verbose_name), _display(Customer._meta.get_field(name), raw, related))
            for name, raw in change.changes.items() if name not in hidden
        ]
        change.hidden_count = sum(1 for name in change.changes if name in hidden)


def card_changes(*, customer: Customer, user) -> list[ScheduledChange]:
    since = timezone.now() - datetime.timedelta(days=CARD_FAILED_DAYS)
    changes = list(
        ScheduledChange.objects.filter(customer=customer)
        .filter(Q(status=ScheduledChange.Status.PENDING) | Q(status=ScheduledChange.Status.FAILED, finished_at__gte=since))
        .select_related("created_by").order_by("effective_date", "id")
    )
    describe(changes, user)
    return changes


def _visible(user, queryset):
    scope = permissions.customer_scope_filter(user, "customer__")
    if scope:  # a failed change of a deleted customer has none, and is its author's to read
        queryset = queryset.filter(Q(customer__isnull=True) | scope)
    return queryset


def home_notifications(user) -> dict:
    """The 更新通知 panel: the latest unread notifications this user may see, and how many.

    Customers outside the user's branches are left out, and so are the names of fields they may
    not see (R2, R3): a change of such fields only shows as a change.
    """
    unread = _visible(user, Notification.objects.filter(user=user, read_at__isnull=True))
    rows = list(unread.select_related("actor").order_by("-created_at", "-id")[:HOME_NOTIFICATIONS])
    hidden = permissions.invisible_fields(user, Customer)
    for row in rows:
        row.field_labels = [str(Customer._meta.get_field(n).verbose_name) for n in row.fields
                            if n not in hidden and _is_field(n)]
        row.when = dates.format_datetime(row.created_at)
    count = len(rows) if len(rows) < HOME_NOTIFICATIONS else unread.count()
    return {"notifications": rows, "notification_count": count}


def _is_field(name: str) -> bool:
    try:
        Customer._meta.get_field(name)
    except Exception:
        return False
    return True


def followed_branches(user) -> tuple[list, list]:
    """(branches this user follows, branches they may follow but do not)."""
    branches = list(permissions.visible_branches(user, Branch.objects.all()).annotate(
        followed=Exists(Follow.objects.filter(user_id=user.pk, branch_id=OuterRef("pk")))).order_by("code"))
    return [b for b in branches if b.followed], [b for b in branches if not b.followed]


def visible_notification(*, user, pk: int) -> Notification | None:
    return _visible(user, Notification.objects.filter(user=user, pk=pk)).first()

"""C11 reads: the pending changes on a card, the home screen's 更新通知, what a user follows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import dates, permissions
from crm.models import Branch, Customer

from . import services
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


def describe(changes: list[ScheduledChange], user, *, may_change: bool = False) -> list[ScheduledChange]:
    """The changes as `user` may see them (R3): each gets `lines` (label, new value) of the fields
    they may see, `failure` (why it was not applied, naming only those fields) and `may_cancel`.
    A change of fields they may not see only is left out; nothing says a part is missing.
    Related names (branch, staff, category) are read in one query per related model."""
    hidden = permissions.invisible_fields(user, Customer)
    shown = [change for change in changes if set(change.changes) - hidden]
    wanted: dict = {}
    for change in shown:
        for name, raw in change.changes.items():
            f = Customer._meta.get_field(name)
            if f.is_relation and raw is not None and name not in hidden:
                wanted.setdefault(f.related_model, set()).add(raw)
    related = {}
    for model, pks in wanted.items():
        for pk, obj in model._default_manager.in_bulk(list(pks)).items():
            related[(model, pk)] = obj
    for change in shown:
        change.lines = [
            ChangeLine(str(Customer._meta.get_field(name).verbose_name), _display(Customer._meta.get_field(name), raw, related))
            for name, raw in change.changes.items() if name not in hidden
        ]
        change.failure = failure_text(change, hidden=hidden) if change.status == ScheduledChange.Status.FAILED else ""
        change.may_cancel = services.may_cancel(change=change, user=user, hidden=hidden, customer_changeable=may_change)
    return shown


def card_changes(*, customer: Customer, user, may_change: bool = False) -> list[ScheduledChange]:
    """The card's pending and recently failed changes, as `user` may see them (describe);
    `may_change`: whether the user may change this customer (the card has asked already)."""
    since = timezone.now() - datetime.timedelta(days=CARD_FAILED_DAYS)
    changes = list(
        ScheduledChange.objects.filter(customer=customer)
        .filter(Q(status=ScheduledChange.Status.PENDING) | Q(status=ScheduledChange.Status.FAILED, finished_at__gte=since))
        .select_related("created_by").order_by("effective_date", "id")
    )
    return describe(changes, user, may_change=may_change)


def visible_change(*, user, pk: int) -> ScheduledChange | None:
    """A change of a customer `user` sees, touching a field they see; None otherwise (as if missing)."""
    change = _visible(user, ScheduledChange.objects.filter(pk=pk, customer__isnull=False)).first()
    if change is None or not set(change.changes) - permissions.invisible_fields(user, Customer):
        return None
    return change


# --- why a change was not applied, worded for its reader (R3) ---------------------------------
def failure_text(change: ScheduledChange, *, user=None, hidden: set[str] | None = None) -> str:
    """Why `change` was not applied, in the active language, naming only fields its reader may see:
    `user` (or their invisible fields, `hidden`); neither: every field (the operator's console)."""
    if hidden is None:
        hidden = permissions.invisible_fields(user, Customer) if user is not None else set()
    Failure = ScheduledChange.Failure
    code, fields = change.failure_code, change.failure_fields or {}
    if not code:  # failed before reasons were kept as data: its sentence may name any of its fields
        return change.failure_reason if not set(change.changes) & hidden else _("It could not be applied.")
    if code == Failure.CUSTOMER_DELETED:
        return _("The customer was deleted after the change was scheduled.")
    if code == Failure.AUTHOR_LOST_CUSTOMER:
        return _("The person who scheduled it may no longer change this customer.")
    if code == Failure.AUTHOR_LOST_FIELDS:
        return _("The person who scheduled it may no longer change some of these fields.")
    if code == Failure.CHANGED_MEANWHILE:
        names = [_label(name) for name in fields if name not in hidden and _is_field(name)]
        if not names:
            return _("Changed by someone else after the change was scheduled.")
        return _("Changed by someone else after the change was scheduled: %(fields)s") % {"fields": "、".join(names)}
    if code == Failure.INVALID:
        parts = [f"{_label(name)}: {' '.join(messages)}" for name, messages in fields.items()
                 if name not in hidden and _is_field(name)]
        if services.NON_FIELD in fields and not set(change.changes) & hidden:  # may be about any of its fields
            parts.append(" ".join(fields[services.NON_FIELD]))
        if not parts:
            return _("A value is no longer valid.")
        return _("A value is no longer valid: %(errors)s") % {"errors": "; ".join(parts)}
    return _("The database refused the change (for example a duplicate value).")


def _label(name: str) -> str:
    return str(Customer._meta.get_field(name).verbose_name)


def _visible(user, queryset):
    scope = permissions.customer_scope_filter(user, "customer__")
    if scope:  # a failed change of a deleted customer has none, and is its author's to read
        queryset = queryset.filter(Q(customer__isnull=True) | scope)
    return queryset


def home_notifications(user) -> dict:
    """The 更新通知 panel: the latest unread notifications this user may see, and how many.

    Customers outside the user's branches are left out, and so are the names of fields they may
    not see (R2, R3): a change of such fields only is not shown (notify_followers does not write
    one; this covers a field restricted after it was written), and why a scheduled change failed
    names only fields they see.
    """
    unread = _visible(user, Notification.objects.filter(user=user, read_at__isnull=True))
    fetched = list(unread.select_related("actor", "scheduled_change").order_by("-created_at", "-id")
                   [:HOME_NOTIFICATIONS])
    hidden = permissions.invisible_fields(user, Customer)
    rows = []
    for row in fetched:
        row.field_labels = [_label(n) for n in row.fields if n not in hidden and _is_field(n)]
        if row.kind == Notification.Kind.CHANGED and row.fields and not row.field_labels:
            continue
        if row.kind == Notification.Kind.SCHEDULE_FAILED:
            row.failure = _failure_of_notice(row, hidden)
        row.when = dates.format_datetime(row.created_at)
        rows.append(row)
    count = len(rows) if len(fetched) < HOME_NOTIFICATIONS else unread.count()
    return {"notifications": rows, "notification_count": count}


def _failure_of_notice(row: Notification, hidden: set[str]) -> str:
    if row.scheduled_change is not None:
        return failure_text(row.scheduled_change, hidden=hidden)
    # written before the notice pointed at its change: its sentence may name any field of the change
    if row.reason and not set(row.fields) & hidden:
        return row.reason
    return _("It could not be applied.")


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

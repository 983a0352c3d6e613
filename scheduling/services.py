"""C11: scheduling a customer change for a later date, applying it, cancelling it; following
customers and branches, and the notifications of changes made by others.

Admin views, `manage.py run_scheduled` and the worker's periodic task call these.
"""

from __future__ import annotations

import datetime
import decimal
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit import events as audit_events
from audit.models import AuditEvent
from crm import dates, permissions
from crm import permission_codes as codes
from crm import services as crm_services
from crm.models import Customer

from .models import Follow, Notification, ScheduledChange

logger = logging.getLogger(__name__)

SCHEDULED_REASON = gettext_noop("Scheduled change (%(date)s)")
# Never scheduled: they are kept by the system, not typed on the card.
NOT_SCHEDULABLE = {"id", "code", "created_at", "created_by", "updated_at", "updated_by"}
CHANGE_PERMISSION = codes.CHANGE_CUSTOMER
Failure = ScheduledChange.Failure
NON_FIELD = "__all__"  # a failure's messages that belong to no one field


# --- values as JSON -------------------------------------------------------------------------
def schedulable_fields(user) -> dict[str, models.Field]:
    """The customer's fields this user may schedule: editable on the card and visible to them (R3)."""
    hidden = permissions.invisible_fields(user, Customer)
    return {
        f.name: f for f in Customer._meta.concrete_fields
        if f.editable and f.name not in NOT_SCHEDULABLE and f.name not in hidden
    }


def to_json(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def from_json(field: models.Field, raw):
    return None if raw is None else field.to_python(raw)


def _stored_values(customer_pk: int, fields: dict[str, models.Field]) -> dict | None:
    row = Customer.objects.filter(pk=customer_pk).values(*(f.attname for f in fields.values())).first()
    if row is None:
        return None
    return {name: to_json(row[f.attname]) for name, f in fields.items()}


def may_change(user, customer_pk) -> bool:
    return bool(
        user is not None and user.is_active and user.has_perm(CHANGE_PERMISSION)
        and permissions.visible_customers(user).filter(pk=customer_pk).exists()
    )


def customer_label(customer) -> str:
    name = " ".join(part for part in (customer.last_name, customer.first_name) if part) or customer.company_name
    return f"{customer.code} {name}".strip()


# --- scheduling ------------------------------------------------------------------------------
def schedule_change(*, customer: Customer, user, changes: dict, effective_date: datetime.date,
                    reason: str = "") -> ScheduledChange:
    """Keep `changes` (field name → new value) to be written to `customer` on `effective_date`.

    Only by a user who may change this customer now, only fields they may see and edit, and only
    for a date after today (today's change is an ordinary save).
    """
    if customer.pk is None or not may_change(user, customer.pk):
        raise PermissionDenied
    if effective_date is None or effective_date <= dates.today():
        raise ValidationError({"effective_date": _("Enter a date after today.")})
    allowed = schedulable_fields(user)
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise PermissionDenied(f"fields not schedulable by this user: {refused}")
    if not changes:
        raise ValidationError({"effective_date": _("Nothing was changed, so there is nothing to schedule.")})
    fields = {name: allowed[name] for name in changes}
    base = _stored_values(customer.pk, fields)
    base_history = customer.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return ScheduledChange.objects.create(
        customer=customer, customer_label=customer_label(customer),
        changes={name: to_json(value) for name, value in changes.items()},
        base_values=base, base_history_id=base_history, effective_date=effective_date,
        reason=(reason or "")[:200], created_by=user,
    )


def schedule_edited(*, customer: Customer, user, effective_date, reason: str = "") -> ScheduledChange:
    """The card's save with an 適用日: what differs between the edited customer and the stored one
    is scheduled; the customer itself is not written."""
    allowed = schedulable_fields(user)
    stored = _stored_values(customer.pk, allowed) if customer.pk else None
    if stored is None:
        raise PermissionDenied
    changes = {}
    for name, f in allowed.items():
        value = to_json(getattr(customer, f.attname))
        if value != stored[name]:
            changes[name] = value
    return schedule_change(customer=customer, user=user, changes=changes, effective_date=effective_date,
                           reason=reason)


def may_cancel(*, change: ScheduledChange, user, hidden: set[str] | None = None,
               customer_changeable: bool | None = None) -> bool:
    """Whether `user` may cancel this pending change: they may change its customer (its branch,
    編集 permission), and either wrote it or see every field it touches (R3). Others do not see a
    restricted field's part of it at all, so they cannot take it back either.

    `hidden` (the user's invisible fields) and `customer_changeable` may be passed by a caller that
    asks for several changes of one customer."""
    if change.status != ScheduledChange.Status.PENDING or change.customer_id is None:
        return False
    if customer_changeable is None:
        customer_changeable = may_change(user, change.customer_id)
    if not customer_changeable:
        return False
    if change.created_by_id is not None and change.created_by_id == user.pk:
        return True
    hidden = permissions.invisible_fields(user, Customer) if hidden is None else hidden
    return not (set(change.changes) & hidden)


def cancel(*, change_id: int, user) -> ScheduledChange:
    """Cancel a pending change (may_cancel), else PermissionDenied."""
    with transaction.atomic():
        change = ScheduledChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None or change.customer_id is None:
            raise PermissionDenied
        if change.status != ScheduledChange.Status.PENDING:
            if not may_change(user, change.customer_id):
                raise PermissionDenied
            raise ValidationError(_("This scheduled change is no longer pending."))
        if not may_cancel(change=change, user=user):
            raise PermissionDenied
        change.status = ScheduledChange.Status.CANCELLED
        change.finished_at, change.finished_by = timezone.now(), user
        change.save(update_fields=["status", "finished_at", "finished_by"])
    return change


@dataclass
class ApplyResult:
    applied: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def apply_due(today: datetime.date | None = None) -> ApplyResult:
    """Apply every pending change whose date has come, oldest first, each in its own transaction.

    Run by `manage.py run_scheduled` (cron) and by the worker's periodic task; two runs at once
    do not apply a change twice (each is re-read under a row lock and must still be pending).
    """
    today = today or dates.today()
    result = ApplyResult()
    due = list(
        ScheduledChange.objects.filter(status=ScheduledChange.Status.PENDING, effective_date__lte=today)
        .order_by("effective_date", "id").values_list("pk", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        for pk in due:
            outcome = _apply_one(pk)
            if outcome is True:
                result.applied.append(pk)
            elif outcome is False:
                result.failed.append(pk)
    return result


def _apply_one(pk: int) -> bool | None:
    with transaction.atomic():
        change = ScheduledChange.objects.select_for_update().filter(pk=pk).first()
        if change is None or change.status != ScheduledChange.Status.PENDING:
            return None  # another run took it
        problem = _problem(change)
        customer = None
        if problem is None:
            customer = Customer.objects.get(pk=change.customer_id)
            fields = {name: Customer._meta.get_field(name) for name in change.changes}
            for name, raw in change.changes.items():
                setattr(customer, fields[name].attname, from_json(fields[name], raw))
            reason = _(SCHEDULED_REASON) % {"date": dates.format_date(change.effective_date)}
            if change.reason:
                reason = f"{reason}: {change.reason}"
            try:
                customer.full_clean(exclude=[n for n in (f.name for f in Customer._meta.fields) if n not in fields],
                                    validate_unique=True)
                with transaction.atomic():
                    crm_services.customer_save(customer=customer, user=change.created_by, reason=reason)
            except ValidationError as exc:
                problem = Problem(Failure.INVALID)
                for name, messages in exc.message_dict.items():
                    problem.fields.setdefault(name if name in fields else NON_FIELD, []).extend(map(str, messages))
            except IntegrityError:
                problem = Problem(Failure.REFUSED)
        change.finished_at = timezone.now()
        if problem is None:
            change.status = ScheduledChange.Status.APPLIED
            change.applied_history_id = (
                customer.history.order_by("-history_id").values_list("history_id", flat=True).first()
            )
            change.save(update_fields=["status", "finished_at", "applied_history_id"])
            # R4: the write is the scheduling person's, as it would have been from the card.
            audit_events.record(AuditEvent.Action.UPDATE, user=change.created_by, target=customer,
                                history_id=change.applied_history_id,
                                detail={"fields": sorted(change.changes), "scheduled_change": change.pk})
            return True
        change.status = ScheduledChange.Status.FAILED
        change.failure_code, change.failure_fields = problem.code, problem.fields
        change.save(update_fields=["status", "failure_code", "failure_fields", "finished_at"])
        if change.created_by_id:
            # Why is worded when the notice is read, for its reader (selectors.failure_text).
            Notification.objects.create(
                user_id=change.created_by_id, customer_id=change.customer_id, customer_label=change.customer_label,
                kind=Notification.Kind.SCHEDULE_FAILED, fields=sorted(change.changes), scheduled_change=change,
            )
        logger.info("scheduled change %s not applied: %s %s", pk, problem.code, sorted(problem.fields))
        return False


@dataclass
class Problem:
    """Why a change is not applied: a code and the fields concerned (with their messages, if any).
    Kept as data, never as a sentence: who reads it decides which field names it may hold (R3)."""

    code: str
    fields: dict[str, list[str]] = field(default_factory=dict)


def _problem(change: ScheduledChange) -> Problem | None:
    """Why this change must not be applied blindly; None if it may."""
    if change.customer_id is None or not Customer.objects.filter(pk=change.customer_id).exists():
        return Problem(Failure.CUSTOMER_DELETED)
    user = change.created_by
    if not may_change(user, change.customer_id):
        return Problem(Failure.AUTHOR_LOST_CUSTOMER)
    lost = set(change.changes) - set(schedulable_fields(user))
    if lost:
        return Problem(Failure.AUTHOR_LOST_FIELDS, {name: [] for name in sorted(lost)})
    fields = {name: Customer._meta.get_field(name) for name in change.changes}
    now = _stored_values(change.customer_id, fields)
    changed = [name for name in fields if now[name] != change.base_values.get(name)]
    if changed:
        return Problem(Failure.CHANGED_MEANWHILE, {name: [] for name in changed})
    return None


# --- following and notifications ----------------------------------------------------------
def follow_customer(*, user, customer_id: int, on: bool) -> None:
    _follow(user, on, permissions.visible_customers(user), customer_id=customer_id)


def follow_branch(*, user, branch_id: int, on: bool) -> None:
    _follow(user, on, permissions.visible_branches(user), branch_id=branch_id)


def _follow(user, on: bool, visible, **target) -> None:
    """Start or stop following one thing the user may see (else 403)."""
    (pk,) = target.values()
    if not visible.filter(pk=pk).exists():
        raise PermissionDenied
    if on:
        Follow.objects.get_or_create(user=user, **target)
    else:
        Follow.objects.filter(user=user, **target).delete()


def notify_followers(*, customer: Customer, actor, reason: str = "") -> int:
    """Called by crm.services after a customer is written: one row per follower (not the actor).

    One query when nobody follows the customer or its branch; otherwise one more to read what
    changed (the last two versions), one more when only restricted fields changed (who sees
    them), and one insert for every follower.
    """
    actor_id = getattr(actor, "pk", None)
    followers = list(
        Follow.objects.filter(Q(customer_id=customer.pk) | Q(branch_id=customer.branch_id))
        .exclude(user_id=actor_id).values_list("user_id", flat=True).distinct()
    )
    if not followers:
        return 0
    records = list(customer.history.order_by("-history_id")[:2])
    if not records:
        return 0
    latest = records[0]
    if latest.history_type == "+" or len(records) == 1:
        kind, fields = Notification.Kind.ADDED, []
    else:
        kind = Notification.Kind.CHANGED
        fields = sorted(c.field for c in latest.diff_against(records[1]).changes if c.field not in NOT_SCHEDULABLE)
        if not fields:
            return 0
        # A change of fields a follower may not see is not theirs to hear of (R3).
        seeing = permissions.users_who_see_any(followers, Customer, fields)
        followers = [uid for uid in followers if uid in seeing]
        if not followers:
            return 0
    label = customer_label(customer)
    Notification.objects.bulk_create([
        Notification(user_id=uid, customer_id=customer.pk, customer_label=label, actor_id=actor_id, kind=kind,
                     fields=fields, reason=(reason or "")[:255], history_id=latest.history_id)
        for uid in followers
    ])
    return len(followers)


def mark_read(*, user, notification_id: int | None = None, customer_id: int | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    if customer_id is not None:
        unread = unread.filter(customer_id=customer_id)
    return unread.update(read_at=timezone.now())

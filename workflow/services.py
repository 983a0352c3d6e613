"""Every write of handoffs (W1): hand over, change status, flag late. Each in one transaction with its
event row and, for a handoff, its outbox mail (sent after commit by workflow.tasks)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import calendar, mail, rules
from .business_time import business_minutes_between, due_at
from .models import Handoff, HandoffEvent, HandoffStatus


def _enter_status(handoff: Handoff, status: HandoffStatus, now: dt.datetime) -> None:
    """The clock on entering `status`: a status that closes stops it; one that pauses keeps what is
    left of the running period; resuming from a pause continues with what was left (at most the new
    status's period); any other status starts its own period."""
    cal = calendar.current()
    previous_left = handoff.paused_minutes_left
    if status.is_closed:
        handoff.due_at, handoff.paused_minutes_left, handoff.closed = None, None, True
    elif status.pauses_clock:
        if handoff.due_at is not None:
            handoff.paused_minutes_left = business_minutes_between(now, handoff.due_at, cal)
        handoff.due_at = None
    elif status.alert_minutes is None:
        handoff.due_at, handoff.paused_minutes_left = None, None
    else:
        minutes = status.alert_minutes if previous_left is None else min(previous_left, status.alert_minutes)
        handoff.due_at, handoff.paused_minutes_left = due_at(now, minutes, cal), None
    if not status.is_closed:
        handoff.closed = False
    handoff.status, handoff.status_since = status, now
    handoff.overdue = handoff.due_at is not None and handoff.due_at <= now


def first_status() -> HandoffStatus:
    status = HandoffStatus.objects.filter(is_handoff=True).order_by("order", "id").first()
    if status is None:
        raise ValidationError({"status": "No status is marked as the status of a new handoff."})
    return status


@transaction.atomic
def handoff_create(*, handoff: Handoff, user, now: dt.datetime | None = None) -> Handoff:
    """Hand the inquiry `handoff.contact` to `handoff.assignee` (an unsaved Handoff with contact,
    assignee and message): status 引継中, the clock, the event row and the mail, in one transaction."""
    now = now or timezone.now()
    handoff.customer = handoff.contact.customer
    problem = rules.assignee_problem(assignee=handoff.assignee, customer=handoff.customer)
    if problem:
        raise ValidationError({"assignee": problem})
    handoff.created_by = user
    _enter_status(handoff, first_status(), now)
    handoff._history_user = user
    handoff.save()
    HandoffEvent.objects.create(handoff=handoff, kind=HandoffEvent.Kind.HANDED, to_status=handoff.status, user=user,
                                note=handoff.message, at=now)
    mail.handoff_mail(handoff=handoff, sender=user)
    return handoff


@transaction.atomic
def handoff_set_status(*, handoff: Handoff, status: HandoffStatus, user, note: str = "",
                       now: dt.datetime | None = None) -> Handoff:
    now = now or timezone.now()
    locked = Handoff.objects.select_for_update().get(pk=handoff.pk)
    problem = rules.transition_problem(current=locked.status, target=status)
    if problem:
        raise ValidationError({"status": problem})
    if locked.status_id == status.pk:
        return locked
    previous = locked.status
    _enter_status(locked, status, now)
    locked._history_user, locked._change_reason = user, note or None
    locked.save()
    HandoffEvent.objects.create(handoff=locked, kind=HandoffEvent.Kind.STATUS, from_status=previous,
                                to_status=status, user=user, note=note, at=now)
    return locked


@transaction.atomic
def flag_overdue(now: dt.datetime | None = None) -> int:
    """遅延: flag the open handoffs past their due time, once each (a second run changes nothing).
    Returns how many were flagged now."""
    now = now or timezone.now()
    ids = list(Handoff.objects.select_for_update(skip_locked=True)
               .filter(closed=False, overdue=False, due_at__lte=now).values_list("pk", flat=True))
    if not ids:
        return 0
    Handoff.objects.filter(pk__in=ids).update(overdue=True)
    HandoffEvent.objects.bulk_create(
        [HandoffEvent(handoff_id=pk, kind=HandoffEvent.Kind.LATE, at=now) for pk in ids])
    return len(ids)

"""Writes of business events: linking customers (E2) and carrying an event over to a new year (E3).

Every refusal is an EventRefused with a Japanese message, raised before anything is written.
Links are written in bulk through crm.bulk_write (rows and their simple-history records),
and each write is one entry in the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import permissions
from crm.bulk_write import Writer, insert_records

from .models import Event, EventLink

MANAGE_PERMISSION = "events.change_event"
LINK_PERMISSION = "events.add_eventlink"


def link_limit() -> int:
    """The most customers one 「業務イベントに追加」 adds (one request writes them all)."""
    return getattr(settings, "EVENTS_LINK_MAX_ROWS", 50_000)


class EventRefused(Exception):
    """A write refused with a message for the user; nothing was changed."""


def visible_events(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Event.objects.all() if queryset is None else queryset
    return queryset.filter(permissions.branch_owned_filter(user))


def visible_links(user, queryset: QuerySet | None = None) -> QuerySet:
    """Links of events the user sees, to customers the user sees."""
    queryset = EventLink.objects.all() if queryset is None else queryset
    queryset = permissions.visible_related(user, queryset, "customer__")
    return queryset.filter(permissions.branch_owned_filter(user, "event__branch"))


def link_scope_q(user, prefix: str = "links__") -> Q:
    """For counting an event's links: only those to customers the user sees."""
    return permissions.customer_scope_filter(user, f"{prefix}customer__")


def manages_events(user) -> bool:
    return user.has_perm(MANAGE_PERMISSION)


def linkable_events(user) -> QuerySet:
    """The events this user may add customers to: 申込中 ones; for admins any but 完了."""
    events = visible_events(user).exclude(status=Event.Status.DONE)
    return events if manages_events(user) else events.filter(status=Event.Status.OPEN)


def event_check_linkable(*, event: Event, user) -> None:
    if not user.has_perm(LINK_PERMISSION):
        raise PermissionDenied
    if not visible_events(user).filter(pk=event.pk).exists():
        raise EventRefused(_("This event is not yours to change. Nothing was changed."))
    if event.status == Event.Status.DONE:
        raise EventRefused(_("「%(event)s」 is completed and takes no more customers. Nothing was changed.")
                           % {"event": event})
    if event.status != Event.Status.OPEN and not manages_events(user):
        raise EventRefused(_("「%(event)s」 is %(status)s: only events accepting entries (申込中) take new customers. "
                             "Nothing was changed.") % {"event": event, "status": event.get_status_display()})


def event_link_customers(*, event: Event, customers: QuerySet, user, expected: int | None = None,
                         request=None) -> tuple[int, int]:
    """Add the customers to the event's list; those already on it stay as they are.

    `customers` is the list's result (ticked rows or the whole search); the branch scope is
    applied again here. `expected`: how many rows were ticked, so that a ticked id outside the
    user's scope (a forged form) refuses the whole write. Returns (added, already on the list).
    """
    event_check_linkable(event=event, user=user)
    customers = permissions.visible_customers(user, customers.order_by())
    ids = list(customers.values_list("pk", flat=True)[:link_limit() + 1])
    if len(ids) > link_limit():
        raise EventRefused(_("At most %(limit)s customers can be added at once: narrow the search. Nothing was changed.")
                           % {"limit": f"{link_limit():,}"})
    if expected is not None and len(set(ids)) != expected:
        raise EventRefused(_("Some of the selected customers are not yours to change. Nothing was changed."))
    if event.branch_id is not None:
        others = customers.exclude(branch_id=event.branch_id).count()
        if others:
            raise EventRefused(
                _("%(count)s of these customers are not customers of %(branch)s, the branch of 「%(event)s」. "
                  "Nothing was changed.") % {"count": others, "branch": event.branch, "event": event})
    with transaction.atomic():
        existing = set(EventLink.objects.filter(event=event).values_list("customer_id", flat=True))
        new = [EventLink(event=event, customer_id=pk, created_by_id=user.pk) for pk in dict.fromkeys(ids)
               if pk not in existing]
        insert_records(Writer(connection), new, user_id=user.pk, reason=_("Added to the event"))
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=event, row_count=len(new),
                            detail={"action": "event_link_customers", "already": len(ids) - len(new)})
    return len(new), len(ids) - len(new)


def responded_filter() -> Q:
    """「回答のあった人のみ」: a response came back (受) or the attendance was answered."""
    return Q(received=True) | ~Q(attendance=EventLink.Attendance.UNDECIDED)


def event_carry_over(*, source: Event, year: int, name: str, user, only_responded: bool = False,
                     skip_mourning: bool = False, request=None) -> tuple[Event, int]:
    """This year's event from last year's: the same kind, department and branch, and its customers
    with last year's gift as 前年の贈答品. Carries into an existing event of that year and name when it
    has no customers yet; refuses one that has. A deleted customer's links went with the customer,
    so they are never carried. Returns (the new event, customers carried)."""
    if not manages_events(user) or not user.has_perm("events.add_event"):
        raise PermissionDenied
    if not visible_events(user).filter(pk=source.pk).exists():
        raise EventRefused(_("This event is not yours to change. Nothing was changed."))
    name = (name or "").strip()
    if not name:
        raise EventRefused(_("Enter the name of the new event. Nothing was changed."))
    target = Event.objects.filter(kind=source.kind, year=year, name=name, branch=source.branch).first()
    if target is not None and target.pk == source.pk:
        raise EventRefused(_("An event cannot be carried over into itself. Nothing was changed."))
    if target is not None and target.links.exists():
        raise EventRefused(_("「%(event)s」 already has %(count)s customers: carrying over would mix two lists. "
                             "Nothing was changed.") % {"event": target, "count": target.links.count()})
    links = visible_links(user, source.links.all())
    if only_responded:
        links = links.filter(responded_filter())
    if skip_mourning:
        links = links.filter(mourning=False)
    with transaction.atomic():
        if target is None:
            target = Event(kind=source.kind, year=year, name=name, status=Event.Status.PREPARING,
                           department=source.department, branch=source.branch, carried_from=source)
            target._history_user = user
            target._change_reason = _("Carried over from 「%(event)s」") % {"event": source}
            target.save()
        else:
            target.carried_from = source
            target._history_user = user
            target.save(update_fields=["carried_from", "updated_at"])
        new = [EventLink(event=target, customer_id=customer_id, previous_gift_id=gift_id,
                         previous_gift_price=price, created_by_id=user.pk)
               for customer_id, gift_id, price in links.order_by("id").values_list("customer_id", "gift_id",
                                                                                   "gift_price")]
        insert_records(Writer(connection), new, user_id=user.pk,
                       reason=_("Carried over from 「%(event)s」") % {"event": source})
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=target, row_count=len(new),
                            detail={"action": "event_carry_over", "source": source.pk,
                                    "only_responded": only_responded, "skip_mourning": skip_mourning})
    return target, len(new)

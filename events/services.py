"""Writes of business events: linking customers (E2) and carrying an event over to a new year (E3).

Every refusal is an EventRefused with a Japanese message, raised before anything is written.
Links are written in bulk through crm.bulk_write (rows and their simple-history records),
and each write is one entry in the audit log.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import permissions
from crm.bulk_write import Writer, insert_records
from crm.models import FamilyMember

from . import mourning as persons
from . import permission_codes as event_codes
from .models import Event, EventLink, Mourning

MANAGE_PERMISSION = event_codes.MANAGE_EVENTS
LINK_PERMISSION = event_codes.ADD_LINK


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


def _write_links(*, event: Event, planned: persons.Plan, user, reason: str, values=None) -> list[EventLink]:
    """Insert the planned links (rows and history in bulk); `values`: more fields per target."""
    values = values or {}
    new = [EventLink(event=event, customer_id=cid, family_member_id=fid, created_by_id=user.pk,
                     **(person.copies() if person else {}), **values.get((cid, fid), {}))
           for (cid, fid), person in planned.add]
    insert_records(Writer(connection), new, user_id=user.pk, reason=reason)
    return new


def event_link_customers(*, event: Event, customers: QuerySet, user, expected: int | None = None,
                         request=None, report: dict | None = None) -> tuple[int, int]:
    """Add the customers to the event's list; those already on it stay as they are.

    `customers` is the list's result (ticked rows or the whole search); the branch scope is
    applied again here. `expected`: how many rows were ticked, so that a ticked id outside the
    user's scope (a forged form) refuses the whole write. Returns (added, already on the list).
    Left out and named in report["plan"] (events.mourning.Plan): for a new-year-card event, those
    in mourning for its year (E5); for a card or gift event, people already on another
    department's list of the same kind and year.
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
        planned = persons.plan(event, [(pk, None) for pk in ids], user=user)
        new = _write_links(event=event, planned=planned, user=user, reason=_("Added to the event"))
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=event, row_count=len(new),
                            detail={"action": "event_link_customers", "already": planned.already,
                                    "mourning": len(planned.mourning), "other_department": len(planned.conflicts)})
    if report is not None:
        report["plan"] = planned
    return len(new), planned.already


def responded_filter() -> Q:
    """「回答のあった人のみ」: a response came back (受) or the attendance was answered."""
    return Q(received=True) | ~Q(attendance=EventLink.Attendance.UNDECIDED)


def carry_over_named_years(source: Event) -> tuple[int, int]:
    """The years a carried-over event's name may carry that stand for its year: the source's (a name
    copied unchanged) and the next (the name offered)."""
    return source.year, source.year + 1


def event_name_for_year(name: str, *, source: Event, year: int) -> str:
    """The name of the event carried over from `source` into `year` (issue 22, point 16): a year of
    carry_over_named_years in it becomes `year` (「2026年 年賀状」 → 「2028年 年賀状」); other text stays."""
    years = "|".join(str(y) for y in carry_over_named_years(source))
    return re.sub(rf"(?<![0-9０-９])(?:{years})(?![0-9０-９])", str(year), name)


def event_carry_over(*, source: Event, year: int, name: str, user, only_responded: bool = False,
                     skip_mourning: bool = False, request=None, report: dict | None = None) -> tuple[Event, int]:
    """This year's event from last year's: the same kind, department and branch, and its customers
    (and family members) with last year's gift as 前年の贈答品. Refused into the same or an earlier
    year; the year in the name follows `year` (event_name_for_year). Carries into an existing event
    of that year and name when it has no customers yet; refuses one that has. A deleted customer's links
    went with the customer, so they are never carried. Returns (the new event, customers carried).

    「喪中を除く」: for new-year cards, those in mourning for the new year (the 喪中 records, E5);
    for other kinds, those ticked 喪中 on last year's list. People on another department's list of
    the kind and the new year are never carried (named in report["plan"])."""
    if not manages_events(user) or not user.has_perm(event_codes.ADD_EVENT):
        raise PermissionDenied
    if not visible_events(user).filter(pk=source.pk).exists():
        raise EventRefused(_("This event is not yours to change. Nothing was changed."))
    if year <= source.year:
        raise EventRefused(_("Enter a year after %(year)s: an event is carried over to a later year.")
                           % {"year": source.year})
    name = event_name_for_year((name or "").strip(), source=source, year=year)
    if not name:
        raise EventRefused(_("Enter the name of the new event. Nothing was changed."))
    target = Event.objects.filter(kind=source.kind, year=year, name=name, branch=source.branch).first()
    if target is not None and target.links.exists():
        # counted as the user sees the list: customers of branches the user does not see are not counted
        count = visible_links(user, target.links.all()).count()
        if not count:
            raise EventRefused(_("「%(event)s」 already has customers: carrying over would mix two lists. "
                                 "Nothing was changed.") % {"event": target})
        raise EventRefused(_("「%(event)s」 already has %(count)s customers: carrying over would mix two lists. "
                             "Nothing was changed.") % {"event": target, "count": count})
    links = visible_links(user, source.links.all())
    if only_responded:
        links = links.filter(responded_filter())
    if skip_mourning and source.kind != Event.Kind.NEW_YEAR_CARD:
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
        rows = links.order_by("id").values_list("customer_id", "family_member_id", "gift_id", "gift_price")
        values = {(cid, fid): {"previous_gift_id": gift_id, "previous_gift_price": price}
                  for cid, fid, gift_id, price in rows}
        planned = persons.plan(target, list(values), user=user,
                               skip_mourning=skip_mourning and target.kind == Event.Kind.NEW_YEAR_CARD)
        new = _write_links(event=target, planned=planned, user=user, values=values,
                           reason=_("Carried over from 「%(event)s」") % {"event": source})
        if target.kind == Event.Kind.NEW_YEAR_CARD:
            persons.refresh_link_flags(target.links.all(), target.year)
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=target, row_count=len(new),
                            detail={"action": "event_carry_over", "source": source.pk,
                                    "only_responded": only_responded, "skip_mourning": skip_mourning,
                                    "mourning": len(planned.mourning), "other_department": len(planned.conflicts)})
    if report is not None:
        report["plan"] = planned
    return target, len(new)


# --- family members as targets (E9) ----------------------------------------------------------------
def family_choices(user, links: QuerySet) -> QuerySet:
    """The family members of the ticked links' customers, for 「家族を追加」."""
    customer_ids = visible_links(user, links).values("customer_id")
    return (permissions.visible_related(user, FamilyMember.objects.filter(customer_id__in=customer_ids), "customer__")
            .select_related("customer").order_by("customer__last_name_kana", "customer_id", "registered_on", "id"))


def event_link_family(*, event: Event, family_ids: list[int], user, instead: bool = False,
                      request=None) -> persons.Plan:
    """Add family members to the event's list (a card to the spouse as well as the customer), or with
    `instead` in place of the customer's own row (a card to the family member alone). The branch scope
    is the customer's; an id the user may not see refuses the whole write."""
    event_check_linkable(event=event, user=user)
    if instead and not user.has_perm(event_codes.DELETE_LINK):
        raise PermissionDenied
    family_ids = sorted(set(family_ids))
    if not family_ids:
        raise EventRefused(_("Choose at least one family member. Nothing was changed."))
    members = permissions.visible_related(user, FamilyMember.objects.filter(pk__in=family_ids), "customer__")
    rows = list(members.values_list("pk", "customer_id", "customer__branch_id"))
    if len(rows) != len(family_ids):
        raise EventRefused(_("Some of the selected customers are not yours to change. Nothing was changed."))
    if event.branch_id is not None and any(branch != event.branch_id for _pk, _cid, branch in rows):
        raise EventRefused(
            _("%(count)s of these customers are not customers of %(branch)s, the branch of 「%(event)s」. "
              "Nothing was changed.") % {"count": sum(b != event.branch_id for _p, _c, b in rows),
                                         "branch": event.branch, "event": event})
    with transaction.atomic():
        planned = persons.plan(event, [(cid, pk) for pk, cid, _branch in rows], user=user)
        new = _write_links(event=event, planned=planned, user=user, reason=_("Family member added to the event"))
        removed = 0
        if instead:
            customers = {link.customer_id for link in new}
            for link in EventLink.objects.filter(event=event, customer_id__in=customers, family_member__isnull=True):
                link._history_user = user
                link._change_reason = _("Replaced by a family member")
                link.delete()
                removed += 1
        if event.kind == Event.Kind.NEW_YEAR_CARD:
            persons.refresh_link_flags(event.links.filter(customer_id__in={link.customer_id for link in new}),
                                       event.year)
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=event, row_count=len(new),
                            detail={"action": "event_link_family", "already": planned.already, "removed": removed,
                                    "mourning": len(planned.mourning), "other_department": len(planned.conflicts)})
    return planned


# --- 喪中 (E5) ----------------------------------------------------------------------------------------
def mourning_from_link(*, link: EventLink, user) -> None:
    """The 喪中 box of a new-year-card list ticked or cleared in place: the customer's (or the family
    member's) mourning record for the event's year is made or removed, and every new-year-card list
    of that year shows it. Other kinds keep the box as a plain mark."""
    event = link.event
    if event.kind != Event.Kind.NEW_YEAR_CARD:
        return
    if link.mourning:
        if not user.has_perm(event_codes.ADD_MOURNING):
            raise PermissionDenied
        mourning = Mourning(customer_id=link.customer_id, family_member_id=link.family_member_id, year=event.year,
                            received_on=timezone.localdate(), created_by=user,
                            memo=_("Ticked on 「%(event)s」") % {"event": event})
        covered = Mourning.objects.filter(customer_id=link.customer_id, year=event.year).filter(
            Q(family_member__isnull=True) | Q(family_member_id=link.family_member_id))
        if not covered.exists():
            mourning._history_user = user
            mourning.save()
    else:
        if not user.has_perm(event_codes.DELETE_MOURNING):
            raise PermissionDenied
        covered = Mourning.objects.filter(customer_id=link.customer_id, year=event.year)
        if link.family_member_id:
            covered = covered.filter(Q(family_member__isnull=True) | Q(family_member_id=link.family_member_id))
        for record in covered:
            record._history_user = user
            record.delete()
    persons.refresh_link_flags(EventLink.objects.filter(customer_id=link.customer_id), event.year)


def mourning_saved(*, mourning: Mourning, previous: tuple | None = None) -> None:
    """After a mourning record was added, changed or removed on its own screen: the lists follow,
    for the record as it is and (`previous`: (customer id, year)) as it was."""
    for customer_id, year in {(mourning.customer_id, mourning.year), tuple(previous or (None, None))}:
        if customer_id and year:
            persons.refresh_link_flags(EventLink.objects.filter(customer_id=customer_id), int(year))


def event_winter_greetings(*, event: Event, user, request=None) -> tuple[Event, persons.Plan]:
    """「寒中見舞いリストを作成」: the people left out of a new-year-card list for mourning go onto the
    寒中見舞い list of the same year, department and branch (made when there is none): those ticked
    喪中 on this list, and those on the list it was carried from who are in mourning for its year."""
    if event.kind != Event.Kind.NEW_YEAR_CARD:
        raise EventRefused(_("A winter-greetings list is made from a new-year-card event. Nothing was changed."))
    if not visible_events(user).filter(pk=event.pk).exists():
        raise EventRefused(_("This event is not yours to change. Nothing was changed."))
    target = (Event.objects.filter(kind=Event.Kind.WINTER_GREETING, year=event.year, department=event.department,
                                   branch=event.branch).exclude(status=Event.Status.DONE).order_by("id").first())
    if target is None:
        if not (manages_events(user) and user.has_perm(event_codes.ADD_EVENT)):
            raise EventRefused(_("There is no winter-greetings list of %(year)s yet, and only an administrator "
                                 "makes events. Nothing was changed.") % {"year": event.year})
    else:
        event_check_linkable(event=target, user=user)
    links = visible_links(user, EventLink.objects.filter(event=event, mourning=True))
    targets = list(links.order_by("id").values_list("customer_id", "family_member_id"))
    if event.carried_from_id:
        carried = visible_links(user, EventLink.objects.filter(event_id=event.carried_from_id))
        targets += list(carried.filter(persons.mourning_q(event.year)).order_by("id")
                        .values_list("customer_id", "family_member_id"))
    if not targets:
        raise EventRefused(_("Nobody on 「%(event)s」 is in mourning (喪中). Nothing was changed.") % {"event": event})
    with transaction.atomic():
        if target is None:
            target = Event(kind=Event.Kind.WINTER_GREETING, year=event.year, status=Event.Status.PREPARING,
                           name=_("%(year)s winter greetings (寒中見舞い)") % {"year": event.year},
                           department=event.department, branch=event.branch)
            target._history_user = user
            target._change_reason = _("Made from 「%(event)s」") % {"event": event}
            target.save()
        planned = persons.plan(target, targets, user=user, skip_mourning=False)
        new = _write_links(event=target, planned=planned, user=user,
                           reason=_("Made from 「%(event)s」") % {"event": event})
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=target, row_count=len(new),
                            detail={"action": "event_winter_greetings", "source": event.pk,
                                    "already": planned.already, "other_department": len(planned.conflicts)})
    return target, planned

"""Outputs of a business event (E6): labels, postcards and the export of its customers, and its totals.

An event prints and exports through the customer list's own screens: the print screen of
printouts (crm's 印刷, `admin:crm_customer_print`) and the export screen of dataio
(`admin:dataio_exportjob_add`), each given the event's selection in place of a customer search
(`?event=<id>`, narrowed by `links=<ids>` for ticked rows or `links_query=<the list's query>` for
「すべて選択」). Those screens keep their own permission checks, restricted fields, background
jobs and audit entries; this module only says which customers an event's selection holds.

A link's mail goes to its recipient (`link_recipient`): the customer, or for a family member's row
(E9) the family member at the customer's address. Prints iterate the links and ask that one function.
A new-year-card event's labels, postcards and CSV leave out the links in mourning (喪中) for the
event's year: all of them select through `mailed_links`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import permission_codes as codes
from crm import permissions
from dataio.columns import Column, TARGETS
from dataio.exporting import export_columns as customer_columns
from dataio.selection import list_queryset, ticked_ids
from dataio.values import TRUE_MARK, format_date, format_number

from . import mourning as persons
from . import services
from .models import Event, EventLink

LINK_ORDER = ["customer__last_name_kana", "customer__first_name_kana", "customer__code", "id"]


@dataclass
class EventSelection:
    """Which of an event's links an output covers: all, the ticked `link_ids`, or those of the
    event's customer list searched and filtered as `links_query` (「すべて選択」)."""

    event: Event
    link_ids: list[int] | None = None
    links_query: str = ""

    @classmethod
    def from_params(cls, user, params) -> EventSelection | None:
        """From a request's GET / POST or a job's params; None without `event`. An event the user
        does not see is refused (403), whatever else the parameters say."""
        value = params.get("event") if params is not None else None
        if value in (None, ""):
            return None
        if not str(value).isdigit():
            raise PermissionDenied
        event = services.visible_events(user).filter(pk=int(value)).select_related("branch").first()
        if event is None:
            raise PermissionDenied
        return cls(event=event, link_ids=ticked_ids(params.get("links")), links_query=params.get("links_query") or "")

    def params(self) -> dict:
        """For URLs, hidden form fields and job params (JSON)."""
        out = {"event": self.event.pk}
        if self.link_ids is not None:
            out["links"] = ",".join(map(str, self.link_ids))
        if self.links_query:
            out["links_query"] = self.links_query
        return out

    def querystring(self) -> str:
        return urlencode(self.params())

    def event_url(self) -> str:
        return reverse("admin:events_event_change", args=[self.event.pk])


def selected_links(user, selection: EventSelection) -> QuerySet:
    """The selection's links to customers the user sees (branch scope), in the order of the list."""
    if selection.links_query:
        links = list_queryset(user, EventLink, selection.links_query)
    else:
        links = EventLink.objects.all()
    links = services.visible_links(user, links.filter(event=selection.event))
    if selection.link_ids is not None:
        links = links.filter(pk__in=selection.link_ids or [0])
    return links.order_by(*LINK_ORDER)


def mourning_left_out_q(event: Event) -> Q | None:
    """For a new-year-card event: its links in mourning for the event's year (ticked 喪中, or a 喪中
    record of the household or of the family member), which get no card; None for other kinds."""
    if event.kind != Event.Kind.NEW_YEAR_CARD:
        return None
    return Q(mourning=True) | persons.mourning_q(event.year)


def mailed_links(user, selection: EventSelection) -> QuerySet:
    """The selection's links that get mail (labels, postcards, and the CSV made for mailing): a
    new-year-card event's leave out those in mourning for its year."""
    links = selected_links(user, selection)
    left_out = mourning_left_out_q(selection.event)
    return links if left_out is None else links.exclude(left_out)


def mourning_left_out_text(user, selection: EventSelection) -> str:
    """「2027年が喪中の 1 名を除きました。」 for the print and export screens, or "" (one COUNT query,
    new-year cards only)."""
    left_out = mourning_left_out_q(selection.event)
    if left_out is None:
        return ""
    count = selected_links(user, selection).filter(left_out).count()
    if not count:
        return ""
    return _("%(count)s in mourning (喪中) for %(year)s were left out.") % {"count": count,
                                                                          "year": selection.event.year}


def link_recipient(link: EventLink):
    """Who the link's mail is addressed to (EventLink.addressed_customer)."""
    return link.addressed_customer()


class Recipients:
    """The selection's recipients, for the print screen and the print job (printouts.services):
    `count()` is one query, iteration reads the links with their customers in one more. A new-year-card
    event's links in mourning for its year are not among them (`mailed_links`)."""

    def __init__(self, user, selection: EventSelection):
        self.links = mailed_links(user, selection)

    def count(self) -> int:
        return self.links.count()

    def __iter__(self):
        for link in self.links.select_related("customer", "family_member"):
            yield link_recipient(link)


def print_url(selection: EventSelection, kind: str = "labels") -> str:
    return f"{reverse('admin:crm_customer_print')}?{urlencode({**selection.params(), 'kind': kind})}"


def export_url(selection: EventSelection) -> str:
    return f"{reverse('admin:dataio_exportjob_add')}?{urlencode({'source': 'customers', **selection.params()})}"


def audit_detail(selection: EventSelection) -> dict:
    detail = {"event": selection.event.pk}
    if selection.link_ids is not None:
        detail["links"] = len(selection.link_ids)
    return detail


# --- the export's columns: the customer's, then the event's ---------------------------------------
def _bool(value) -> str:
    return TRUE_MARK if value else ""


def _date(value) -> str:
    return format_date(value)


def _money(value) -> str:
    return format_number(value)


def event_columns() -> list:
    """The event's own columns of the file: 出欠, 出 / 出した日, 受 / 受けた日, 贈答品 (its rank), 金額, 喪中, メモ."""
    attendance = dict(EventLink.Attendance.choices)
    field = EventLink._meta.get_field

    def column(name, label, path, fmt, kind=""):
        return Column(name=f"event_{name}", label=str(label), parse=None, format=fmt, importable=False,
                      export_path=path, kind=kind)

    return [
        column("attendance", field("attendance").verbose_name, "attendance", lambda v: str(attendance.get(v, ""))),
        column("sent", field("sent").verbose_name, "sent", _bool, "bool"),
        column("sent_on", field("sent_on").verbose_name, "sent_on", _date),
        column("received", field("received").verbose_name, "received", _bool, "bool"),
        column("received_on", field("received_on").verbose_name, "received_on", _date),
        column("gift_rank", _("Gift rank"), "gift__rank", lambda v: v or "", "text"),
        column("gift", field("gift").verbose_name, "gift__name", lambda v: v or "", "text"),
        column("gift_price", field("gift_price").verbose_name, "gift_cost", _money),
        column("mourning", field("mourning").verbose_name, "mourning", _bool, "bool"),
        column("memo", field("memo").verbose_name, "memo", lambda v: v or "", "text"),
    ]


def export_columns(user, chosen: list[str] | None = None) -> list:
    """The customer columns the user may export (restricted ones never), read through the link,
    followed by the event's columns; `chosen` (column names) narrows them."""
    columns = [dataclasses.replace(c, export_path=f"customer__{c.read_path}")
               for c in customer_columns(TARGETS["customers"], user)]
    columns += event_columns()
    if chosen is not None:
        wanted = set(chosen)
        columns = [c for c in columns if c.name in wanted]
    return columns


def export_rows(user, selection: EventSelection) -> QuerySet:
    """One row per link that gets mail (`mailed_links`, as the prints: a new-year-card event's rows
    in mourning for its year are left out): the export reads the customer's values through it.
    贈答品金額 is the price entered on the link, or the item's price when none was entered (as the
    totals count it)."""
    return mailed_links(user, selection).annotate(gift_cost=Coalesce("gift_price", "gift__price"))


# --- totals (E6) ---------------------------------------------------------------------------------
def event_totals(user, event: Event) -> dict:
    """The event's figures for the links the user sees, from one grouped query: customers, 出欠,
    出 / 受, 喪中, and the gifts by rank (how many, and their cost: the link's price, or the
    item's price when none was entered)."""
    links = services.visible_links(user, event.links.all())
    price = Coalesce("gift_price", "gift__price")
    has_gift = Q(gift__isnull=False) | Q(gift_price__isnull=False)
    groups = list(links.order_by().values("gift__rank").annotate(
        count=Count("id"),
        sent=Count("id", filter=Q(sent=True)), received=Count("id", filter=Q(received=True)),
        attending=Count("id", filter=Q(attendance=EventLink.Attendance.ATTENDING)),
        absent=Count("id", filter=Q(attendance=EventLink.Attendance.ABSENT)),
        undecided=Count("id", filter=Q(attendance=EventLink.Attendance.UNDECIDED)),
        mourning=Count("id", filter=Q(mourning=True)),
        gifts=Count("id", filter=has_gift), gift_total=Sum(price)))
    keys = ["count", "sent", "received", "attending", "absent", "undecided", "mourning", "gifts"]
    totals = {key: sum(g[key] for g in groups) for key in keys}
    totals["gift_total"] = sum((g["gift_total"] or Decimal(0) for g in groups), Decimal(0))
    ranks = [{"rank": g["gift__rank"] or "", "count": g["gifts"], "total": g["gift_total"] or Decimal(0)}
             for g in groups if g["gifts"]]
    totals["ranks"] = sorted(ranks, key=lambda r: (r["rank"] == "", r["rank"]))
    return totals


@dataclass(frozen=True)
class EventOutput:
    """A button among the event page's outputs that another feature adds (mailing: 一括メール):
    `url(selection)` for the event's customers, shown when `allowed(user)`. Registered from the
    feature's AppConfig.ready() with add_event_output; events never imports the feature."""

    key: str  # the link's HTML id
    label: Any
    url: Callable[[EventSelection], str]
    allowed: Callable[[Any], bool] = lambda user: True


_MORE_OUTPUTS: dict[str, EventOutput] = {}


def add_event_output(output: EventOutput) -> None:
    _MORE_OUTPUTS[output.key] = output


def more_output_links(user, selection: EventSelection) -> list[dict]:
    return [{"id": o.key, "label": o.label, "url": o.url(selection)}
            for o in _MORE_OUTPUTS.values() if o.allowed(user)]


def output_links(selection: EventSelection) -> dict:
    """The event page's output buttons."""
    return {"labels": print_url(selection, "labels"),
            "postcards_vertical": print_url(selection, "postcards_vertical"),
            "postcards": print_url(selection, "postcards"),
            "export": export_url(selection)}


def selection_from_action(request, queryset) -> EventSelection | None:
    """The ticked rows of the event's customer list (or its whole search with 「すべて選択」) as a
    selection; None, with a message, when they are not of one event."""
    event_ids = list(queryset.order_by().values_list("event_id", flat=True).distinct()[:2])
    if len(event_ids) != 1:
        messages.error(request, _("Choose customers of one event: open the event's customer list first."))
        return None
    event = services.visible_events(request.user).filter(pk=event_ids[0]).first()
    if event is None:
        raise PermissionDenied
    if request.POST.get("select_across") == "1":
        return EventSelection(event=event, links_query=request.GET.urlencode())
    return EventSelection(event=event, link_ids=list(queryset.values_list("pk", flat=True)))


class EventOutputActions:
    """The event customer list's 「ラベル・はがき印刷」 and 「CSV出力」 of the ticked rows (or of the
    whole search with 「すべて選択」), mixed into EventLinkAdmin: they open the customer list's
    print and export screens with the selection."""

    actions = ["print_event_links", "export_event_links"]

    def has_print_permission(self, request):
        return permissions.can_print(request.user) and request.user.has_perm(codes.VIEW_CUSTOMER)

    def has_export_permission(self, request):
        return request.user.has_perm(codes.EXPORT_CUSTOMERS)

    @admin.action(description=gettext_lazy("Print labels or postcards of the selected customers"),
                  permissions=["print"])
    def print_event_links(self, request, queryset):
        selection = selection_from_action(request, queryset)
        return redirect(print_url(selection, "labels")) if selection is not None else None

    @admin.action(description=gettext_lazy("Export the selected customers with the event's columns"),
                  permissions=["export"])
    def export_event_links(self, request, queryset):
        selection = selection_from_action(request, queryset)
        return redirect(export_url(selection)) if selection is not None else None

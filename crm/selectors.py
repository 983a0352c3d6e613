"""Reads that several screens share."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum

from . import extensions
from .models import ContactHistory, Customer, Purchase, SavedSearch


@dataclass(frozen=True)
class CustomerSummary:
    """C9: what the card shows at the top."""

    last_contact_date: date | None
    contact_count: int
    last_purchase_date: date | None
    purchase_count: int
    total_quantity: Decimal
    total_amount: Decimal
    points: int  # 購買ポイント計: the sum of the purchases' ポイント
    # ポイント残高: the ledger's balance when a feature gives it (extensions.CARD_POINT_BALANCE); the card
    # then shows it instead of `points`
    point_balance: int | None = None


def customer_summary_annotations() -> dict:
    """Subqueries that put the whole C9 summary on the customer row: no extra queries on the card."""

    def latest(model, column, function):
        rows = model.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
        return Subquery(rows.annotate(v=function(column)).values("v")[:1])

    return {
        "summary_last_contact": latest(ContactHistory, "date", Max),
        "summary_contact_count": latest(ContactHistory, "id", Count),
        "summary_last_purchase": latest(Purchase, "date", Max),
        "summary_purchase_count": latest(Purchase, "id", Count),
        "summary_quantity": latest(Purchase, "quantity", Sum),
        "summary_amount": latest(Purchase, "amount", Sum),
        "summary_points": latest(Purchase, "points", Sum),
    }


def customer_summary(*, customer: Customer) -> CustomerSummary:
    """Reads the annotations when the customer was fetched with them, else queries once."""
    if not hasattr(customer, "summary_contact_count"):
        customer = Customer.objects.annotate(**customer_summary_annotations()).get(pk=customer.pk)
    return CustomerSummary(
        last_contact_date=customer.summary_last_contact,
        contact_count=customer.summary_contact_count or 0,
        last_purchase_date=customer.summary_last_purchase,
        purchase_count=customer.summary_purchase_count or 0,
        total_quantity=Decimal(customer.summary_quantity or 0),
        total_amount=Decimal(customer.summary_amount or 0),
        points=customer.summary_points or 0,
        point_balance=getattr(customer, extensions.CARD_POINT_BALANCE, None),
    )


def recently_changed_customers(*, user, visible, limit: int = 10) -> list[Customer]:
    """The customers this user changed last, newest first (home screen)."""
    history = Customer.history.model.objects.filter(history_user=user).order_by("-history_date")
    seen: list[int] = []
    for customer_id in history.values_list("id", flat=True)[: limit * 5]:
        if customer_id not in seen:
            seen.append(customer_id)
        if len(seen) == limit:
            break
    customers = {c.id: c for c in visible.filter(id__in=seen)}
    return [customers[i] for i in seen if i in customers]


class KnownCountPaginator(Paginator):
    """A paginator told its count (the card's summary has it): no COUNT query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


def records_page(queryset, *, count: int, page, per_page: int = 10):
    """One page of a customer's histories, newest first (H1, H2)."""
    return KnownCountPaginator(queryset.order_by("-date", "-id"), per_page, count=count).get_page(page)


def saved_searches_for(*, user):
    """The user's own saved searches and those shared with everyone."""
    return SavedSearch.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")

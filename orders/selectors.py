"""Reads of orders for the customer core: the card's summary and history, the RFM search.

Everything here is scoped by the one policy (crm.permissions): a customer out of the user's branches
has no orders to show, and the search never returns one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from crm import permissions

from .models import Estimate, Order

CARD_ORDERS = 20  # orders on the card, newest first; the rest on the customer's order list


def customer_order_annotations() -> dict:
    """{name: expression} for a Customer queryset: last order date, order count and amount (税込),
    each one correlated subquery (no join that would multiply the customer's rows)."""
    mine = Order.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    estimates = Estimate.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    return {
        # lets the card skip the estimates' query of a customer who has none
        "estimate_count": Coalesce(Subquery(estimates.annotate(v=Count("id")).values("v")[:1]), Value(0),
                                   output_field=IntegerField()),
        "order_last_date": Subquery(mine.annotate(v=Max("ordered_on")).values("v")[:1]),
        "order_count": Coalesce(Subquery(mine.annotate(v=Count("id")).values("v")[:1]), Value(0),
                                output_field=IntegerField()),
        "order_amount": Coalesce(Subquery(mine.annotate(v=Sum("total")).values("v")[:1]), Value(Decimal(0)),
                                 output_field=DecimalField(max_digits=16, decimal_places=0)),
    }


def customer_order_summary(*, user, customer) -> dict:
    """Last order date, order count and amount of one customer (what the annotations give)."""
    queryset = permissions.visible_related(user, Order.objects.filter(customer=customer))
    found = queryset.aggregate(order_last_date=Max("ordered_on"), order_count=Count("id"), order_amount=Sum("total"))
    found["order_amount"] = found["order_amount"] or Decimal(0)
    return found


def customer_orders(*, user, customer, limit: int = CARD_ORDERS) -> list[Order]:
    """The customer's orders newest first, with their progress; none if the user may not see the customer."""
    queryset = permissions.visible_related(user, Order.objects.filter(customer=customer))
    return list(queryset.select_related("medium").order_by("-ordered_on", "-id")[:limit])


def customer_estimates(*, user, customer, limit: int = CARD_ORDERS) -> list[Estimate]:
    queryset = permissions.visible_related(user, Estimate.objects.filter(customer=customer))
    return list(queryset.order_by("-issued_on", "-id")[:limit])


def customers_by_orders(queryset: QuerySet, *, user, date_from: datetime.date | None = None,
                        date_to: datetime.date | None = None, count_min: int | None = None,
                        amount_min: Decimal | None = None, last_from: datetime.date | None = None,
                        last_to: datetime.date | None = None, medium=None) -> QuerySet:
    """The customers of `queryset` (already the user's) by their orders (RFM): in the period
    [date_from, date_to] (and through `medium`), at least `count_min` orders and `amount_min` yen;
    the last order (ever) between last_from and last_to."""
    queryset = permissions.visible_customers(user, queryset)
    period = Q()
    if date_from:
        period &= Q(ordered_on__gte=date_from)
    if date_to:
        period &= Q(ordered_on__lte=date_to)
    if medium is not None:
        period &= Q(medium=medium)
    if count_min or amount_min or period:
        mine = Order.objects.filter(period, customer=OuterRef("pk")).order_by().values("customer")
        queryset = queryset.annotate(
            _period_count=Coalesce(Subquery(mine.annotate(v=Count("id")).values("v")[:1]), Value(0)),
            _period_amount=Coalesce(Subquery(mine.annotate(v=Sum("total")).values("v")[:1]), Value(Decimal(0)),
                                    output_field=DecimalField(max_digits=16, decimal_places=0)),
        ).filter(_period_count__gte=max(count_min or 1, 1))
        if amount_min:
            queryset = queryset.filter(_period_amount__gte=amount_min)
    if last_from or last_to:
        last = Order.objects.filter(customer=OuterRef("pk")).order_by().values("customer") \
            .annotate(v=Max("ordered_on")).values("v")[:1]
        queryset = queryset.annotate(_last_order=Subquery(last))
        if last_from:
            queryset = queryset.filter(_last_order__gte=last_from)
        if last_to:
            queryset = queryset.filter(_last_order__lte=last_to)
    return queryset

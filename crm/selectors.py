"""Reads that several screens share."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Sum

from .models import ContactHistory, Customer, Purchase


@dataclass(frozen=True)
class CustomerSummary:
    """C9: what the card shows at the top."""

    last_contact_date: date | None
    contact_count: int
    last_purchase_date: date | None
    purchase_count: int
    total_quantity: Decimal
    total_amount: Decimal
    points: int


def customer_summary(*, customer: Customer) -> CustomerSummary:
    contacts = ContactHistory.objects.filter(customer=customer).aggregate(last=Max("date"), count=Count("id"))
    purchases = Purchase.objects.filter(customer=customer).aggregate(
        last=Max("date"), count=Count("id"), quantity=Sum("quantity"), amount=Sum("amount"), points=Sum("points")
    )
    return CustomerSummary(
        last_contact_date=contacts["last"],
        contact_count=contacts["count"],
        last_purchase_date=purchases["last"],
        purchase_count=purchases["count"],
        total_quantity=purchases["quantity"] or Decimal(0),
        total_amount=purchases["amount"] or Decimal(0),
        points=purchases["points"] or 0,
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

"""Reads of the points ledger. The balance is the ledger's sum, computed each time it is read."""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import PointEntry


def balance_of(customer_id: int) -> int:
    return PointEntry.objects.filter(customer_id=customer_id).aggregate(total=Coalesce(Sum("delta"), 0))["total"]


def balance_annotation():
    """The balance as an expression on a Customer queryset (the card's one query)."""
    total = (PointEntry.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
             .annotate(total=Sum("delta")).values("total"))
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def ledger_of(customer_id: int, *, limit: int = 100, before_id: int | None = None) -> list[PointEntry]:
    """The customer's entries, newest first; `before_id` pages on."""
    queryset = PointEntry.objects.filter(customer_id=customer_id).select_related("created_by").order_by("-id")
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    return list(queryset[:limit])

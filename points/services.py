"""Writes of the points ledger: an entry is added under a lock on its customer's row, so the balance
checked for a debit is the one the entry lands on (two debits at once cannot both pass)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.models import Customer

from .models import PointEntry
from .selectors import balance_of


class InsufficientPoints(ValidationError):
    """A debit beyond the balance: nothing written."""

    def __init__(self, *, balance: int, delta: int):
        super().__init__(_("This customer has %(balance)d points; %(used)d cannot be used. Nothing was saved.")
                         % {"balance": balance, "used": -delta}, code="insufficient_points")
        self.balance, self.delta = balance, delta


def points_add(*, customer: Customer, delta: int, user, reason: str = "", source: str = "",
               idempotency_key: str = "") -> tuple[PointEntry, int]:
    """Add one ledger entry; returns it and the new balance. A debit beyond the balance raises
    InsufficientPoints. Runs in (or as) a transaction holding the customer's row."""
    if not delta:
        raise ValidationError(_("Give a number of points other than 0."), code="zero_points")
    with transaction.atomic():
        # The lock: a second entry for this customer waits here until this one commits.
        Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()
        balance = balance_of(customer.pk)
        if balance + delta < 0:
            raise InsufficientPoints(balance=balance, delta=delta)
        entry = PointEntry.objects.create(customer=customer, delta=delta, reason=reason, source=source,
                                          idempotency_key=idempotency_key, created_by=user)
    return entry, balance + delta

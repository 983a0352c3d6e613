"""Writes on customers and what hangs off them. Admin, commands and the API call these."""

from django.db import transaction

from .models import Customer

# 会社名 … 電話番号 on the seed's card: what "copy the company block" (C6) carries over.
COMPANY_BLOCK_FIELDS = [
    "company_name", "company_kana", "department", "industry", "postal_code", "address", "building", "tel", "fax",
]


def customer_save(*, customer: Customer, user, reason: str = "") -> Customer:
    """Create or update a customer, recording who did it and why (更新目的, kept in its history)."""
    if customer.pk is None:
        customer.created_by = user
    customer.updated_by = user
    customer._history_user = user
    customer._change_reason = reason or None
    with transaction.atomic():
        customer.save()
    return customer


def customer_company_block(*, source: Customer) -> dict[str, str]:
    return {name: getattr(source, name) for name in COMPANY_BLOCK_FIELDS}

"""Writes on customers and what hangs off them. Admin, commands and the API call these."""

from django.db import transaction

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext as _

from . import extensions
from .models import Customer, SavedSearch

# 会社名 … 電話番号 on the seed's card: what "copy the company block" (C6) carries over.
COMPANY_BLOCK_FIELDS = [
    "company_name", "company_kana", "department", "industry", "postal_code", "address", "building", "tel", "fax",
]


def customer_save(*, customer: Customer, user, reason: str = "") -> Customer:
    """Create or update a customer, recording who did it and why (更新目的, kept in its history);
    then the reactions registered by the features (crm.extensions) run, in the same transaction."""
    if customer.pk is None:
        customer.created_by = user
    customer.updated_by = user
    customer._history_user = user
    customer._change_reason = reason or None
    adding = customer.pk is None
    with transaction.atomic():
        customer.save()
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=reason, created=adding, customer=customer))
    return customer


def customer_schedule(*, customer: Customer, user, effective_date, reason: str = ""):
    """The card's save with an 適用日 (C11): what differs from the stored customer is kept for that day
    by the app registered for it (crm.extensions.set_customer_scheduler); the customer is not written."""
    schedule = extensions.customer_scheduler()
    if schedule is None:
        raise ImproperlyConfigured("No app keeps scheduled changes (crm.extensions.set_customer_scheduler).")
    return schedule(customer=customer, user=user, effective_date=effective_date, reason=reason)


def customer_family_saved(*, customer: Customer, user=None) -> None:
    """After the card's 家族 rows were written: what copies them follows (E9: the event rows' names)."""
    extensions.customers_written(extensions.CustomersWritten(ids=(customer.pk,), user=user))


def customers_bulk_update(*, queryset, values: dict, user, reason: str = "") -> int:
    """Set the same values on many customers, one save each: history and search keys stay right.

    queryset.update() would skip both (it writes no history and runs no save()). The input
    rules (C8) apply first: a value that breaks one is refused before anything is written.
    """
    from django.core.exceptions import ValidationError

    from fieldconfig import rules as input_rules

    values, errors, _warnings = input_rules.apply_to_values("customer", values)
    if errors:
        raise ValidationError(errors)
    count = 0
    for customer in queryset.iterator(chunk_size=500):
        for name, value in values.items():
            setattr(customer, name, value)
        customer_save(customer=customer, user=user, reason=reason)
        count += 1
    return count


def customer_company_block(*, source: Customer) -> dict[str, str]:
    return {name: getattr(source, name) for name in COMPANY_BLOCK_FIELDS}


def customer_set_checkbox(*, customer: Customer, field: str, value: bool, user) -> Customer:
    """One checkbox flipped from the result list: saved alone, with history."""
    setattr(customer, field, value)
    customer.updated_by = user
    customer._history_user = user
    customer._change_reason = _("Changed from the result list")
    with transaction.atomic():
        customer.save(update_fields=[field, "updated_by", "updated_at"])
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=str(customer._change_reason), fields=frozenset([field]),
            customer=customer))
    return customer


def saved_search_create(*, owner, name: str, querystring: str, shared: bool) -> SavedSearch:
    return SavedSearch.objects.create(owner=owner, name=name, querystring=querystring, shared=shared)


def saved_search_delete(*, user, pk: int) -> None:
    search = SavedSearch.objects.filter(pk=pk).first()
    if search is None or (search.owner_id != user.pk and not user.is_superuser):
        raise PermissionDenied
    search.delete()

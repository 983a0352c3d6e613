"""Writes on customers and what hangs off them. Admin, commands and the API call these."""

from django.db import transaction

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Customer, SavedSearch

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
    adding = customer.pk is None
    if not adding and customer_changes_nothing(customer=customer):
        return customer  # the card saved as it was: no version, no notice (issue 22, point 22)
    with transaction.atomic():
        customer.save()
        if not adding:
            event_links_follow([customer.pk])
        _notify_followers(customer=customer, user=user, reason=reason)
    return customer


# What a save sets by itself, so never a change of the customer's data.
_SET_BY_SAVE = {"updated_at", "updated_by", "created_at", "created_by", "search_text"}


def customer_changes_nothing(*, customer: Customer) -> bool:
    """Whether saving this (stored) customer would write what is stored already: one query.
    An empty value counts the same as a NULL one."""
    customer.apply_invariants()  # as save() would: readings in katakana
    names = [f.attname for f in Customer._meta.concrete_fields if f.name not in _SET_BY_SAVE]
    stored = Customer.objects.filter(pk=customer.pk).values(*names).first()
    if stored is None:
        return False
    return all(stored[name] == getattr(customer, name)
               or (stored[name] in (None, "") and getattr(customer, name) in (None, "")) for name in names)


def customer_family_saved(*, customer: Customer) -> None:
    """After the card's 家族 rows were written: a family member's rows on event lists follow the name (E9)."""
    event_links_follow([customer.pk])


def event_links_follow(customer_ids, fields=None) -> None:
    """Business events keep on their rows who the mail goes to (name + address, E5) and the reading
    the list sorts by: after a write on customers, those copies follow, set-based
    (events.mourning.refresh_link_copies). `fields`: the fields written, when known; nothing is read
    when none of them is copied."""
    from events.mourning import COPIED_FIELDS, refresh_link_copies

    if fields is None or COPIED_FIELDS.intersection(fields):
        refresh_link_copies(customer_ids)


def _notify_followers(*, customer: Customer, user, reason: str = "") -> None:
    """更新通知 (C11): those who follow this customer or its branch hear of the change, in the
    same transaction (one query when nobody follows; no signals)."""
    from scheduling.services import notify_followers

    notify_followers(customer=customer, actor=user, reason=reason)


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
        _notify_followers(customer=customer, user=user, reason=customer._change_reason)
    return customer


def saved_search_create(*, owner, name: str, querystring: str, shared: bool) -> SavedSearch:
    return SavedSearch.objects.create(owner=owner, name=name, querystring=querystring, shared=shared)


def saved_search_delete(*, user, pk: int) -> None:
    search = SavedSearch.objects.filter(pk=pk).first()
    if search is None or (search.owner_id != user.pk and not user.is_superuser):
        raise PermissionDenied
    search.delete()

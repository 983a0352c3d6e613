"""Writes on customers and what hangs off them. Admin, commands and the API call these."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldconfig import rules as input_rules

from . import bulk_write, extensions, locking
from .models import ContactHistory, Customer, SavedSearch

# The company block: 会社名, フリガナ, 〒, 住所, ビル名, TEL, FAX, the company's own, what changes when it is
# renamed or moves (the bulk change of S5). "Copy the company block" (C6, 会社名 … 電話番号 on the seed's
# card) carries the same block to a colleague's new card, with the 部署 and 業種 between as the card has them.
COMPANY_BLOCK = ["company_name", "company_kana", "postal_code", "address", "building", "tel", "fax"]
COMPANY_BLOCK_COPIED = [*COMPANY_BLOCK[:2], "department", "industry", *COMPANY_BLOCK[2:]]
# how many customers the bulk writer reads and writes at a time
BULK_CHUNK = 2000


def customer_save(*, customer: Customer, user, reason: str = "") -> Customer:
    """Create or update a customer, recording who did it and why (更新目的, kept in its history);
    then the reactions registered by the features (crm.extensions) run, in the same transaction."""
    if customer.pk is None:
        customer.created_by = user
    customer.updated_by = user
    customer._history_user = user
    customer._change_reason = reason or None
    adding = customer.pk is None
    if not adding and customer_changes_nothing(customer=customer):
        return customer  # the card saved as it was: no version, no notice (issue 22, point 22)
    with transaction.atomic():
        locking.claim(customer)  # the version its editor saw, or StaleWrite: nothing written (issue 24.3)
        customer.save()
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=reason, created=adding, customer=customer))
    return customer


# What a save sets by itself, so never a change of the customer's data.
_SET_BY_SAVE = {"updated_at", "updated_by", "created_at", "created_by", "search_text", "version"}


def contact_history_add(*, contact: ContactHistory, user, reason: str = "") -> ContactHistory:
    """A new contact history (H1) outside the card's editor: the public inquiry form (I1). The caller has
    decided the customer is the one to write to; its creation record names `user` (None: the public)."""
    if contact.pk is not None:
        raise ValueError("contact_history_add makes new rows only")
    contact._history_user = user
    contact._change_reason = reason or None
    contact.full_clean(exclude=["customer", "staff", "department", "category"])
    contact.save()
    return contact


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



def customer_schedule(*, customer: Customer, user, effective_date, reason: str = ""):
    """The card's save with an 適用日 (C11): what differs from the stored customer is kept for that day
    by the app registered for it (crm.extensions.set_customer_scheduler); the customer is not written."""
    schedule = extensions.customer_scheduler()
    if schedule is None:
        raise ImproperlyConfigured("No app keeps scheduled changes (crm.extensions.set_customer_scheduler).")
    return schedule(customer=customer, user=user, effective_date=effective_date, reason=reason)


@dataclass(frozen=True)
class ScheduledEdit:
    """What the card's save with an 適用日 did: the change kept for that day, or why nothing was kept."""

    change: Any = None
    problem: str = ""


def customer_schedule_edit(*, customer: Customer, user, effective_date, reason: str = "",
                           related_changed: bool = False) -> ScheduledEdit:
    """The card saved with an 適用日 (C11): the customer's changes are kept for that day (customer_schedule)
    and nothing is written now. Rows hanging off the customer (家族, 前職, 電話番号) cannot be scheduled: a
    save that changes them too keeps nothing."""
    with transaction.atomic():
        try:
            change = customer_schedule(customer=customer, user=user, effective_date=effective_date, reason=reason)
        except ValidationError as exc:
            return ScheduledEdit(problem=" ".join(exc.messages))
        if related_changed:
            change.delete()
            return ScheduledEdit(problem=_("Family, career and phone numbers cannot be scheduled: nothing was "
                                           "saved. Save them without an effective date."))
    return ScheduledEdit(change=change)


def customer_family_saved(*, customer: Customer, user=None) -> None:
    """After the card's 家族 rows were written: what copies them follows (E9: the event rows' names)."""
    extensions.customers_written(extensions.CustomersWritten(ids=(customer.pk,), user=user))


def customers_bulk_update(*, queryset, values: dict, user, reason: str = "", reporter=None) -> int:
    """Set the same values on many customers through the bulk writer (crm.bulk_write): a history record
    each with 更新目的, search keys refreshed, the registered reactions run (the events' copies follow);
    customers that already hold the values are left alone. Returns how many changed.

    queryset.update() would skip history and keys. The input rules (C8) apply first: a value that
    breaks one is refused (ValidationError by field) before anything is written. `reporter` (a job's)
    hears of the progress and may cancel between chunks."""
    values, errors, _warnings = input_rules.apply_to_values("customer", values)
    if errors:
        raise ValidationError(errors)
    changed = 0
    fields = sorted(values)
    with transaction.atomic():
        writes = bulk_write.CustomerWrites(connection, user=user, reason=reason)
        ids = list(queryset.order_by().values_list("pk", flat=True))
        for start in range(0, len(ids), BULK_CHUNK):
            if reporter:
                reporter.check()
            chunk = list(Customer.objects.filter(pk__in=ids[start:start + BULK_CHUNK]))
            todo = []
            for customer in chunk:
                if all(getattr(customer, name) == value for name, value in values.items()):
                    continue
                for name, value in values.items():
                    setattr(customer, name, value)
                todo.append(customer)
            writes.update(todo, fields)
            changed += len(todo)
            if reporter:
                reporter.advance(len(chunk))
    return changed


def customer_delete(*, customer: Customer, user, reason: str = "") -> None:
    """Delete a customer (with what hangs off it), its last history record saying who and why; then the
    registered reactions hear of it."""
    pk = customer.pk
    customer._history_user = user
    customer._change_reason = reason or None
    with transaction.atomic():
        customer.delete()
        extensions.customers_deleted(extensions.CustomersDeleted(ids=(pk,), user=user))


def customers_delete(*, queryset, user, reason: str = "") -> int:
    """The list's 「選択した顧客の削除」: each customer as customer_delete does (its history record says who),
    all or none; the reactions hear of them once. Returns how many."""
    ids = []
    with transaction.atomic():
        for customer in queryset.order_by():
            ids.append(customer.pk)
            customer._history_user = user
            customer._change_reason = reason or None
            customer.delete()
        if ids:
            extensions.customers_deleted(extensions.CustomersDeleted(ids=tuple(ids), user=user))
    return len(ids)


def customer_restore(*, values: dict, user, reason: str = "") -> Customer:
    """A deleted customer back as it was stored (`values` by attname, its id included): a creation record
    with who and why, its own times and last author put back (not the restore's); the reactions run
    (as for a new customer)."""
    customer = Customer(**values)
    customer._history_user = user
    customer._change_reason = reason or None
    with transaction.atomic():
        customer.save(force_insert=True)
        kept = [name for name in ("created_at", "updated_at", "updated_by") if Customer._meta.get_field(name).attname
                in values]
        for name in kept:
            attname = Customer._meta.get_field(name).attname
            setattr(customer, attname, values[attname])
        bulk_write.update_records([customer], kept, history=False)  # save() stamped its own
        extensions.customers_written(extensions.CustomersWritten(ids=(customer.pk,), user=user, reason=reason,
                                                                 created=True))
    return customer


def customers_merged(*, survivor: Customer, merged_ids, user, undone: bool = False) -> None:
    """After a merge (or its undo) wrote the customers through the functions above: the features that
    keep rows of them hear of it (crm.extensions.on_customers_merged)."""
    extensions.customers_merged(extensions.CustomersMerged(survivor=survivor, merged_ids=tuple(merged_ids),
                                                           user=user, undone=undone))


def customer_company_block(*, source: Customer) -> dict[str, str]:
    return {name: getattr(source, name) for name in COMPANY_BLOCK_COPIED}


def customer_set_checkbox(*, customer: Customer, field: str, value: bool, user) -> Customer:
    """One checkbox flipped from the result list: saved alone, with history. The flip is of the value the
    list showed: a checkbox someone else set in the meantime is refused (locking.StaleWrite), and the
    version goes up, so a card opened before the flip cannot put it back (issue 24.3)."""
    with transaction.atomic():
        # one conditional UPDATE: of a toggle and a card save sent at once, each sees the other's write
        claimed = Customer._base_manager.filter(pk=customer.pk, **{field: not value}).update(
            version=models.F("version") + 1)
        if claimed != 1:
            raise locking.StaleWrite(
                _("Someone else changed this checkbox in the meantime. Nothing was changed: reload the list."),
                current=Customer._base_manager.filter(pk=customer.pk).first())
        customer.refresh_from_db()  # its history record copies the row as stored now
        setattr(customer, field, value)
        customer.updated_by = user
        customer._history_user = user
        customer._change_reason = _("Changed from the result list")
        customer.save(update_fields=[field, "updated_by", "updated_at"])
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=str(customer._change_reason), fields=frozenset([field]),
            customer=customer))
    return customer


def customer_set_mail_opt_out(*, customer: Customer, user=None, reason: str = "") -> bool:
    """配信停止 (W4): the customer gets no more bulk mail. Set once: a second call changes nothing and
    returns False. `user` is None when the customer did it from the link in a mail (no login). One
    conditional UPDATE (so two clicks write once), then a history record and the registered reactions."""
    with transaction.atomic():
        claimed = Customer._base_manager.filter(pk=customer.pk, mail_opted_out_at__isnull=True).update(
            mail_opted_out_at=timezone.now(), version=models.F("version") + 1)
        if claimed != 1:
            return False
        customer.refresh_from_db()
        customer._history_user = user
        customer._change_reason = reason or _("Mail opt-out")
        customer.save(update_fields=["mail_opted_out_at"])  # its history record (who, why)
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=str(customer._change_reason),
            fields=frozenset(["mail_opted_out_at"])))
    return True


def customer_clear_mail_opt_out(*, customer: Customer, user, reason: str) -> bool:
    """配信停止 cleared by a staff member (W4): the customer asked to take bulk mail again. The caller has
    checked the user may change this customer (crm.permissions); the reason is required and kept in the
    history record. One conditional UPDATE, as for setting it: False when it was not set (nothing
    written)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the mail opt-out is cleared.")})
    with transaction.atomic():
        claimed = Customer._base_manager.filter(pk=customer.pk, mail_opted_out_at__isnull=False).update(
            mail_opted_out_at=None, version=models.F("version") + 1)
        if claimed != 1:
            return False
        customer.refresh_from_db()
        customer.updated_by = user
        customer._history_user = user
        customer._change_reason = reason
        customer.save(update_fields=["mail_opted_out_at", "updated_by", "updated_at"])  # its history record
        extensions.customers_written(extensions.CustomersWritten(
            ids=(customer.pk,), user=user, reason=reason, fields=frozenset(["mail_opted_out_at"]),
            customer=customer))
    return True


def merged_mail_opt_out(customers) -> datetime.datetime | None:
    """配信停止 survives 名寄せ (W4): a person who asked for no more mail stays opted out, so the kept
    customer of a merge is opted out if any of the merged customers was, since the earliest of their times."""
    return min((c.mail_opted_out_at for c in customers if c.mail_opted_out_at is not None), default=None)


def unmerged_mail_opt_out(*, own, kept_now, merged_at) -> datetime.datetime | None:
    """配信停止 of a customer a merge's undo gives back (the kept one or a merged one): its own from before
    the merge (`own`), unless the kept customer was opted out after the merge (`kept_now` later than
    `merged_at`: the person asked since, from a mail to the merged customer). That request stays, on every
    customer given back, since nobody can tell which of them it was."""
    if kept_now is not None and kept_now > merged_at:
        return own if own is not None and own <= kept_now else kept_now
    return own


def contacts_create(*, contacts: list, user, reason: str = "") -> list[int]:
    """New contact histories (H1) in bulk, each with its creation record (the bulk writer), in the caller's
    transaction: the log of a bulk mail (W4). The caller has checked the customers are the user's."""
    with transaction.atomic():
        return bulk_write.insert_records(bulk_write.Writer(connection), contacts, user_id=getattr(user, "pk", None),
                                         reason=reason)


def saved_search_create(*, owner, name: str, querystring: str, shared: bool) -> SavedSearch:
    return SavedSearch.objects.create(owner=owner, name=name, querystring=querystring, shared=shared)


def saved_search_delete(*, user, pk: int) -> None:
    search = SavedSearch.objects.filter(pk=pk).first()
    if search is None or (search.owner_id != user.pk and not user.is_superuser):
        raise PermissionDenied
    search.delete()


def purchases_create(*, purchases: list, user, reason: str = "") -> list[int]:
    """New purchases (H2) in bulk, each with its creation record (the bulk writer), in one transaction:
    the outside systems' sales (the API's bulk post). The caller has checked the customers are the
    user's to write and the fields theirs to set (crm.permissions). The amount is quantity × unit price
    where it was left out, as Purchase.save() makes it."""
    for purchase in purchases:
        if purchase.amount is None:
            purchase.amount = purchase.quantity * purchase.unit_price
    with transaction.atomic():
        return bulk_write.insert_records(bulk_write.Writer(connection), purchases, user_id=user.pk, reason=reason)

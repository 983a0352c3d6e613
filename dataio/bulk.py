"""Bulk updates (S5) on many customers: the company block after a rename or a move, checkboxes.

Every customer changed gets a history record with the purpose (更新目的); the whole update is
one transaction and one audit entry. Writes go through crm.bulk_write, 2,000 customers at a
time, so 10,000 customers take seconds, not minutes of save() calls.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from audit import events as audit_events
from crm.bulk_write import CustomerWrites
from crm.models import Customer
from fieldconfig import rules as input_rules

CHUNK = 2000
# 会社名, フリガナ, 〒, 住所, ビル名, TEL, FAX: what changes when a company is renamed or moves.
COMPANY_BLOCK = ["company_name", "company_kana", "postal_code", "address", "building", "tel", "fax"]


def bulk_update(*, user, queryset, values: dict, reason: str, action: str, reporter=None) -> int:
    """Set `values` (field → value) on every customer of `queryset`; returns how many changed.

    The input rules (C8) apply first: values converted, a value that breaks one refused
    (ValidationError by field) before anything is written."""
    values, errors, _warnings = input_rules.apply_to_values("customer", values)
    if errors:
        raise ValidationError(errors)
    changed = 0
    fields = sorted(values)
    with transaction.atomic():
        writes = CustomerWrites(connection, user=user, reason=reason)
        ids = list(queryset.order_by().values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            if reporter:
                reporter.check()
            chunk = list(Customer.objects.filter(pk__in=ids[start:start + CHUNK]))
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
        audit_events.record(audit_events.Action.BULK, user=user, row_count=changed,
                            detail={"action": action, "fields": fields, "selected": len(ids)})
        if reporter:
            reporter.hold()
    return changed


def checkbox_values(set_names: list[str], clear_names: list[str]) -> dict:
    return {**{name: True for name in set_names}, **{name: False for name in clear_names}}

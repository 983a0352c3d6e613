"""Bulk updates (S5) on many customers: the company block after a rename or a move, checkboxes.

Every customer changed gets a history record with the purpose (更新目的); the whole update is
one transaction and one audit entry. Writes go through crm.services (crm.bulk_write), 2,000 customers
at a time, so 10,000 customers take seconds, not minutes of save() calls.
"""

from __future__ import annotations

from django.db import transaction

from audit import events as audit_events
from crm import services

# 会社名, フリガナ, 〒, 住所, ビル名, TEL, FAX: what changes when a company is renamed or moves (one list: crm's).
COMPANY_BLOCK = services.COMPANY_BLOCK


def bulk_update(*, user, queryset, values: dict, reason: str, action: str, reporter=None) -> int:
    """Set `values` (field → value) on every customer of `queryset` through crm.services (the bulk
    writer: history with the purpose, search keys, the reactions); returns how many changed, and the
    whole update is one audit entry. The input rules (C8) refuse a value before anything is written."""
    with transaction.atomic():
        selected = queryset.order_by().count()
        changed = services.customers_bulk_update(queryset=queryset, values=values, user=user, reason=reason,
                                                 reporter=reporter)
        audit_events.record(audit_events.Action.BULK, user=user, row_count=changed,
                            detail={"action": action, "fields": sorted(values), "selected": selected})
        if reporter:
            reporter.hold()  # the job's lease checked before the transaction commits (issue 24, point 2)
    return changed


def checkbox_values(set_names: list[str], clear_names: list[str]) -> dict:
    return {**{name: True for name in set_names}, **{name: False for name in clear_names}}

"""Merging duplicates (S6): one customer is kept, the others' records move to it, and the merge
can be undone exactly (MergeRecord keeps the rows as they were and which records moved)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import permissions, services
from crm.models import CareerEntry, ContactHistory, Customer, CustomerPhone, FamilyMember, Purchase

from .models import MergeRecord

# What hangs off a customer and moves to the kept one (attachments go with their contact history).
CHILDREN = [ContactHistory, Purchase, FamilyMember, CareerEntry, CustomerPhone]
NOT_MERGED = {"id", "code", "search_text", "created_at", "created_by", "updated_at", "updated_by"}
MERGE_REASON = "名寄せ（統合）"
UNDO_REASON = "名寄せの取消"


def mergeable_fields(user) -> list[str]:
    """In card order (the customer file's columns), without what this user may not see."""
    from .columns import TARGETS

    invisible = permissions.invisible_fields(user, "customer")
    concrete = {f.name for f in Customer._meta.concrete_fields}
    return [name for name in TARGETS["customers"].field_names()
            if name in concrete and name not in NOT_MERGED and name not in invisible]


def snapshot(customer: Customer) -> dict:
    values = {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def from_snapshot(values: dict) -> dict:
    fields = {f.attname: f for f in Customer._meta.concrete_fields}
    return {name: fields[name].to_python(value) if value is not None else None
            for name, value in values.items() if name in fields}


def merge(*, user, survivor_id: int, ids: list[int], choices: dict[str, int]) -> MergeRecord:
    """Keep `survivor_id`; each field of `choices` takes the value of the customer it names."""
    ids = sorted(set(ids) | {survivor_id})
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two customers to merge."))
    with transaction.atomic():
        customers = {c.pk: c for c in permissions.visible_customers(user).select_for_update().filter(pk__in=ids)}
        if len(customers) != len(ids):
            raise PermissionDenied  # one of them is not the user's to see: nothing changes
        survivor = customers[survivor_id]
        others = [customers[pk] for pk in ids if pk != survivor_id]
        allowed = set(mergeable_fields(user))
        before = snapshot(survivor)
        for name, source_id in choices.items():
            if name not in allowed or source_id not in customers:
                raise ValidationError(_("The merge form does not match these customers. Open it again."))
            attname = Customer._meta.get_field(name).attname
            setattr(survivor, attname, getattr(customers[source_id], attname))
        moved = {}
        for model in CHILDREN:
            rows = list(model.objects.filter(customer__in=others).values_list("id", "customer_id"))
            if rows:
                model.objects.filter(pk__in=[pk for pk, _c in rows]).update(customer=survivor)
            moved[model._meta.label] = rows
        merged = [snapshot(other) for other in others]
        services.customer_save(customer=survivor, user=user, reason=MERGE_REASON)
        for other in others:
            other._history_user = user
            other._change_reason = f"{MERGE_REASON} → {survivor.code}"
            other.delete()
        record = MergeRecord.objects.create(user=user, survivor=survivor, survivor_code=survivor.code,
                                            survivor_before=before, merged=merged, moved=moved)
        audit_events.record(audit_events.Action.MERGE, user=user, target=survivor, row_count=len(ids),
                            detail={"merged": [o["code"] for o in merged], "merge": record.pk})
    return record


def undo(*, user, record: MergeRecord) -> Customer:
    """The customers as they were before the merge, with their records back."""
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.undone_at is not None:
            raise ValidationError(_("This merge has already been undone."))
        survivor = permissions.visible_customers(user).filter(pk=record.survivor_id).first()
        if survivor is None:
            raise PermissionDenied
        for attname, value in from_snapshot(record.survivor_before).items():
            if attname not in ("id", "updated_at", "updated_by_id", "search_text"):
                setattr(survivor, attname, value)
        services.customer_save(customer=survivor, user=user, reason=UNDO_REASON)
        for values in record.merged:
            customer = Customer(**from_snapshot(values))
            customer._history_user = user
            customer._change_reason = UNDO_REASON
            customer.save(force_insert=True)
            # save() stamps a new registration time; the customer was registered when it was
            Customer.objects.filter(pk=customer.pk).update(created_at=from_snapshot(values)["created_at"])
        for label, rows in record.moved.items():
            model = next(m for m in CHILDREN if m._meta.label == label)
            by_owner: dict[int, list[int]] = {}
            for pk, owner in rows:
                by_owner.setdefault(owner, []).append(pk)
            for owner, pks in by_owner.items():
                model.objects.filter(pk__in=pks).update(customer_id=owner)
        record.undone_at = timezone.now()
        record.save(update_fields=["undone_at"])
        audit_events.record(audit_events.Action.MERGE, user=user, target=survivor, row_count=len(record.merged) + 1,
                            detail={"undone": record.pk, "restored": [m.get("code") for m in record.merged]})
    return survivor

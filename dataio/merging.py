"""Merging duplicates (S6): one customer is kept, the others' records move to it, and the merge
can be undone exactly (MergeRecord keeps the rows as they were and which records moved).

Business events move too (E5): the merged customers' rows on event lists (their own and their
family members'), and their 喪中 records. The kept customer is on a list once and has one household
喪中 per year: a merged customer's row of an event the kept customer is already on, or its household
喪中 of a year the kept customer already has, is dropped, kept whole on the MergeRecord, and put back
by the undo. The lists' derived columns (person key, 喪中 tick) follow the kept customer, and the
undo gives back the values they had.
"""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import bulk_write, permissions, services
from crm.models import CareerEntry, ContactHistory, Customer, CustomerPhone, FamilyMember, Purchase
from events import mourning as event_persons
from events.models import Event, EventLink, Mourning
from orders.models import Estimate, Order
from points.models import PointEntry

from .columns import TARGETS
from .models import MergeRecord

# What hangs off a customer and moves to the kept one (attachments go with their contact history;
# the event rows and 喪中 of a family member go with the family member, after it).
# Orders and estimates move too: their customer is PROTECTed (an issued invoice stays), so a merge that left
# them would be refused.
CHILDREN = [ContactHistory, Purchase, FamilyMember, CareerEntry, CustomerPhone, EventLink, Mourning, Order, Estimate,
            PointEntry]
# Children the kept customer holds once per value of a field (its own rows, not its family members'):
# a merged customer's row with a value the kept customer (or a merged customer before it) has is dropped.
ONE_PER_CUSTOMER = {EventLink: "event_id", Mourning: "year"}
# MergeRecord.moved, besides {"app.Model": [[id, former customer id], …]}:
DROPPED = "dropped"  # {"app.Model": [the dropped row's values, …]}, put back by undo
LINK_STATE = "event_link_state"  # [[link id, person_key, mourning], …] of every row of the customers, as they were
NOT_MERGED = {"id", "code", "search_text", "created_at", "created_by", "updated_at", "updated_by"}
MERGE_REASON = "名寄せ（統合）"
UNDO_REASON = "名寄せの取消"


def mergeable_fields(user) -> list[str]:
    """In card order (the customer file's columns), without what this user may not see."""
    invisible = permissions.invisible_fields(user, "customer")
    concrete = {f.name for f in Customer._meta.concrete_fields}
    return [name for name in TARGETS["customers"].field_names()
            if name in concrete and name not in NOT_MERGED and name not in invisible]


class _ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond (DjangoJSONEncoder keeps milliseconds): a row comes back as it was."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def snapshot(customer: Customer) -> dict:
    """A customer's stored values as JSON, each one given back exactly by from_snapshot (times to the
    microsecond, decimals as text, None apart from "")."""
    return _row(customer)


def from_snapshot(values: dict) -> dict:
    fields = {f.attname: f for f in Customer._meta.concrete_fields}
    return {name: fields[name].to_python(value) if value is not None else None
            for name, value in values.items() if name in fields}


def merge(*, user, survivor_id: int, ids: list[int], choices: dict[str, int], versions=None) -> MergeRecord:
    """Keep `survivor_id`; each field of `choices` takes the value of the customer it names. `versions`
    ({id: version}, what the compare screen showed): a customer saved since is not merged (issue 24.3)."""
    ids = sorted(set(ids) | {survivor_id})
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two customers to merge."))
    with transaction.atomic():
        customers = {c.pk: c for c in permissions.visible_customers(user).select_for_update().filter(pk__in=ids)}
        if len(customers) != len(ids):
            raise PermissionDenied  # one of them is not the user's to see: nothing changes
        changed = [customers[pk].code for pk, seen in (versions or {}).items()
                   if pk in customers and customers[pk].version != seen]
        if changed:
            raise ValidationError(_("%(codes)s changed after this screen was opened. Nothing was merged: check the "
                                    "values shown now and merge again.") % {"codes": "、".join(sorted(changed))})
        survivor = customers[survivor_id]
        others = [customers[pk] for pk in ids if pk != survivor_id]
        allowed = set(mergeable_fields(user))
        before = snapshot(survivor)
        for name, source_id in choices.items():
            if name not in allowed or source_id not in customers:
                raise ValidationError(_("The merge form does not match these customers. Open it again."))
            attname = Customer._meta.get_field(name).attname
            setattr(survivor, attname, getattr(customers[source_id], attname))
        # whoever asked for no more mail stays opted out (W4); the undo gives each its own back
        survivor.mail_opted_out_at = services.merged_mail_opt_out(customers.values())
        link_state = _link_state(EventLink.objects.filter(customer_id__in=ids))
        moved, dropped = {}, {}
        for model in CHILDREN:
            if model in ONE_PER_CUSTOMER:
                rows = _drop_duplicates(model, survivor=survivor, others=others, user=user)
                if rows:
                    dropped[model._meta.label] = rows
            objs = list(model.objects.filter(customer__in=others).order_by("id"))
            moved[model._meta.label] = [[obj.pk, obj.customer_id] for obj in objs]
            for obj in objs:
                obj.customer_id = survivor.pk
            bulk_write.update_records(objs, ["customer"], user=user, reason=f"{MERGE_REASON} → {survivor.code}")
        merged = [snapshot(other) for other in others]
        services.customer_save(customer=survivor, user=user, reason=MERGE_REASON)  # person keys follow (E5)
        _refresh_mourning_ticks([survivor.pk])
        moved[DROPPED] = dropped
        moved[LINK_STATE] = [[pk, *state] for pk, state in link_state.items()]
        for other in others:
            services.customer_delete(customer=other, user=user, reason=f"{MERGE_REASON} → {survivor.code}")
        record = MergeRecord.objects.create(user=user, survivor=survivor, survivor_code=survivor.code,
                                            survivor_before=before, merged=merged, moved=moved)
        # Whose customers these were: the record and its log entry are read by those who see them all (R2).
        branches = {before["branch_id"], survivor.branch_id, *(other.branch_id for other in others)}
        record.branches.set(branches)
        audit_events.record(audit_events.Action.MERGE, user=user, target=survivor, row_count=len(ids),
                            detail={"merged": [o["code"] for o in merged], "merge": record.pk}, branches=branches)
        services.customers_merged(survivor=survivor, merged_ids=[other.pk for other in others], user=user)
    return record


def visible_merge_records(user, queryset=None):
    """The merges this user may read and undo (R2): those whose customers were all of branches the
    user sees; head office reads every one. A merge of no known branch is head office's."""
    queryset = MergeRecord.objects.all() if queryset is None else queryset
    if permissions.sees_all_branches(user):
        return queryset
    through = MergeRecord.branches.through.objects.filter(mergerecord_id=OuterRef("pk"))
    return (queryset.filter(Exists(through))
            .exclude(Exists(through.exclude(branch_id__in=permissions.visible_branch_ids(user)))))


def moved_count(record: MergeRecord) -> int:
    """How many records the undo gives back to the merged customers (moved and dropped)."""
    dropped = record.moved.get(DROPPED, {})
    return (sum(len(record.moved.get(m._meta.label, [])) for m in CHILDREN)
            + sum(len(dropped.get(m._meta.label, [])) for m in CHILDREN))


def undo(*, user, record: MergeRecord) -> Customer:
    """The customers as they were before the merge, with their records back."""
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.undone_at is not None:
            raise ValidationError(_("This merge has already been undone."))
        survivor = permissions.visible_customers(user).filter(pk=record.survivor_id).first()
        if survivor is None:
            raise PermissionDenied
        # The merge changed only mergeable fields of the kept customer: the others (its code, 登録日時 …)
        # are as they were, and a record kept before times had microseconds would round them.
        unchanged = {Customer._meta.get_field(name).attname for name in NOT_MERGED}
        opted_out_now = survivor.mail_opted_out_at
        for attname, value in from_snapshot(record.survivor_before).items():
            if attname not in unchanged:
                setattr(survivor, attname, value)
        # 配信停止 (W4): each its own back, and one asked for since the merge stays on all of them
        survivor.mail_opted_out_at = services.unmerged_mail_opt_out(
            own=survivor.mail_opted_out_at, kept_now=opted_out_now, merged_at=record.at)
        services.customer_save(customer=survivor, user=user, reason=UNDO_REASON)  # the undo is its change
        for values in record.merged:  # back as they were stored, with their own times and last author
            values = from_snapshot(values)
            values["mail_opted_out_at"] = services.unmerged_mail_opt_out(
                own=values.get("mail_opted_out_at"), kept_now=opted_out_now, merged_at=record.at)
            services.customer_restore(values=values, user=user, reason=UNDO_REASON)
        for model in CHILDREN:
            owners = {pk: owner for pk, owner in record.moved.get(model._meta.label, [])}
            objs = list(model.objects.filter(pk__in=list(owners)).order_by("id"))
            for obj in objs:
                obj.customer_id = owners[obj.pk]
            bulk_write.update_records(objs, ["customer"], user=user, reason=UNDO_REASON)
        for model in CHILDREN:
            for values in record.moved.get(DROPPED, {}).get(model._meta.label, []):
                _restore_row(model, values, user=user)
        restored = [record.survivor_id, *(values["id"] for values in record.merged)]
        event_persons.refresh_link_copies(restored)  # rows made since the merge follow their customer
        _refresh_mourning_ticks(restored)
        _put_link_state(record.moved.get(LINK_STATE, []))
        record.undone_at = timezone.now()
        record.save(update_fields=["undone_at"])
        audit_events.record(audit_events.Action.MERGE, user=user, target=survivor, row_count=len(record.merged) + 1,
                            detail={"undone": record.pk, "restored": [m.get("code") for m in record.merged]},
                            branches=set(record.branches.values_list("id", flat=True)))
        services.customers_merged(survivor=survivor, merged_ids=restored[1:], user=user, undone=True)
    return survivor


def _row(obj) -> dict:
    # not its version (issue 24.3): bookkeeping of the writes, not a value; a row put back keeps counting
    values = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.attname != "version"}
    return json.loads(json.dumps(values, cls=_ExactEncoder))


# --- business events (E5): one row per event and one household 喪中 per year on the kept customer ---------
def _drop_duplicates(model, *, survivor: Customer, others: list[Customer], user) -> list[dict]:
    """Delete (with history) the others' own rows whose ONE_PER_CUSTOMER value the kept customer has,
    or a merged customer before them; returns those rows as they were."""
    field = ONE_PER_CUSTOMER[model]
    own = model.objects.filter(family_member__isnull=True)
    taken = set(own.filter(customer=survivor).values_list(field, flat=True))
    drop = []
    for pk, value in own.filter(customer__in=others).order_by("id").values_list("id", field):
        (drop if value in taken else []).append(pk)
        taken.add(value)
    rows = []
    for obj in model.objects.filter(pk__in=drop).order_by("id"):
        rows.append(_row(obj))
        obj._history_user = user
        obj._change_reason = f"{MERGE_REASON} → {survivor.code}"
        obj.delete()
    return rows


def _restore_row(model, values: dict, *, user) -> None:
    """A dropped row back as it was, with its id and times; one that points at something deleted since
    (an event, a family member) cannot come back; a gift item deleted since is left empty."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    row = {name: fields[name].to_python(value) if value is not None else None
           for name, value in values.items() if name in fields}
    for name, field in fields.items():
        if field.is_relation and row.get(name) is not None and name != "customer_id":
            if not field.related_model._base_manager.filter(pk=row[name]).exists():
                if not field.null or name in ("event_id", "family_member_id"):
                    return
                row[name] = None
    obj = model(**row)
    obj._history_user = user
    obj._change_reason = UNDO_REASON
    obj.save(force_insert=True)
    # save() stamps its own times; the row keeps those it had
    times = [f.name for f in model._meta.concrete_fields
             if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and f.attname in row]
    for name in times:
        attname = model._meta.get_field(name).attname
        setattr(obj, attname, row[attname])
    bulk_write.update_records([obj], times, history=False)


def _link_state(links) -> dict[int, tuple[str, bool]]:
    return {pk: (key, mourning) for pk, key, mourning in links.order_by().values_list("id", "person_key", "mourning")}


def _refresh_mourning_ticks(customer_ids: list[int]) -> None:
    """The 喪中 column of these customers' new-year-card rows follows their 喪中 records (two UPDATEs a year)."""
    links = EventLink.objects.filter(customer_id__in=customer_ids)
    years = set(links.filter(event__kind=Event.Kind.NEW_YEAR_CARD).values_list("event__year", flat=True))
    for year in sorted(years):
        event_persons.refresh_link_flags(links, year)


def _put_link_state(rows: list) -> None:
    """The person keys and 喪中 ticks of the rows the customers had, back as they were: one UPDATE per
    distinct pair."""
    by_state: dict[tuple[str, bool], list[int]] = {}
    for pk, key, mourning in rows:
        by_state.setdefault((key, mourning), []).append(pk)
    for (key, mourning), pks in by_state.items():
        bulk_write.set_derived(EventLink.objects.filter(pk__in=pks), person_key=key, mourning=mourning)

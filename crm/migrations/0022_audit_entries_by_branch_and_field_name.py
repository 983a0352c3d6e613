"""The audit log's entries before it stored whose data they concern and the changed fields by name.

1. AuditEvent.branch_id (R2: a store manager reads their branches' entries): an entry about a
   customer (or a record of one: its customer_code) takes the customer's branch, from the customer
   or, for one deleted since, from its latest past version; an entry about a branch takes that branch.
   Entries about nothing of a branch keep none (they are read by whom made them).
2. detail["fields"] (R3: a restricted field's label is shown only to its group): the labels stored
   by Django's change message become the field names they stand for, read from the labels the
   office has configured and the default ones, in Japanese and English. A label that names no field
   of the entry's model (a row of the card's editors, a label changed since) stays as stored, and the
   log's screen shows it only to those from whom nothing of that model is restricted.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.text import capfirst

UPDATES = ("create", "update", "config", "role")
BATCH = 1000


def _labels(apps, label: str) -> dict[str, str]:
    """label (as a form showed it) → field name, for the model `label` ('crm.Customer')."""
    from django.apps import apps as global_apps

    from fieldconfig import defaults

    try:
        model = global_apps.get_model(label)
    except (LookupError, ValueError):
        return {}
    out = {}
    config_name = model._meta.model_name
    configured = defaults.DEFAULT_LABELS.get(config_name, {})
    for language in ("en", "ja"):
        with translation.override(language):
            for field in model._meta.get_fields():
                verbose = getattr(field, "verbose_name", None)
                # a configured label (fieldconfig's ConfiguredLabel) is read below, not through the cache
                if verbose is not None and field.name not in configured:
                    out.setdefault(str(capfirst(verbose)), field.name)
            for name, default in configured.items():
                out.setdefault(str(capfirst(default)), name)
                for mode in defaults.MODE_LABELS.values():
                    mode_label = mode.get(config_name, {}).get(name)
                    if mode_label is not None:
                        out.setdefault(str(capfirst(mode_label)), name)
    if configured:
        FieldSetting = apps.get_model("fieldconfig", "FieldSetting")
        for name, typed in FieldSetting.objects.filter(model=config_name).exclude(label="").values_list(
                "field_name", "label"):
            out[typed] = name  # what the office named it wins over a default of the same text
    return out


def fields_by_name(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    maps: dict[str, dict[str, str]] = {}
    changed = []
    rows = AuditEvent.objects.filter(action__in=UPDATES).exclude(target_type="").only("id", "target_type", "detail")
    for event in rows.iterator(chunk_size=2000):
        stored = (event.detail or {}).get("fields") or []
        if not stored:
            continue
        if event.target_type not in maps:
            maps[event.target_type] = _labels(apps, event.target_type)
        labels = maps[event.target_type]
        names = set(labels.values())
        fields = [value if value in names else labels.get(value, value) for value in stored]
        if fields != stored:
            event.detail = {**event.detail, "fields": list(dict.fromkeys(fields))}
            changed.append(event)
        if len(changed) >= BATCH:
            AuditEvent.objects.bulk_update(changed, ["detail"])  # bulk: the model's save() refuses rewrites
            changed = []
    if changed:
        AuditEvent.objects.bulk_update(changed, ["detail"])


def branches(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Customer = apps.get_model("crm", "Customer")
    HistoricalCustomer = apps.get_model("crm", "HistoricalCustomer")
    Branch = apps.get_model("crm", "Branch")
    pending = AuditEvent.objects.filter(branch_id__isnull=True).exclude(customer_code="")
    pending.update(branch_id=Subquery(Customer.objects.filter(code=OuterRef("customer_code")).values("branch_id")[:1]))
    pending = AuditEvent.objects.filter(branch_id__isnull=True).exclude(customer_code="")
    pending.update(branch_id=Subquery(HistoricalCustomer.objects.filter(code=OuterRef("customer_code"))
                                      .order_by("-history_id").values("branch_id")[:1]))
    for branch_id in Branch.objects.values_list("id", flat=True):
        AuditEvent.objects.filter(target_type="crm.Branch", target_id=str(branch_id)).update(branch_id=branch_id)


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0021_family_readings_in_katakana"),
        ("audit", "0003_branch_scope"),
        ("fieldconfig", "0007_fieldsetting_input_rules"),
    ]

    operations = [
        migrations.RunPython(branches, migrations.RunPython.noop),
        migrations.RunPython(fields_by_name, migrations.RunPython.noop),
    ]

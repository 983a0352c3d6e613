from . import defaults
from .lookup import invalidate
from .models import FieldSetting, SystemSetting


def fieldsettings_ensure_rows() -> int:
    """Give every configurable field its row, so the 項目名設定 screen lists them all."""
    existing = set(FieldSetting.objects.values_list("model", "field_name"))
    missing = [
        FieldSetting(model=model, field_name=name, position=index)
        for model, labels in defaults.DEFAULT_LABELS.items()
        for index, name in enumerate(labels)
        if (model, name) not in existing
    ]
    FieldSetting.objects.bulk_create(missing)
    if not SystemSetting.objects.exists():
        SystemSetting.objects.create()
    if missing:
        invalidate()
    return len(missing)

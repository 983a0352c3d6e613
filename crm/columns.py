"""The columns of the tables on the customer card (histories, purchases, family, career, phones):
per user, so a field the user may not see (R3) has neither a header nor a cell."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.template.defaultfilters import truncatechars

from fieldconfig.lookup import config

from . import dates, permissions

TEXT_PREVIEW = 40


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    numeric: bool


def record_columns(*, user, model, names: list[str]) -> list[Column]:
    """The named fields of `model` this user may see, under their configured labels."""
    hidden = permissions.invisible_fields(user, model)
    config_model = permissions.config_name(model)
    snapshot = config()
    columns = []
    for name in names:
        if name in hidden:
            continue
        field = model._meta.get_field(name)
        label = snapshot.label(config_model, name) if config_model else str(field.verbose_name)
        numeric = isinstance(field, (models.IntegerField, models.DecimalField)) and not field.choices
        columns.append(Column(name=name, label=label, numeric=numeric))
    return columns


def cell_text(obj, column: Column) -> str:
    """A value as the card shows it: dates as 2026/04/01, amounts with separators, ○ for a tick."""
    field = obj._meta.get_field(column.name)
    if field.choices:
        return getattr(obj, f"get_{column.name}_display")()
    value = getattr(obj, column.name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, datetime):
        return dates.format_datetime(value)
    if isinstance(value, date):
        return dates.format_date(value)
    if isinstance(value, (int, Decimal)):
        return intcomma(value)
    text = str(value)
    return truncatechars(text.replace("\n", " "), TEXT_PREVIEW) if isinstance(field, models.TextField) else text

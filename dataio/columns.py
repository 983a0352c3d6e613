"""The columns of each file Kokyaku reads and writes: customers, contact histories, purchases.

A column is a model field with its configured label (C3), how a cell becomes the stored value
(import) and how the stored value becomes a cell (export). Columns come in card order, and
never include a field the user may not see (hidden or restricted, R3): those are neither
offered, nor read, nor written.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm import dates, extensions, permissions
from crm.layouts import CONTACT_BLOCK, CORPORATE_BASIC, INDIVIDUAL_BASIC
from crm.models import (
    Branch, ContactCategory, ContactHistory, Customer, CustomerCategory, Product, Purchase, StaffDepartment,
)
from fieldconfig import defaults
from fieldconfig.lookup import config

from . import values

CUSTOMER_CODE = "customer_code"  # the key column of contact and purchase files


def header_key(text: str) -> str:
    """Headers compare without width, case or spaces: 顧客ｺｰﾄﾞ, 顧客コード and ' 顧客コード ' match."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).casefold().split())


@dataclass
class Column:
    name: str  # the model field (or CUSTOMER_CODE)
    label: str
    parse: Callable  # cell -> stored value; raises ValueError / ValidationError
    format: Callable  # stored (attname) value -> cell text
    attname: str = ""
    aliases: set[str] = field(default_factory=set)
    importable: bool = True
    export_path: str = ""  # what export reads with values_list(); defaults to attname
    kind: str = ""  # "text" (stored as shown) or "bool": the export writes those without a formatter call
    # Few distinct cells (checkboxes, pulldowns, masters): the import parses each distinct cell once.
    few_values: bool = False

    @property
    def read_path(self) -> str:
        return self.export_path or self.attname


class Lookup:
    """A master's rows by code or name, for cells that name them (店舗 = B01 or 本店)."""

    def __init__(self, queryset, *keys: str, label: Callable = str):
        self.by_key: dict[str, int] = {}
        self.by_id: dict[int, str] = {}
        for obj in queryset:
            self.by_id[obj.pk] = label(obj)
            for key in keys:
                value = getattr(obj, key, "")
                if value:
                    self.by_key.setdefault(header_key(value), obj.pk)

    def parse(self, cell):
        text = values.as_text(cell)
        if not text:
            return None
        pk = self.by_key.get(header_key(text))
        if pk is None:
            raise ValueError(_("“%(value)s” is not in the list.") % {"value": text})
        return pk

    def format(self, pk) -> str:
        return self.by_id.get(pk, "") if pk is not None else ""


# What Japanese offices commonly head these columns with, besides the labels.
HEADER_ALIASES = {
    "customer": {
        "code": ["コード", "顧客番号", "顧客No"],
        "branch": ["店舗", "店舗名", "拠点", "店舗コード", "支店"],
        "last_name": ["姓", "氏", "苗字"],
        "first_name": ["名"],
        "last_name_kana": ["セイ", "姓フリガナ", "フリガナ姓", "姓カナ"],
        "first_name_kana": ["メイ", "名フリガナ", "フリガナ名", "名カナ"],
        "company_kana": ["会社名フリガナ", "会社フリガナ", "会社名カナ"],
        "postal_code": ["郵便番号", "〒"],
        "tel": ["電話番号", "電話", "TEL"],
        "mobile": ["携帯", "携帯電話", "携帯番号"],
        "email": ["メール", "メールアドレス", "Eメール", "E-mail"],
        "birth_date": ["誕生日"],
        "title": ["役職"],
    },
    "contacthistory": {"content1": ["内容"], "date": ["応対日", "対応日"], "category": ["区分", "分類"]},
    "purchase": {"date": ["購入日", "購買日"], "product": ["商品マスタ"], "quantity": ["個数"]},
}
# Choice cells as people write them, besides the labels (男 / 男性 …).
CHOICE_ALIASES = {"男性": "M", "女性": "F", "男子": "M", "女子": "F"}


def _labels_in_every_language(config_model: str, name: str) -> set[str]:
    snapshot = config()
    out = set(HEADER_ALIASES.get(config_model, {}).get(name, []))
    for language in ("ja", "en"):
        with translation.override(language):
            out.add(snapshot.label(config_model, name))
            for mode_labels in defaults.MODE_LABELS.values():
                default = mode_labels.get(config_model, {}).get(name)
                if default is not None:
                    out.add(str(default))
            default = defaults.DEFAULT_LABELS.get(config_model, {}).get(name)
            if default is not None:
                out.add(str(default))
    return out


def _choice_parser(model_field):
    accepted: dict[str, str] = {}
    values_known = {value for value, _label in model_field.choices}
    accepted.update({header_key(k): v for k, v in CHOICE_ALIASES.items() if v in values_known})
    for value, label in model_field.choices:
        accepted[header_key(value)] = value
        for language in ("ja", "en"):
            with translation.override(language):
                accepted[header_key(str(label))] = value
    labels = dict(model_field.choices)

    def parse(cell):
        text = values.as_text(cell)
        if not text:
            return model_field.get_default() if not model_field.blank else ""
        try:
            return accepted[header_key(text)]
        except KeyError:
            options = "、".join(str(label) for label in labels.values())
            raise ValueError(_("Choose one of: %(options)s.") % {"options": options}) from None

    @once_per_value
    def format(value):
        return str(labels.get(value, value or ""))  # the labels are lazy: translated once per value

    return parse, format


def _configured_choice_parser(model_field, choices: tuple[str, ...]):
    allowed = {header_key(c): c for c in choices}

    def parse(cell):
        text = _text_parser(model_field)(cell)
        if not text:
            return text
        try:
            return allowed[header_key(text)]
        except KeyError:
            raise ValueError(_("Choose one of: %(options)s.") % {"options": "、".join(choices)}) from None

    return parse


def _postal_parser(parse):
    def run(cell):
        text = values.as_text(cell)
        return parse(text.removeprefix("〒").strip() if text else text)  # 〒150-0002 as Excel lists often have it
    return run


def _text_parser(model_field):
    # The field's validators (kana, phone, postal code, email, URL), with its length checked
    # first and directly: the common text column has no other validator. A free-text cell is
    # stored as it is (values.cell_text); a checked format, or the customer code (a key), without
    # the spaces around it.
    max_length = model_field.max_length
    others = [v for v in model_field.validators if not isinstance(v, MaxLengthValidator)]
    read = values.as_text if others or model_field.name == "code" else values.cell_text

    def parse(cell):
        text = read(cell)
        if text:
            if max_length is not None and len(text) > max_length:
                model_field.run_validators(text)  # Django's own message for the length
            if others:
                errors = []
                for validator in others:
                    try:
                        validator(text)
                    except ValidationError as exc:
                        errors.extend(exc.messages)
                if errors:
                    raise ValidationError(errors)
        return text

    return parse


def _validated(model_field, parse):
    def run(cell):
        value = parse(cell)
        if value is not None:
            model_field.run_validators(value)
        return value

    return run


def _required(parse):
    def run(cell):
        value = parse(cell)
        if value in (None, ""):
            raise ValueError(_("This column must not be empty."))
        return value
    return run


def _null_or(default):
    def wrap(parse):
        def run(cell):
            value = parse(cell)
            return default if value is None else value
        return run
    return wrap


class Masters:
    """The master tables' lookups, built once per import or export."""

    def __init__(self, user):
        self.branch = Lookup(permissions.visible_branches(user), "code", "name", label=lambda b: b.name)
        self.customer_category = Lookup(CustomerCategory.objects.all(), "name")
        self.contact_category = Lookup(ContactCategory.objects.all(), "name")
        self.department = Lookup(StaffDepartment.objects.all(), "name")
        self.product = Lookup(Product.objects.all(), "code", label=lambda p: p.code)
        self.staff = Lookup(get_user_model().objects.all(), "username", "display_name",
                            label=lambda s: s.display_name or s.get_username())

    def for_field(self, model_field) -> Lookup | None:
        related = model_field.related_model
        if related is Branch:
            return self.branch
        if related is CustomerCategory:
            return self.customer_category
        if related is ContactCategory:
            return self.contact_category
        if related is StaffDepartment:
            return self.department
        if related is Product:
            return self.product
        if related is get_user_model():
            return self.staff
        return None


def field_column(model, config_model: str, name: str, masters: Masters) -> Column:
    model_field = model._meta.get_field(name)
    snapshot = config()
    label = snapshot.label(config_model, name)
    column = Column(name=name, label=label, attname=model_field.attname, parse=None, format=None,
                    aliases={header_key(a) for a in _labels_in_every_language(config_model, name) | {name}})
    if model_field.is_relation:
        lookup = masters.for_field(model_field)
        column.parse, column.format, column.few_values = lookup.parse, lookup.format, True
    elif isinstance(model_field, models.BooleanField):
        column.parse, column.format, column.kind = values.parse_bool, values.format_bool, "bool"
        column.few_values = True
    elif isinstance(model_field, models.DateTimeField):
        column.parse, column.importable = None, False
        column.format = _datetime_format()
    elif isinstance(model_field, models.DateField):
        column.parse = _validated(model_field, values.parse_date_cell)
        if not model_field.null:
            column.parse = _required(column.parse)
        column.format = once_per_value(values.format_date)  # a few tens of thousands of 誕生日 in a million rows
    elif isinstance(model_field, models.DecimalField):
        column.parse = _null_or(model_field.get_default())(_validated(model_field, values.parse_decimal))
        column.format = values.format_number
    elif isinstance(model_field, models.IntegerField):
        column.parse = _null_or(model_field.get_default())(_validated(model_field, values.parse_int))
        column.format = values.format_number
    elif model_field.choices:
        column.parse, column.format = _choice_parser(model_field)
        column.few_values = True
    else:
        choices = snapshot.choices(config_model, name)
        column.parse = _configured_choice_parser(model_field, choices) if choices else _text_parser(model_field)
        column.few_values = bool(choices)
        if name.endswith("postal_code"):
            column.parse = _postal_parser(column.parse)
        column.format, column.kind = (lambda v: v or ""), "text"
    return column


def once_per_value(function):
    """`function` worked out once for each distinct value, for one file (its columns are built per
    import or export): checkboxes, pulldowns, masters and dates repeat over a million rows."""
    return functools.lru_cache(maxsize=100_000, typed=True)(function)


def _datetime_format():
    """dates.format_datetime (Tokyo time, whatever the server's zone) with the zone looked up once
    per file instead of once per cell (a million rows have two million of them)."""
    zone = timezone.get_current_timezone()

    def format(value) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            return dates.format_datetime(value)
        return value.astimezone(zone).strftime(dates.DATETIME_DISPLAY)

    return format


def _flat(rows) -> list[str]:
    return [name for row in rows for name in (row if isinstance(row, (tuple, list)) else (row,))]


@dataclass
class Target:
    key: str  # customers / contacts / purchases
    model: type
    config_model: str
    field_names: Callable[[], list[str]]

    @property
    def title(self) -> str:
        return {"customers": _("Customers"), "contacts": _("Contact histories"),
                "purchases": _("Purchase histories")}[self.key]

    def columns(self, user, masters: Masters | None = None, *, for_export: bool = False) -> list[Column]:
        masters = masters or Masters(user)
        invisible = permissions.invisible_fields(user, self.config_model)
        out = []
        if self.model is not Customer:
            out.append(customer_code_column())
            if for_export:
                out.append(customer_name_column())
        for name in self.field_names():
            if name in invisible:
                continue
            column = field_column(self.model, self.config_model, name, masters)
            if column.importable or for_export:
                out.append(column)
        return out


def customer_code_column() -> Column:
    label = config().label("customer", "code")
    aliases = {header_key(a) for a in _labels_in_every_language("customer", "code") | {"code", CUSTOMER_CODE}}
    return Column(name=CUSTOMER_CODE, label=label, attname="customer_id", export_path="customer__code",
                  parse=values.as_text, format=lambda v: v or "", aliases=aliases)


def customer_name_column() -> Column:
    # Read-only in files: who the record belongs to, as a person reads the export.
    label = _("Customer name")
    return Column(name="customer_name", label=label, export_path="customer__last_name", importable=False,
                  parse=None, format=lambda v: v or "", aliases={header_key(label), header_key("Customer name"),
                                                                 header_key("顧客名")})


def _customer_fields() -> list[str]:
    basic = INDIVIDUAL_BASIC if config().mode == defaults.INDIVIDUAL else CORPORATE_BASIC
    names = _flat(basic) + _flat(CONTACT_BLOCK)
    names += [f"remark{i}" for i in range(1, defaults.REMARK_COUNT + 1)]
    names += [f"check{i}" for i in range(1, defaults.CHECK_COUNT + 1)]
    return names + ["created_at", "updated_at"]


def _model_fields(model, skip=("id", "customer")):
    def names():
        return [f.name for f in model._meta.concrete_fields if f.name not in skip]
    return names


# dataio's own targets, registered in DataioConfig.ready(); TARGETS is the registry's dict
# (crm.extensions.EXPORT_TARGETS): these, and those other features add.
OWN_TARGETS = {
    "customers": Target("customers", Customer, "customer", _customer_fields),
    "contacts": Target("contacts", ContactHistory, "contacthistory", _model_fields(ContactHistory)),
    "purchases": Target("purchases", Purchase, "purchase", _model_fields(Purchase)),
}
TARGETS = extensions.EXPORT_TARGETS


def validation_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)

"""S2 advanced search (検索指定画面): the form, built from the field configuration, and the filter.

Every condition lives in the URL under an `s_` name, so back, reload, bookmarks and saved
searches all work. Customer conditions combine with AND or OR as chosen; the contact-history,
purchase and family blocks each count as one condition (their own fields always AND: one
history row must satisfy them all).
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db import models
from django.db.models import Count, DecimalField, F, Func, Max, OuterRef, Q, QuerySet, Subquery, Sum, TextField, Value
from django.db.models.functions import Coalesce, Replace
from django.db.models.lookups import Contains, EndsWith, GreaterThanOrEqual, IsNull, LessThanOrEqual, StartsWith
from django.db.models.utils import get_blank_choice_label
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldconfig import defaults
from fieldconfig.lookup import config

from . import dates, extensions, normalize, permissions, search
from .forms import JapaneseDateField
from .models import Branch, ContactCategory, ContactHistory, Customer, CustomerCategory, FamilyMember, Purchase, Staff, StaffDepartment

PREFIX = "s_"
TEXT_FIELDS = [
    "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "company_kana", "department",
    "title", "industry", "postal_code", "address", "building", "tel", "fax", "mobile", "email", "url",
    "contact_postal_code", "contact_address", "contact_building", "contact_tel", "contact_fax",
    *(f"remark{i}" for i in range(1, defaults.REMARK_COUNT + 1)),
]
PHONE_FIELDS = {"tel", "fax", "mobile", "contact_tel", "contact_fax"}
CHECK_FIELDS = [f"check{i}" for i in range(1, defaults.CHECK_COUNT + 1)]
TRI_STATE = [("", _("Any")), ("1", _("Checked")), ("0", _("Unchecked"))]
SORTS = {
    "entry": (_("Entry order (code)"), ["id"]),
    "kana": (_("Kana order"), ["last_name_kana", "first_name_kana", "id"]),
    "code_desc": (_("Newest first"), ["-id"]),
    "updated": (_("Recently updated"), ["-updated_at", "-id"]),
}
PAGE_SIZES = [10, 20, 50, 100, 200]

# The fields each condition reads, for conditions not named after one customer field.
CONDITION_SOURCES = {
    "staff_department": ("customer", ["staff_department"]),
    "staff": ("customer", ["staff"]),
    "created_from": ("customer", ["created_at"]), "created_to": ("customer", ["created_at"]),
    "updated_from": ("customer", ["updated_at"]), "updated_to": ("customer", ["updated_at"]),
    "c_category": ("contacthistory", ["category"]),
    "c_status": ("contacthistory", ["status"]),
    "c_department": ("contacthistory", ["department"]),
    "c_staff": ("contacthistory", ["staff"]),
    "p_product": ("purchase", ["product_code", "product_name"]),
    "p_total_min": ("purchase", ["amount"]), "p_total_max": ("purchase", ["amount"]),
    "p_quantity_min": ("purchase", ["quantity"]), "p_quantity_max": ("purchase", ["quantity"]),
    "p_unit_price_min": ("purchase", ["unit_price"]), "p_unit_price_max": ("purchase", ["unit_price"]),
    "p_amount_min": ("purchase", ["amount"]), "p_amount_max": ("purchase", ["amount"]),
    "p_payment_method": ("purchase", ["payment_method"]),
    "p_media": ("purchase", ["media"]),
    "p_shipped": ("purchase", ["shipped"]),
    "p_paid": ("purchase", ["paid"]),
    "f_name": ("familymember", ["name", "name_kana"]),
    "f_relation": ("familymember", ["relation"]),
}


# (start, end) pairs checked for an impossible range, with the field that gets the message.
RANGES = [
    ("code_from", "code_to"), ("birth_from", "birth_to"), ("age_from", "age_to"), ("created_from", "created_to"),
    ("updated_from", "updated_to"), ("c_date_from", "c_date_to"), ("p_date_from", "p_date_to"),
    ("p_total_min", "p_total_max"), ("p_last_from", "p_last_to"), ("p_quantity_min", "p_quantity_max"),
    ("p_unit_price_min", "p_unit_price_max"), ("p_amount_min", "p_amount_max"),
]
# The purchase block's conditions on one purchase record: (form field, Purchase field, lookup).
PURCHASE_RANGES = [
    ("p_quantity_min", "quantity", "gte"), ("p_quantity_max", "quantity", "lte"),
    ("p_unit_price_min", "unit_price", "gte"), ("p_unit_price_max", "unit_price", "lte"),
    ("p_amount_min", "amount", "gte"), ("p_amount_max", "amount", "lte"),
]
PURCHASE_TEXTS = [("p_payment_method", "payment_method"), ("p_media", "media")]


def _date(label):
    # Typed as text, 西暦 or 和暦 (1985/4/1, S60.4.1, 昭和60年4月1日), by the one parser (crm/dates.py).
    return JapaneseDateField(label=label, required=False,
                             widget=forms.DateInput(attrs={"placeholder": _("e.g. 1985/4/1, S60.4.1")}))


def _number(label, min_value=0):
    return forms.IntegerField(label=label, required=False, min_value=min_value)


def _decimal(label):
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=14, decimal_places=2)


def _text_or_choice(label, choices):
    """A pulldown when 項目名設定 gives the field choices of its own, free text (partial match) otherwise."""
    if choices:
        return forms.ChoiceField(label=label, required=False, choices=[("", "---------"), *((c, c) for c in choices)])
    return forms.CharField(label=label, required=False, max_length=200)


class AdvancedSearchForm(forms.Form):
    """Bound to request.GET. Field names carry no prefix here; the URL's do (see `prefix`)."""

    mode = forms.ChoiceField(
        label=_("Combine conditions with"), choices=[("and", _("AND")), ("or", _("OR"))], initial="and",
        required=False, widget=forms.RadioSelect,
    )
    sort = forms.ChoiceField(label=_("Sort order"), choices=[(k, v[0]) for k, v in SORTS.items()], required=False)
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"), choices=[(n, n) for n in PAGE_SIZES], coerce=int, required=False, initial=50,
    )
    cols = forms.MultipleChoiceField(label=_("Checkbox columns in the result"), required=False,
                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        snapshot = config()
        label = lambda name: snapshot.label("customer", name)  # noqa: E731
        # Hidden and restricted fields are not offered, and a URL naming one is refused (R3).
        hidden = permissions.invisible_fields(user, "customer")
        self.hidden = hidden

        self.fields["code_from"] = forms.CharField(label=label("code"), required=False)
        self.fields["code_to"] = forms.CharField(label=_("to"), required=False)
        for name in TEXT_FIELDS:
            if name not in hidden:
                self.fields[name] = forms.CharField(label=label(name), required=False, max_length=200)
        if "gender" not in hidden:
            self.fields["gender"] = forms.ChoiceField(
                label=label("gender"), required=False, choices=[("", get_blank_choice_label()), *Customer.Gender.choices]
            )
        if "send_to" not in hidden:
            self.fields["send_to"] = forms.ChoiceField(
                label=label("send_to"), required=False, choices=[("", get_blank_choice_label()), *Customer.SendTo.choices]
            )
        self.fields["branch"] = forms.ModelChoiceField(label=label("branch"), queryset=Branch.objects.all(),
                                                       required=False)
        if "category" not in hidden:
            self.fields["category"] = forms.ModelChoiceField(
                label=label("category"), queryset=CustomerCategory.objects.all(), required=False
            )
        self.fields["staff_department"] = forms.ModelChoiceField(
            label=label("staff_department"), queryset=StaffDepartment.objects.all(), required=False
        )
        self.fields["staff"] = forms.ModelChoiceField(
            label=label("staff"), queryset=Staff.objects.filter(is_active=True), required=False
        )
        if "birth_date" not in hidden:
            self.fields["birth_from"] = _date(label("birth_date"))
            self.fields["birth_to"] = _date(_("to"))
            self.fields["age_from"] = _number(_("Age"))
            self.fields["age_to"] = _number(_("to"))
        self.fields["created_from"] = _date(_("Registered on"))
        self.fields["created_to"] = _date(_("to"))
        self.fields["updated_from"] = _date(_("Updated on"))
        self.fields["updated_to"] = _date(_("to"))

        checks = [name for name in CHECK_FIELDS if name not in hidden]
        for name in checks:
            self.fields[name] = forms.ChoiceField(
                label=label(name), choices=TRI_STATE, required=False, widget=forms.RadioSelect
            )
        self.fields["cols"].choices = [(name, label(name)) for name in checks]

        contact = lambda name: snapshot.label("contacthistory", name)  # noqa: E731
        self.fields["c_date_from"] = _date(contact("date"))
        self.fields["c_date_to"] = _date(_("to"))
        self.fields["c_category"] = forms.ModelChoiceField(
            label=contact("category"), queryset=ContactCategory.objects.all(), required=False
        )
        self.fields["c_text"] = forms.CharField(label=_("Contents / detail / response"), required=False)
        self.fields["c_status"] = forms.ChoiceField(
            label=contact("status"), required=False, choices=[("", get_blank_choice_label()), *ContactHistory.Status.choices]
        )
        self.fields["c_department"] = forms.ModelChoiceField(
            label=contact("department"), queryset=StaffDepartment.objects.all(), required=False
        )
        self.fields["c_staff"] = forms.ModelChoiceField(
            label=contact("staff"), queryset=Staff.objects.filter(is_active=True), required=False
        )

        purchase = lambda name: snapshot.label("purchase", name)  # noqa: E731
        self.fields["p_date_from"] = _date(purchase("date"))
        self.fields["p_date_to"] = _date(_("to"))
        self.fields["p_product"] = forms.CharField(label=_("Product code or name"), required=False)
        self.fields["p_count_min"] = _number(_("Purchases in the period, at least"), min_value=1)
        self.fields["p_total_min"] = _number(_("Total amount in the period, from"))
        self.fields["p_total_max"] = _number(_("to"))
        self.fields["p_last_from"] = _date(_("Last purchase date"))
        self.fields["p_last_to"] = _date(_("to"))
        for name, field, lookup in PURCHASE_RANGES:
            self.fields[name] = _decimal(purchase(field) if lookup == "gte" else _("to"))
        for name, field in PURCHASE_TEXTS:
            self.fields[name] = _text_or_choice(purchase(field), snapshot.choices("purchase", field))
        self.fields["p_shipped"] = forms.ChoiceField(label=purchase("shipped"), choices=TRI_STATE, required=False,
                                                     widget=forms.RadioSelect)
        self.fields["p_paid"] = forms.ChoiceField(label=purchase("paid"), choices=TRI_STATE, required=False,
                                                  widget=forms.RadioSelect)

        self.fields["f_name"] = forms.CharField(label=_("Family member's name or reading"), required=False)
        self.fields["f_relation"] = forms.CharField(label=_("Family relation"), required=False)

        # A condition on a related record's field the user may not see is not offered either (R3).
        for condition, (model, names) in CONDITION_SOURCES.items():
            hidden_here = permissions.invisible_fields(user, model)
            if condition in self.fields and any(name in hidden_here for name in names):
                del self.fields[condition]
        if "updated_at" in hidden:
            self.fields["sort"].choices = [c for c in self.fields["sort"].choices if c[0] != "updated"]

        # The blocks features add (crm.extensions.add_search_block: 受注 …), for the users they allow.
        self.blocks = extensions.search_blocks(user)
        for block in self.blocks:
            self.fields.update(block.fields(user))

        permissions.scope_choice_fields(user, self.fields)  # the branch pulldown: the user's branches (R2)
        self.check_names = checks
        if data is not None:
            self._unknown = sorted(
                key for key in data if key.startswith(PREFIX) and key[len(PREFIX):] not in self.fields
            )
        else:
            self._unknown = []

    def add_prefix(self, field_name):
        return f"{PREFIX}{field_name}"

    def clean(self):
        cleaned = super().clean()
        if self._unknown:
            self.add_error(None, forms.ValidationError(
                _("Unknown search condition: %(names)s"), params={"names": ", ".join(self._unknown)}
            ))
        block_ranges = [pair for block in self.blocks for pair in block.layout if isinstance(pair, tuple)]
        for start, end in RANGES + block_ranges:
            low, high = cleaned.get(start), cleaned.get(end)
            if low not in (None, "") and high not in (None, "") and low > high:
                self.add_error(start, _("The start of the range is after its end."))
        return cleaned

    def sections(self) -> list[tuple[str, list[dict]]]:
        """The screen's blocks in the seed's order; each item a field or a (from, to) pair."""

        def items(*names):
            out = []
            for name in names:
                if isinstance(name, tuple):
                    if name[0] in self.fields:
                        out.append({"range": (self[name[0]], self[name[1]])})
                elif name in self.fields:
                    out.append({"field": self[name]})
            return out

        return [
            (_("Customer"), items(
                ("code_from", "code_to"), "branch", *TEXT_FIELDS[:9], "gender", ("birth_from", "birth_to"),
                ("age_from", "age_to"), "category", "staff_department", "staff", "send_to", *TEXT_FIELDS[9:22],
                ("created_from", "created_to"), ("updated_from", "updated_to"),
            )),
            (_("Remarks"), items(*TEXT_FIELDS[22:])),
            (_("Contact history"), items(("c_date_from", "c_date_to"), "c_category", "c_text", "c_status",
                                         "c_department", "c_staff")),
            (_("Purchase history"), items(("p_date_from", "p_date_to"), "p_product",
                                          ("p_quantity_min", "p_quantity_max"),
                                          ("p_unit_price_min", "p_unit_price_max"),
                                          ("p_amount_min", "p_amount_max"), "p_payment_method", "p_media",
                                          "p_shipped", "p_paid", "p_count_min",
                                          ("p_total_min", "p_total_max"), ("p_last_from", "p_last_to"))),
            (_("Family"), items("f_name", "f_relation")),
            *[(block.title, items(*block.layout)) for block in self.blocks],
        ]

    def is_empty(self) -> bool:
        ignored = {"mode", "sort", "per_page", "cols"}
        return not any(v not in (None, "", []) for k, v in self.cleaned_data.items() if k not in ignored)

    # -- the filter -------------------------------------------------------------------
    def customer_filter(self, today: datetime.date | None = None) -> Q:
        data = self.cleaned_data
        today = today or timezone.localdate()
        parts: list[Q] = []

        def add(q: Q):
            parts.append(q)

        if data.get("code_from"):
            add(Q(code__gte=data["code_from"]))
        if data.get("code_to"):
            add(Q(code__lte=data["code_to"]))
        for name in TEXT_FIELDS:
            if data.get(name):
                add(text_condition(name, data[name]))
        for name in ("gender", "send_to"):
            if data.get(name):
                add(Q(**{name: data[name]}))
        for name in ("branch", "category", "staff_department", "staff"):
            if data.get(name):
                add(Q(**{name: data[name]}))
        if data.get("birth_from"):
            add(Q(birth_date__gte=data["birth_from"]))
        if data.get("birth_to"):
            add(Q(birth_date__lte=data["birth_to"]))
        if data.get("age_from") is not None:
            add(Q(birth_date__lte=_years_before(today, data["age_from"])))
        if data.get("age_to") is not None:
            add(Q(birth_date__gt=_years_before(today, data["age_to"] + 1)))
        if data.get("created_from"):
            add(Q(created_at__date__gte=data["created_from"]))
        if data.get("created_to"):
            add(Q(created_at__date__lte=data["created_to"]))
        if data.get("updated_from"):
            add(Q(updated_at__date__gte=data["updated_from"]))
        if data.get("updated_to"):
            add(Q(updated_at__date__lte=data["updated_to"]))
        for name in self.check_names:
            if data.get(name) in ("1", "0"):
                add(Q(**{name: data[name] == "1"}))

        contact = self._contact_exists()
        if contact is not None:
            add(contact)
        for purchase in self._purchase_conditions():
            add(purchase)
        family = self._family_exists()
        if family is not None:
            add(family)
        for block in self.blocks:  # a feature's block counts as one condition
            condition = block.condition(data, self.user)
            if condition is not None:
                add(condition)

        if not parts:
            return Q()
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined | part) if data.get("mode") == "or" else (combined & part)
        return combined

    def _contact_exists(self):
        data = self.cleaned_data
        q = Q()
        if data.get("c_date_from"):
            q &= Q(date__gte=data["c_date_from"])
        if data.get("c_date_to"):
            q &= Q(date__lte=data["c_date_to"])
        for name, field in (("c_category", "category"), ("c_department", "department"), ("c_staff", "staff"),
                            ("c_status", "status")):
            if data.get(name):
                q &= Q(**{field: data[name]})
        if data.get("c_text"):
            text = Q()
            invisible = permissions.invisible_fields(self.user, "contacthistory")
            fields = [f"content{i}" for i in range(1, defaults.CONTENT_COUNT + 1)] + ["detail", "response"]
            for field in fields:
                if field not in invisible:
                    text |= _contains(field, data["c_text"])
            q &= text
        if not q:
            return None
        return has_related(ContactHistory, q)

    def _purchase_period(self) -> Q:
        data = self.cleaned_data
        q = Q()
        if data.get("p_date_from"):
            q &= Q(date__gte=data["p_date_from"])
        if data.get("p_date_to"):
            q &= Q(date__lte=data["p_date_to"])
        return q

    def _purchase_conditions(self) -> list[Q]:
        data = self.cleaned_data
        period = self._purchase_period()
        row = period
        if data.get("p_product"):
            row &= _contains("product_code", data["p_product"]) | _contains("product_name", data["p_product"])
        for name, field in (("p_shipped", "shipped"), ("p_paid", "paid")):
            if data.get(name) in ("1", "0"):
                row &= Q(**{field: data[name] == "1"})
        for name, field, lookup in PURCHASE_RANGES:
            if data.get(name) is not None:
                row &= Q(**{f"{field}__{lookup}": data[name]})
        for name, field in PURCHASE_TEXTS:
            if data.get(name):
                chosen = isinstance(self.fields[name], forms.ChoiceField)
                row &= Q(**{field: data[name]}) if chosen else _contains(field, data[name])
        conditions = []
        aggregates = any(data.get(k) is not None for k in ("p_count_min", "p_total_min", "p_total_max"))
        if row and not aggregates:
            conditions.append(has_related(Purchase, row))
        if aggregates:
            rows = Purchase.objects.filter(row, customer=OuterRef("pk")).order_by().values("customer")
            if data.get("p_count_min") is not None:
                count = Subquery(rows.annotate(n=Count("id")).values("n")[:1])
                conditions.append(Q(_gte(Coalesce(count, Value(0)), data["p_count_min"])))
            total = Coalesce(
                Subquery(rows.annotate(t=Sum("amount")).values("t")[:1]), Value(0), output_field=DecimalField()
            )
            if data.get("p_total_min") is not None:
                conditions.append(Q(_gte(total, data["p_total_min"])))
            if data.get("p_total_max") is not None:
                conditions.append(Q(_lte(total, data["p_total_max"])))
        if data.get("p_last_from") or data.get("p_last_to"):
            last = Subquery(
                Purchase.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
                .annotate(d=Max("date")).values("d")[:1]
            )
            if data.get("p_last_from"):
                conditions.append(Q(_gte(last, data["p_last_from"])))
            if data.get("p_last_to"):
                conditions.append(Q(_lte(last, data["p_last_to"])))
        return conditions

    def _family_exists(self):
        data = self.cleaned_data
        q = Q()
        if data.get("f_name"):
            q &= _contains("name", data["f_name"]) | _contains("name_kana", data["f_name"])
        if data.get("f_relation"):
            q &= _contains("relation", data["f_relation"])
        if not q:
            return None
        return has_related(FamilyMember, q)

    def ordering(self) -> list[str]:
        return SORTS.get(self.cleaned_data.get("sort") or "entry", SORTS["entry"])[1]

    # -- what the result list says it shows (issue 22, point 20) -----------------------
    def described(self) -> list[tuple[str, str]]:
        """The conditions given, as (label, value) in the search screen's order: 「住所」 「東京」,
        「生年月日」 「1960/01/01〜1969/12/31」. Only the fields this user was offered (R3)."""
        described = []
        for _title, items in self.sections():
            for item in items:
                if "field" in item:
                    value = self._shown(item["field"])
                    if value:
                        described.append((str(item["field"].label), value))
                else:
                    low, high = (self._shown(bound) for bound in item["range"])
                    if low or high:
                        described.append((str(item["range"][0].label), f"{low}〜{high}"))
        if len(described) > 1 and self.cleaned_data.get("mode") == "or":
            described.append((str(self.fields["mode"].label), str(dict(self.fields["mode"].choices)["or"])))
        return described

    def _shown(self, bound) -> str:
        value = self.cleaned_data.get(bound.name)
        if value in (None, "", []):
            return ""
        if isinstance(value, datetime.date):
            return dates.format_date(value)
        choices = getattr(self.fields[bound.name], "choices", None)
        if choices is not None and not isinstance(value, models.Model):
            return str(dict((str(k), v) for k, v in choices).get(str(value), value))
        return str(value)


# Related rows matching a condition, counted up to this many to choose how to join them.
RELATED_PROBE = 5000


def has_related(model, condition: Q) -> Q:
    """Customers with at least one `model` row (contact, purchase, family) matching `condition`.

    Few matching rows (a day's contacts): the customers are looked up from those rows.
    Many (two years of contacts): each customer is probed through its (customer, date) index
    as the list walks the customers, so the first page and the capped count stop early.
    Left to itself, PostgreSQL sorted and de-duplicated every matching row first (1.2 million
    contacts: 1.9 s), however few customers the page needed.
    """
    rows = model.objects.filter(condition).order_by()
    if rows.values("pk")[:RELATED_PROBE].count() < RELATED_PROBE:
        return Q(pk__in=rows.values("customer_id"))
    first = rows.filter(customer=OuterRef("pk")).values("pk")[:1]
    return Q(IsNull(Subquery(first), False))


def _gte(expression, value):
    return GreaterThanOrEqual(expression, value)


def _lte(expression, value):
    return LessThanOrEqual(expression, value)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_WILDCARD = re.compile(r"^(\*?)(.*?)(\*?)$", re.S)


class Fold(Func):
    """A text folded as the search key is (crm.normalize.normalize_text): width, kana, variant kanji,
    dashes, spaces, case. SQL `kokyaku_fold` (crm.db on SQLite, migration 0019 on PostgreSQL)."""

    function = "kokyaku_fold"
    output_field = TextField()


# Customer fields the quick search's key holds a line of, folded (Customer.QUICK_SEARCH_TEXT).
KEY_FIELDS = {"last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "company_kana",
              "email", "address", "building"}


def _contains(field: str, value: str, *, in_search_key: bool = False) -> Q:
    """Partial match on the folded value; `*` at either end as users of the old package type it
    (東京* = starts with). 東品川1-1 finds 東品川１－１－１００, 高橋 finds 髙橋, たなか finds ﾀﾅｶ (S3).

    Folding a value costs a few µs, so a scan is narrowed first: by the quick search's index when
    the customer's search key holds the field (`in_search_key`: its fold contains the text only if
    the key does), otherwise by a plain LIKE on the ideographs that no other character folds into.
    """
    start, core, end = _WILDCARD.match(value.strip()).groups()
    folded = normalize.normalize_text(core.replace("*", ""))
    if not folded:
        return Q()
    lookup = StartsWith if end and not start else EndsWith if start and not end else Contains
    if in_search_key:
        narrowed = search.key_contains(folded)
    else:
        narrowed = Q(*(Q(**{f"{field}__contains": ch}) for ch in normalize.literal_chars(folded)))
    return narrowed & Q(lookup(Fold(F(field)), Fold(Value(folded))))


def text_condition(field: str, value: str) -> Q:
    """Customer text fields, with the normalizations a user expects on that field."""
    if field in PHONE_FIELDS:
        wanted = normalize.digits(value)
        if not wanted:
            return Q(pk__in=[])
        # Stored phones keep their hyphens: compare digits to digits.
        digits_only = Replace(Replace(F(field), Value("-"), Value("")), Value(" "), Value(""))
        return Q(Contains(digits_only, wanted))
    # Names, readings, company, address, email, remarks: folded on both sides (S3).
    return _contains(field, value, in_search_key=field in KEY_FIELDS)


def apply(queryset: QuerySet, form: AdvancedSearchForm) -> QuerySet:
    return queryset.filter(form.customer_filter())


def from_request(request) -> AdvancedSearchForm | None:
    """The advanced-search form bound to the request, or None when the URL carries no condition."""
    if not any(key.startswith(PREFIX) for key in request.GET):
        return None
    return AdvancedSearchForm(request.GET, user=request.user)


# Parameters of the customer list that are not conditions on a field.
LIST_PARAMETERS = {"q", "o", "p"}


def conditions_visible(querystring: str, *, user, lookup_allowed) -> bool:
    """Whether every condition of a saved querystring is one this user may search by (R3): a shared
    search naming a restricted field is not opened for, and its conditions not shown to, anyone else.
    `lookup_allowed(key, value)` is the customer list's own allow-list for its filter parameters."""
    from django.http import QueryDict

    data = QueryDict(querystring)
    form = AdvancedSearchForm(data, user=user)
    if form._unknown:
        return False
    return all(
        key.startswith(PREFIX) or key in LIST_PARAMETERS or lookup_allowed(key, value)
        for key, value in data.items()
    )

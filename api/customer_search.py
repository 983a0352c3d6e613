"""The API's customer search (I2): `GET /api/v1/customers` takes the quick search's `q` and the 検索画面's
conditions (crm.advanced_search.AdvancedSearchForm, with the blocks features add through
crm.extensions.add_search_block) as query parameters.

The parameters are the form's field names without the screen's `s_` prefix (`address`, `c_date_from`,
`p_total_min`, `o_amount_min` …). Their types are declared here, so the OpenAPI description lists each
one; their values are then handed to the very form the screen binds, as the screen's URL would carry
them, so a condition means the same on the screen and in the API: the same validation, the same
messages, the same filter, the same order. Why query parameters and not a POST of a JSON body:
docs/decisions/api-customer-search.md."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, create_model

from crm import advanced_search, extensions, permissions, search
from crm.forms import JapaneseDateField
from crm.models import ContactHistory, Customer

from .errors import ApiError

# Query parameters of the endpoint that are not conditions of the form.
LIST_PARAMETERS = {"q", "limit", "offset"}

_ID = Annotated[int, Field(ge=1, lt=2 ** 31)]
_TEXT = Annotated[str, Field(max_length=200)]
_YEN = Annotated[int, Field(ge=0, lt=10 ** 12)]


def _choices(pairs) -> Any:
    return Literal[tuple(value for value, _label in pairs)]


def _core_conditions() -> dict[str, tuple[Any, str]]:
    """The core form's conditions: name → (type, description), in the screen's order."""
    out: dict[str, tuple[Any, str]] = {
        "mode": (Literal["and", "or"], "Combine the conditions with AND (default) or OR; the contact, purchase, "
                                        "family and order blocks each count as one condition."),
        "sort": (_choices((key, key) for key in advanced_search.SORTS),
                 "Order of the result: entry (code, default), kana, code_desc (newest first), updated."),
        "code_from": (Annotated[str, Field(max_length=20)], "Customer code, from (inclusive)."),
        "code_to": (Annotated[str, Field(max_length=20)], "Customer code, to (inclusive)."),
        "branch": (Annotated[str, Field(max_length=20)], "Branch code (one of the token's staff member's branches)."),
    }
    for name in advanced_search.TEXT_FIELDS:
        how = ("digits of the number, hyphens ignored" if name in advanced_search.PHONE_FIELDS
               else "partial match, width, kana and variant kanji folded; `*` at an end anchors it (東京*)")
        out[name] = (_TEXT, f"Customer field {name}: {how}.")
    out.update({
        "gender": (_choices(Customer.Gender.choices), "Gender."),
        "birth_from": (datetime.date, "Birth date, from (inclusive)."),
        "birth_to": (datetime.date, "Birth date, to (inclusive)."),
        "age_from": (Annotated[int, Field(ge=0, le=200)], "Age today, at least."),
        "age_to": (Annotated[int, Field(ge=0, le=200)], "Age today, at most."),
        "category": (_ID, "Customer category (分類), by its id."),
        "staff_department": (_ID, "Department in charge, by its id."),
        "staff": (_ID, "Staff member in charge, by its id."),
        "send_to": (_choices(Customer.SendTo.choices), "Where mail goes (送付先)."),
        "created_from": (datetime.date, "Registered on, from (inclusive)."),
        "created_to": (datetime.date, "Registered on, to (inclusive)."),
        "updated_from": (datetime.date, "Updated on, from (inclusive)."),
        "updated_to": (datetime.date, "Updated on, to (inclusive)."),
    })
    for name in advanced_search.CHECK_FIELDS:
        out[name] = (bool, f"Checkbox {name}: true = checked, false = unchecked.")
    out.update({
        "c_date_from": (datetime.date, "Contact history: a contact on or after this date."),
        "c_date_to": (datetime.date, "Contact history: a contact on or before this date."),
        "c_category": (_ID, "Contact history: category, by its id."),
        "c_text": (_TEXT, "Contact history: contents, detail or response contain this text."),
        "c_status": (_choices(ContactHistory.Status.choices), "Contact history: status."),
        "c_department": (_ID, "Contact history: department, by its id."),
        "c_staff": (_ID, "Contact history: staff member, by its id."),
        "p_date_from": (datetime.date, "Purchases: the period, from (inclusive)."),
        "p_date_to": (datetime.date, "Purchases: the period, to (inclusive)."),
        "p_product": (_TEXT, "Purchases: product code or name contains this text."),
        "p_quantity_min": (_YEN, "Purchases: one purchase of at least this quantity."),
        "p_quantity_max": (_YEN, "Purchases: one purchase of at most this quantity."),
        "p_unit_price_min": (_YEN, "Purchases: one purchase of at least this unit price (yen)."),
        "p_unit_price_max": (_YEN, "Purchases: one purchase of at most this unit price (yen)."),
        "p_amount_min": (_YEN, "Purchases: one purchase of at least this amount (yen)."),
        "p_amount_max": (_YEN, "Purchases: one purchase of at most this amount (yen)."),
        "p_payment_method": (_TEXT, "Purchases: payment method (one of the configured choices, else partial match)."),
        "p_media": (_TEXT, "Purchases: medium (one of the configured choices, else partial match)."),
        "p_shipped": (bool, "Purchases: shipped (true) or not (false)."),
        "p_paid": (bool, "Purchases: paid (true) or not (false)."),
        "p_count_min": (Annotated[int, Field(ge=1, lt=2 ** 31)], "Purchases in the period, at least this many."),
        "p_total_min": (_YEN, "Total amount of the purchases in the period, at least (yen)."),
        "p_total_max": (_YEN, "Total amount of the purchases in the period, at most (yen)."),
        "p_last_from": (datetime.date, "Last purchase date, from (inclusive)."),
        "p_last_to": (datetime.date, "Last purchase date, to (inclusive)."),
        "f_name": (_TEXT, "Family: a member's name or reading contains this text."),
        "f_relation": (_TEXT, "Family: a member's relation contains this text."),
    })
    return out


def _form_field_type(field: forms.Field) -> Any:
    """The type of a feature block's form field as a query parameter."""
    if isinstance(field, JapaneseDateField):
        return datetime.date
    if isinstance(field, forms.ModelChoiceField):
        return _ID
    if isinstance(field, (forms.IntegerField, forms.DecimalField)):  # DecimalField is an IntegerField's subclass
        low = field.min_value if field.min_value is not None else 0
        return Annotated[int, Field(ge=int(low), lt=10 ** 12)]
    if isinstance(field, forms.ChoiceField) and field.choices:
        return _choices(c for c in field.choices if c[0] != "")
    if isinstance(field, forms.BooleanField):
        return bool
    return _TEXT


def _block_conditions() -> dict[str, tuple[Any, str]]:
    """The conditions of the blocks features register (orders: o_…), described by their block."""
    out = {}
    for block in extensions.all_search_blocks():
        with translation.override("en"):  # the description is in English, whatever language is active
            block_fields = {name: (field, str(field.label)) for name, field in block.fields(None).items()}
        for name, (field, label) in block_fields.items():
            out[name] = (_form_field_type(field), f"{block.key} block (shown to those who may see it): "
                                                  f"{label}. Counts with the block's others as one condition.")
    return out


def conditions_schema() -> type[Schema]:
    """The query parameters of the search, built once when the API loads (after every app's ready())."""
    fields = {name: (kind, Field(None, description=text))
              for name, (kind, text) in {**_core_conditions(), **_block_conditions()}.items()}
    return create_model("CustomerConditions", __base__=Schema, **fields)


def _form_data(user, values: dict) -> QueryDict:
    """The values as the screen's URL carries them (s_ names, 1 / 0 for a tick, ISO dates, the branch's id)."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif name == "branch":
            # The API names a branch by its code, as everywhere else; one the user does not see is as
            # unknown as one that does not exist (the form's own "not one of the choices").
            branch = permissions.visible_branches(user).filter(code=value).first()
            value = str(branch.pk) if branch is not None else ""
            if branch is None:
                raise ApiError(422, "invalid_condition", _("Some search conditions were refused."),
                               errors={"branch": [str(forms.ModelChoiceField.default_error_messages["invalid_choice"])]})
        data[f"{advanced_search.PREFIX}{name}"] = str(value)
    return data


def refuse_unknown_parameters(request, conditions: type[Schema]) -> None:
    unknown = sorted(set(request.GET) - set(conditions.model_fields) - LIST_PARAMETERS)
    if unknown:
        raise ApiError(422, "unknown_field", _("Unknown search condition: %(names)s") % {"names": ", ".join(unknown)},
                       errors=[{"field": name, "type": "extra_forbidden"} for name in unknown])


def customers_search(*, user, q: str, values: dict) -> QuerySet:
    """The customers `user` sees that the quick search `q` and the conditions `values` find, in the
    screen's order; ApiError (422) for a condition refused, as the screen refuses it."""
    queryset = permissions.visible_customers(user)
    if q.strip():
        queryset = search.customer_quick_search(queryset, q, user=user)
    if not values:
        return queryset.order_by("id")
    data = _form_data(user, values)
    form = advanced_search.AdvancedSearchForm(data, user=user)
    # A condition the form does not offer this user: a field restricted to others or hidden (R3), or a
    # feature's block the user may not see. Refused as such, naming neither the field nor the value.
    if any(name not in form.fields for name in values):
        raise ApiError(422, "restricted_condition", _("A search condition is on a field or block this API token's "
                                                      "staff member may not see. Nothing was searched."))
    if not form.is_valid():
        errors = {(name if name != "__all__" else "conditions"): [str(m) for m in messages]
                  for name, messages in form.errors.items()}
        raise ApiError(422, "invalid_condition", _("Some search conditions were refused."), errors=errors)
    return advanced_search.apply(queryset, form).order_by(*form.ordering())

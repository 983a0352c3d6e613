"""The API's bodies, built from the models' own fields (lengths, types) so they follow the models.

A body naming a field these schemas do not know is refused (`extra="forbid"`): the outside system
learns at once that it sent a field the office's data has not got. Restricted fields (R3) are in the
schemas, since they are the office's fields; the endpoints refuse them for a token whose staff member
may not see them (api.views)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Optional

from django.db import models
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from crm.models import Customer, Purchase


def _no_nul_character(value):
    """A NUL character is no text (PostgreSQL cannot store it): refused as a wrong value."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("a NUL character")
    return value


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_character(cls, value):
        return _no_nul_character(value)


class StrictModel(BaseModel):
    """A plain pydantic model, for the bulk bodies: ninja's Schema validates every object through a wrap
    validator reading its attributes one by one (for Django models), which took 2.7 s of a 10,000-row
    post; a plain model validates the same fields in pydantic-core, about ten times faster. The view
    validates such a body itself (api.views.parse_body), after the Idempotency-Key's replay check."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_character(cls, value):
        return _no_nul_character(value)


# The customer's fields the API reads and writes, in the card's order. Not (yet) through the API: the
# pulldowns of masters (分類, 担当部署, 担当者) and what the system sets.
CUSTOMER_FIELDS = [
    "code", "branch", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name",
    "company_kana", "department", "title", "industry", "postal_code", "address", "building", "tel", "fax",
    "mobile", "email", "url", "birth_date", "gender", "send_to", "contact_postal_code", "contact_address",
    "contact_building", "contact_tel", "contact_fax",
    *(f.name for f in Customer._meta.concrete_fields if f.name.startswith(("remark", "check"))),
    "created_at", "updated_at",
]
CUSTOMER_READ_ONLY = {"code", "created_at", "updated_at"}
CUSTOMER_WRITABLE = [name for name in CUSTOMER_FIELDS if name not in CUSTOMER_READ_ONLY]

PURCHASE_FIELDS = ["date", "product_category", "product_code", "product_name", "quantity", "unit_price", "amount",
                   "payment_method", "shipped", "paid", "media", "other1", "other2", "remark", "memo", "points"]
MAX_PURCHASES = 10_000  # rows per bulk post


def _annotation(field: models.Field):
    """The type of one model field in a body."""
    if isinstance(field, models.ForeignKey):  # 店舗 by its code
        return Annotated[str, Field(max_length=20)]
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.DateTimeField):
        return datetime.datetime
    if isinstance(field, models.DateField):
        return datetime.date
    if isinstance(field, models.DecimalField):
        return Annotated[int, Field(ge=0, lt=10 ** field.max_digits)]
    if isinstance(field, models.IntegerField):
        return Annotated[int, Field(ge=-(2 ** 31), lt=2 ** 31)]
    if field.choices:
        from typing import Literal

        values = tuple(value for value, _label in field.choices)
        return Literal[values + (("",) if field.blank and "" not in values else ())]
    if getattr(field, "max_length", None):
        return Annotated[str, Field(max_length=field.max_length)]
    return str


def _optional_fields(model, names) -> dict[str, Any]:
    return {name: (Optional[_annotation(model._meta.get_field(name))], None) for name in names}


VERSION = Annotated[int, Field(ge=1, lt=2 ** 31, description="The customer's version (optimistic locking): send "
                                                              "the one last read; a stale one is refused with 409.")]
CustomerIn = create_model("CustomerIn", __base__=StrictSchema, **_optional_fields(Customer, CUSTOMER_WRITABLE))
# An update names the version it read (optimistic locking, crm/locking.py).
CustomerPatch = create_model("CustomerPatch", __base__=StrictSchema, version=(VERSION, ...),
                             **_optional_fields(Customer, CUSTOMER_WRITABLE))
# An answer: every field the token's staff member may see; a restricted one is absent, not null.
CustomerOut = create_model("CustomerOut", __base__=Schema, version=(int, ...),
                           **_optional_fields(Customer, CUSTOMER_FIELDS))


class CustomerList(Schema):
    items: list[CustomerOut]  # type: ignore[valid-type]
    next_offset: Optional[int] = None


class VersionConflictOut(Schema):
    code: str
    message: str
    version: int
    current: CustomerOut  # type: ignore[valid-type]


PurchaseIn = create_model(
    "PurchaseIn", __base__=StrictModel,
    customer=(Annotated[str, Field(min_length=1, max_length=20)], ...),
    **_optional_fields(Purchase, PURCHASE_FIELDS),
)


class PurchaseBulkIn(StrictModel):
    purchases: Annotated[list[PurchaseIn], Field(min_length=1, max_length=MAX_PURCHASES)]  # type: ignore[valid-type]


def openapi_components(model: type[BaseModel]) -> dict[str, dict]:
    """The OpenAPI component schemas of a body the view validates itself: the model's and those it uses."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), model.__name__: schema}


class PurchaseBulkOut(Schema):
    created: int
    ids: list[int]


class ErrorOut(Schema):
    code: str
    message: str


# --- points ------------------------------------------------------------------------------------------
MAX_POINTS = 10_000_000  # points in one entry, either way


class PointEntryIn(StrictSchema):
    delta: Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS, description="Points given (positive) or used "
                                                                           "(negative); not 0.")]
    reason: Annotated[str, Field(max_length=200)] = ""


class PointEntryOut(Schema):
    id: int
    delta: int
    reason: str
    source: str
    created_at: datetime.datetime
    balance: Optional[int] = None  # in the answer to a post: the balance after the entry


class PointsOut(Schema):
    customer: str
    balance: int
    entries: list[PointEntryOut]
    next_before: Optional[int] = None  # give it as `before` for older entries

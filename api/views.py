"""The JSON API for outside systems (I2), under /api/v1/, with its OpenAPI description at
/api/v1/openapi.json (and a page of it at /api/v1/docs).

Every call carries `Authorization: Bearer <token>`. The token acts as its staff member: reads go
through crm.permissions (branches, restricted fields) and the quick search's engine (crm.search),
writes through crm.services, each in the audit log. Errors are JSON `{"code", "message"}`
(api.errors); nothing is written when one is answered."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Optional

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Header, NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import ValidationError as PydanticValidationError

from audit import events as audit_events
from crm import locking
from crm import permission_codes as codes
from crm import bulk_write, permissions, services
from crm.models import Customer, Purchase
from fieldconfig import rules as input_rules
from points import permission_codes as point_codes
from points import selectors as point_selectors
from points import services as point_services

from . import customer_search
from .errors import ApiError, error_response
from .models import IdempotencyKey, Scope
from .schemas import (
    CUSTOMER_FIELDS, CustomerIn, CustomerList, CustomerOut, CustomerPatch, ErrorOut, PointEntryIn, PointEntryOut,
    PointsOut, PurchaseBulkIn, PurchaseBulkOut, VersionConflictOut, openapi_components,
)
from .tokens import token_authenticate

ADD_PURCHASE = codes.model_code("add", Purchase)
API_REASON = "API"
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


class TokenAuth(HttpBearer):
    """The bearer token of an outside system (api.tokens). The body's size is checked first, before
    anything reads it."""

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            raise ApiError(413, "body_too_large", _("The request body is too large (at most %(kb)s KB). Nothing "
                                                    "was saved; send fewer rows per request.")
                           % {"kb": max_body_bytes() // 1024})
        scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "token_invalid", _("The API token is missing or wrong."))
        token = token_authenticate(secret.strip())
        params = (value for _name, values in request.GET.lists() for value in values)
        if "\x00" in request.path or any("\x00" in value for value in params):
            raise ApiError(422, "invalid_value", _("The address or a parameter contains a NUL character. Nothing "
                                                   "was saved."))
        request.user = token.user  # the token acts as its staff member, for the policy and the audit log
        request.api_token = token
        return token

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return None


# Bodies a view validates itself (parse_body), described in the OpenAPI description as ninja describes its own.
SELF_VALIDATED_BODIES = [PurchaseBulkIn]


class KokyakuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in SELF_VALIDATED_BODIES:
            components.update(openapi_components(model))
        return schema


def body_described_by(model) -> dict:
    """`openapi_extra` of an operation whose view validates its body itself (with parse_body)."""
    return {"requestBody": {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
                            "required": True}}


def parse_body(request, model):
    """The request's JSON body validated by `model` (a plain pydantic model), or the same errors ninja
    answers for the bodies it validates (on_invalid): malformed JSON, unknown or missing fields, wrong
    values. pydantic-core parses and validates the raw bytes in one pass."""
    if not request.body:
        raise NinjaValidationError([{"type": "missing", "loc": ("body", "body"), "msg": "Field required"}])
    try:
        return model.model_validate_json(request.body)
    except PydanticValidationError as exc:
        raise NinjaValidationError([{**error, "loc": ("body", "body", *error["loc"])}
                                    for error in exc.errors(include_url=False, include_context=False,
                                                            include_input=False)]) from None


api = KokyakuAPI(title="Kokyaku API", version="1", urls_namespace="api-v1", auth=TokenAuth(),
               docs_url="docs", openapi_url="openapi.json")


# --- errors -----------------------------------------------------------------------------------
@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return exc.response()


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(401, "token_invalid", _("The API token is missing or wrong."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja's only: a body that is not JSON
        return error_response(400, "malformed_json", _("The request body is not valid JSON. Nothing was saved."))
    return error_response(exc.status_code, "http_error", str(exc))


def _field_of(error: dict) -> str:
    return ".".join(str(part) for part in error.get("loc", ())[1:]) or str(error.get("loc", [""])[0])


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc: NinjaValidationError):
    errors = exc.errors
    kinds = {e.get("type") for e in errors}
    fields = [{"field": _field_of(e), "type": e.get("type")} for e in errors[:50]]
    if any(e.get("loc", ())[:2] == ("header", "Idempotency-Key") for e in errors):
        return error_response(400, "idempotency_key_required", _("Send an Idempotency-Key header (1 to 200 "
                                                                 "ASCII letters, digits or symbols) with every post of purchases or "
                                                                 "points. Nothing was saved."))
    if "json_invalid" in kinds:
        return error_response(400, "malformed_json", _("The request body is not valid JSON. Nothing was saved."))
    if "extra_forbidden" in kinds:
        names = ", ".join(f["field"] for f in fields if f["type"] == "extra_forbidden")
        return error_response(422, "unknown_field", _("Unknown field: %(names)s. Nothing was saved.")
                              % {"names": names}, errors=fields)
    if "missing" in kinds:
        names = ", ".join(f["field"] for f in fields if f["type"] == "missing")
        return error_response(422, "missing_field", _("A required field is missing: %(names)s. Nothing was saved.")
                              % {"names": names}, errors=fields)
    names = ", ".join(f["field"] for f in fields)
    return error_response(422, "invalid_value", _("A value has the wrong type or is out of range: %(names)s. "
                                                  "Nothing was saved.") % {"names": names}, errors=fields)


def require(request, scope: str, *perms: str) -> None:
    """The token's scope and its staff member's permissions (R1), or 403."""
    if scope not in request.auth.scopes:
        raise ApiError(403, "scope_missing", _("This API token does not have the scope %(scope)s.")
                       % {"scope": scope})
    if not all(request.user.has_perm(perm) for perm in perms):
        raise ApiError(403, "permission_denied", _("The staff member this API token acts as may not do this."))


# --- customers ----------------------------------------------------------------------------------
def customer_data(customer: Customer, user) -> dict:
    """The customer as the token's staff member may see it: a restricted or hidden field is absent."""
    invisible = permissions.policy_for(user).invisible(Customer)
    data = {}
    for name in CUSTOMER_FIELDS:
        if name in invisible:
            continue
        value = customer.branch.code if name == "branch" else getattr(customer, name)
        if isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        data[name] = value
    data["version"] = customer.version
    return data


def visible_customer(user, code: str) -> Customer:
    customer = permissions.visible_customers(user).select_related("branch").filter(code=code).first()
    if customer is None:  # another branch's code answers as one that does not exist
        raise ApiError(404, "customer_not_found", _("No customer has the code %(code)s.") % {"code": code})
    return customer


def refuse_invisible(user, model, names) -> None:
    refused = sorted(set(names) & permissions.policy_for(user).invisible(model))
    if refused:
        raise ApiError(422, "restricted_field", _("These fields may not be written with this token: %(names)s. "
                                                  "Nothing was saved.") % {"names": ", ".join(refused)},
                       fields=refused)


def apply_customer_values(*, user, customer: Customer, values: dict) -> list[str]:
    """Set the body's values on the customer, as the card's form would; ApiError when one is refused."""
    refuse_invisible(user, Customer, values)
    branch_code = values.pop("branch", None)
    if branch_code is not None:
        branch = permissions.visible_branches(user).filter(code=branch_code).first()
        if branch is None:
            raise ApiError(422, "unknown_branch", _("No branch has the code %(code)s.") % {"code": branch_code})
        customer.branch = branch
    elif customer.pk is None:
        branches = list(permissions.visible_branches(user)[:2])
        if len(branches) != 1:
            raise ApiError(422, "branch_required", _("Give the branch code of the new customer (branch)."))
        customer.branch = branches[0]
    for name, value in list(values.items()):
        if value is None:  # null empties a field
            field = Customer._meta.get_field(name)
            values[name] = False if field.get_internal_type() == "BooleanField" else (None if field.null else "")
    values, errors, _warnings = input_rules.apply_to_values("customer", values)
    if errors:
        raise ApiError(422, "invalid_value", _("Some values were refused. Nothing was saved."), errors=errors)
    for name, value in values.items():
        setattr(customer, name, value)
    try:
        customer.full_clean(exclude=["code", "search_text"], validate_unique=False)
    except DjangoValidationError as exc:
        raise ApiError(422, "invalid_value", _("Some values were refused. Nothing was saved."),
                       errors={field: [str(m) for m in messages] for field, messages in exc.message_dict.items()})
    return sorted({*values, *(["branch"] if branch_code is not None else [])})


CustomerConditions = customer_search.conditions_schema()


@api.get("/customers", response={200: CustomerList, **ERRORS}, tags=["customers"])
def customer_list(request, conditions: Query[CustomerConditions], q: str = "",
                  limit: int = Query(50, ge=1, le=100), offset: int = Query(0, ge=0, le=100_000)):
    """Customers the token's staff member sees, found as the customer list finds them: `q` is the quick
    search (words, a phone number, a code …); every other parameter is a condition of the 検索画面
    (advanced search), under the screen's name without its `s_` prefix, checked by the same form.
    Conditions combine with AND (or OR: `mode=or`); a block (contact history `c_…`, purchases `p_…`,
    family `f_…`, a feature's such as orders `o_…`) counts as one. A condition on a field the staff
    member may not see is refused (422 `restricted_condition`), a value the screen would refuse too
    (422 `invalid_condition`, with the screen's messages per parameter), an unknown parameter
    (422 `unknown_field`). In registration order unless `sort` says otherwise; `next_offset` pages."""
    require(request, Scope.CUSTOMERS_READ, codes.VIEW_CUSTOMER)
    customer_search.refuse_unknown_parameters(request, CustomerConditions)
    values = conditions.model_dump(exclude_none=True)
    queryset = customer_search.customers_search(user=request.user, q=q, values=values)
    rows = list(queryset.select_related("branch")[offset:offset + limit + 1])
    items = [customer_data(customer, request.user) for customer in rows[:limit]]
    return JsonResponse({"items": items, "next_offset": offset + limit if len(rows) > limit else None},
                        json_dumps_params={"ensure_ascii": False})


@api.get("/customers/{code}", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def customer_detail(request, code: str):
    require(request, Scope.CUSTOMERS_READ, codes.VIEW_CUSTOMER)
    return JsonResponse(customer_data(visible_customer(request.user, code), request.user),
                        json_dumps_params={"ensure_ascii": False})


@api.post("/customers", response={201: CustomerOut, **ERRORS}, tags=["customers"])
def customer_create(request, body: CustomerIn):
    require(request, Scope.CUSTOMERS_WRITE, codes.ADD_CUSTOMER)
    customer = Customer()
    with transaction.atomic():
        fields = apply_customer_values(user=request.user, customer=customer, values=body.model_dump(exclude_unset=True))
        services.customer_save(customer=customer, user=request.user, reason=API_REASON)
        audit_events.object_saved(request=request, obj=customer, created=True, changes={"fields": fields})
    return JsonResponse(customer_data(customer, request.user), status=201, json_dumps_params={"ensure_ascii": False})


def version_conflict(user, current: Customer) -> JsonResponse:
    """409: the customer was saved since the caller read it; the answer shows what is stored now."""
    return JsonResponse({
        "code": "version_conflict",
        "message": _("This customer was changed by someone else after you read it (now version %(version)d). "
                     "Nothing was saved. Read it again, check the current values below and send your change with "
                     "the current version.") % {"version": current.version},
        "version": current.version,
        "current": customer_data(current, user),
    }, status=409, json_dumps_params={"ensure_ascii": False})


@api.patch("/customers/{code}", response={200: CustomerOut, 409: VersionConflictOut, **ERRORS}, tags=["customers"])
def customer_update(request, code: str, body: CustomerPatch):
    """Change some fields of a customer. `version` is the one the caller last read: if the customer was
    saved since, nothing is written and 409 answers the current values and version (optimistic
    locking). The answer carries the new version."""
    require(request, Scope.CUSTOMERS_WRITE, codes.CHANGE_CUSTOMER)
    values = body.model_dump(exclude_unset=True)
    seen = values.pop("version")
    try:
        with transaction.atomic():
            customer = visible_customer(request.user, code)
            if customer.version != seen:
                return version_conflict(request.user, customer)
            fields = apply_customer_values(user=request.user, customer=customer, values=values)
            services.customer_save(customer=customer, user=request.user, reason=API_REASON)  # claims `seen`
            audit_events.object_saved(request=request, obj=customer, created=False, changes={"fields": fields})
    except locking.StaleWrite:  # saved by another between the read above and the claim
        return version_conflict(request.user, visible_customer(request.user, code))
    return JsonResponse(customer_data(customer, request.user), json_dumps_params={"ensure_ascii": False})


# --- purchases ----------------------------------------------------------------------------------
def _replay(client, key: str, fingerprint: str) -> JsonResponse | None:
    stored = IdempotencyKey.objects.filter(client=client, key=key).only("fingerprint", "status", "response").first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused", _("This Idempotency-Key was used with another body. Nothing "
                                                        "was saved; use a new key for new data."))
    response = JsonResponse(stored.response, status=stored.status, json_dumps_params={"ensure_ascii": False})
    response["Idempotent-Replayed"] = "true"
    return response


def _require_key(key: Optional[str]) -> str:
    if not key:
        raise ApiError(400, "idempotency_key_required", _("Send an Idempotency-Key header (1 to 200 "
                                                          "ASCII letters, digits or symbols) with every post of purchases or "
                                                          "points. Nothing was saved."))
    return key


def raw_fingerprint(operation: str, request) -> str:
    """The fingerprint of a post as sent: its operation and its raw body, hashed before anything parses
    it, so that a replay answers without validating the body again. A retry sends the same bytes; a
    body changed in any way (even its spacing) is another body."""
    return hashlib.sha256(operation.encode() + b"\n" + request.body).hexdigest()


def _idempotent(request, *, key: Optional[str], fingerprint: str, write, replay_checked: bool = False) -> JsonResponse:
    """Run `write()` (→ the answer's dict) once per Idempotency-Key of this outside system: a replay with the
    same fingerprint (operation and body) answers the first answer and writes nothing; the same key with
    another body is refused (422). The key's row is inserted first, in the write's transaction: a second
    post of the key waits there for the first one's commit, then fails on the unique constraint and
    answers what the first stored; an error rolls back the key with the write, so a retry writes.
    `replay_checked`: the caller has just looked the key up (_replay) and found nothing."""
    key = _require_key(key)
    client = request.auth.client
    if not replay_checked:
        replayed = _replay(client, key, fingerprint)
        if replayed is not None:
            return replayed
    try:
        with transaction.atomic():
            stored = IdempotencyKey.objects.create(client=client, key=key, fingerprint=fingerprint)
            answer = write()
            stored.status, stored.response = 201, answer
            stored.save(update_fields=["status", "response"])
    except IntegrityError:
        replayed = _replay(client, key, fingerprint)
        if replayed is None:
            raise
        return replayed
    return JsonResponse(answer, status=201, json_dumps_params={"ensure_ascii": False})


IDEMPOTENCY_KEY = Header(..., alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[!-~]+$",
                         description="Required: the same key and body again answers the first answer and adds nothing.")


@api.post("/purchases", response={201: PurchaseBulkOut, **ERRORS}, tags=["purchases"],
          openapi_extra=body_described_by(PurchaseBulkIn))
def purchases_bulk_create(request, idempotency_key: str = IDEMPOTENCY_KEY):
    """Purchases in bulk (a till's or a sales system's sales), a body of `PurchaseBulkIn`. With the same
    Idempotency-Key and body, a replay answers the first answer and adds nothing; two posts at once add
    once; the same key with another body is refused (422)."""
    require(request, Scope.PURCHASES_WRITE, codes.VIEW_CUSTOMER, ADD_PURCHASE)
    key = _require_key(idempotency_key)
    # The key first, against the raw body's fingerprint: a replay (a till retrying 10,000 rows) answers
    # without parsing or validating the body.
    fingerprint = raw_fingerprint("purchases", request)
    replayed = _replay(request.auth.client, key, fingerprint)
    if replayed is not None:
        return replayed
    rows = parse_body(request, PurchaseBulkIn).model_dump(exclude_unset=True)["purchases"]
    return _idempotent(request, key=key, fingerprint=fingerprint, replay_checked=True,
                       write=lambda: _write_purchases(request, rows))


def _write_purchases(request, rows: list[dict]) -> dict:
    user = request.user
    refuse_invisible(user, Purchase, {name for row in rows for name in row if name != "customer"})
    wanted = {row["customer"] for row in rows}
    ids = dict(permissions.visible_customers(user).filter(code__in=wanted).values_list("code", "id"))
    missing = [i for i, row in enumerate(rows) if row["customer"] not in ids]
    if missing:
        raise ApiError(404, "customer_not_found", _("No customer has the code given in %(count)d rows. Nothing was "
                                                    "saved.") % {"count": len(missing)}, rows=missing[:100])
    values_of, errors = [], {}
    snapshot = input_rules.config()  # the office's input rules, read once for all rows
    for i, row in enumerate(rows):
        values = {name: value for name, value in row.items() if name != "customer" and value is not None}
        values, row_errors, _warnings = input_rules.apply_to_values("purchase", values, snapshot=snapshot)
        if row_errors:
            errors[str(i)] = row_errors
        values["customer_id"] = ids[row["customer"]]
        values_of.append(values)
    if errors:
        raise ApiError(422, "invalid_value", _("Some values were refused. Nothing was saved."),
                       errors=dict(list(errors.items())[:100]))
    purchases = bulk_write.new_objects(Purchase, values_of)
    created = services.purchases_create(purchases=purchases, user=user, reason=API_REASON)
    audit_events.bulk_action(request=request, name="api_purchases", rows=len(created))
    return {"created": len(created), "ids": created}


# --- points -------------------------------------------------------------------------------------
def _entry_data(entry, balance: int | None = None) -> dict:
    data = {"id": entry.pk, "delta": entry.delta, "reason": entry.reason, "source": entry.source,
            "created_at": entry.created_at.isoformat()}
    if balance is not None:
        data["balance"] = balance
    return data


@api.get("/customers/{code}/points", response={200: PointsOut, **ERRORS}, tags=["points"])
def points_ledger(request, code: str, limit: int = Query(50, ge=1, le=500),
                  before: Optional[int] = Query(None, ge=1, lt=2 ** 63)):
    """A customer's point balance (the sum of the ledger) and its ledger, newest first; `before` (an
    entry's id, as `next_before` gives it) pages to older entries."""
    require(request, Scope.POINTS, codes.VIEW_CUSTOMER, point_codes.VIEW_POINTS)
    customer = visible_customer(request.user, code)
    with transaction.atomic():  # the balance and the entries from one moment
        balance = point_selectors.balance_of(customer.pk)
        entries = point_selectors.ledger_of(customer.pk, limit=limit + 1, before_id=before)
    return JsonResponse({
        "customer": customer.code, "balance": balance,
        "entries": [_entry_data(entry) for entry in entries[:limit]],
        "next_before": entries[limit - 1].pk if len(entries) > limit else None,
    }, json_dumps_params={"ensure_ascii": False})


@api.post("/customers/{code}/points", response={201: PointEntryOut, **ERRORS}, tags=["points"])
def points_add(request, code: str, body: PointEntryIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """Add points (a positive `delta`) or use them (negative), once per Idempotency-Key as purchases are.
    A use beyond the balance is refused (422 `insufficient_points`) and nothing is written."""
    require(request, Scope.POINTS, codes.VIEW_CUSTOMER, point_codes.ADD_POINTS)
    values = body.model_dump()

    def write() -> dict:
        customer = visible_customer(request.user, code)
        if values["delta"] == 0:
            raise ApiError(422, "invalid_value", _("Give a number of points other than 0. Nothing was saved."),
                           errors=[{"field": "delta", "type": "zero"}])
        try:
            entry, balance = point_services.points_add(
                customer=customer, delta=values["delta"], reason=values["reason"], user=request.user,
                source=f"API: {request.auth.client.name}"[:100], idempotency_key=idempotency_key or "")
        except point_services.InsufficientPoints as exc:
            raise ApiError(422, "insufficient_points", exc.messages[0], balance=exc.balance) from None
        audit_events.record(audit_events.Action.CREATE, request=request, target=entry, customer=customer,
                            detail={"points": entry.delta, "balance": balance, "reason": entry.reason,
                                    "source": entry.source})
        return _entry_data(entry, balance)

    fingerprint = hashlib.sha256(json.dumps(["points", code, values], sort_keys=True, default=str).encode()).hexdigest()
    return _idempotent(request, key=idempotency_key, fingerprint=fingerprint, write=write)

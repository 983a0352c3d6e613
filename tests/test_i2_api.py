"""I2 (issue 27 point 2): the JSON API for outside systems, per role and branch, with its tokens,
restricted fields, idempotent bulk purchases and JSON errors. Personas from tests/personas.py."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiClient, ApiToken, IdempotencyKey, Scope
from api.tokens import digest_of, token_create, token_revoke
from audit.models import AuditEvent
from crm.models import Customer, Purchase
from tests.personas import build_world

ALL_SCOPES = [s.value for s in Scope]


@pytest.fixture
def world(db, ja):
    return build_world()


def token_for(user, scopes=ALL_SCOPES, *, expires_in=timedelta(days=30), client_name="POS"):
    client, _ = ApiClient.objects.get_or_create(name=client_name)
    _token, secret = token_create(client=client, user=user, scopes=scopes, expires_at=timezone.now() + expires_in)
    return secret


def call(method, path, secret=None, body=None, *, raw=None, **headers):
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False) if body is not None else None)
    kwargs = {"content_type": "application/json", "data": data} if data is not None else {}
    # CSRF checked as a browser would be: a token, not a cookie, authenticates the API
    return getattr(Client(enforce_csrf_checks=True), method)(f"/api/v1{path}", headers=headers, **kwargs)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"] and any(ord(ch) > 0x3000 for ch in body["message"]), body["message"]  # Japanese


# --- customers per role and branch -------------------------------------------------------------
def test_i2_search_uses_the_quick_search_and_the_branch_scope(world):
    # given
    branch_a = token_for(world.users["branch_a"])
    hq = token_for(world.users["hq_admin"])
    # when / then
    codes = {c["code"] for c in call("get", "/customers", branch_a).json()["items"]}
    assert codes == {world.customer_a.code}
    assert [c["code"] for c in call("get", "/customers?q=渋谷", branch_a).json()["items"]] == [world.customer_a.code]
    assert call("get", "/customers?q=新宿", branch_a).json()["items"] == []
    assert [c["code"] for c in call("get", "/customers?q=新宿", hq).json()["items"]] == [world.customer_b.code]
    assert {c["code"] for c in call("get", "/customers", hq).json()["items"]} == {world.customer_a.code,
                                                                                 world.customer_b.code}


def test_i2_restricted_fields_are_absent_from_every_answer(world):
    # given: 備考8 and チェック40–48 are the secretaries' (tests/personas.py)
    branch_a = token_for(world.users["branch_a"])
    secretary = token_for(world.users["secretary"])
    code = world.customer_a.code
    # when
    answers = [call("get", f"/customers/{code}", branch_a).json(),
               *call("get", "/customers", branch_a).json()["items"],
               call("patch", f"/customers/{code}", branch_a, {"title": "部長", "version": 1}).json()]
    # then
    for answer in answers:
        assert answer["code"] == code
        assert "remark8" not in answer and "check40" not in answer
        assert "社長の奥様" not in json.dumps(answer, ensure_ascii=False)
    seen = call("get", f"/customers/{code}", secretary).json()
    assert seen["remark8"] == "社長の奥様の誕生日 3/14" and seen["check40"] is True


def test_i2_restricted_fields_are_refused_on_write(world):
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    response = call("patch", f"/customers/{code}", token, {"remark8": "上書き", "title": "課長", "version": 1})
    assert_error(response, 422, "restricted_field")
    world.customer_a.refresh_from_db()
    assert world.customer_a.remark8 == "社長の奥様の誕生日 3/14" and world.customer_a.title != "課長"
    assert_error(call("post", "/customers", token, {"last_name": "新規", "check41": True}), 422, "restricted_field")
    assert not Customer.objects.filter(last_name="新規").exists()


def test_i2_another_branch_customer_answers_404(world):
    token = token_for(world.users["branch_a"])
    code_b = world.customer_b.code
    assert_error(call("get", f"/customers/{code_b}", token), 404, "customer_not_found")
    assert_error(call("patch", f"/customers/{code_b}", token, {"title": "部長", "version": 1}), 404, "customer_not_found")
    response = call("post", "/purchases", token, {"purchases": [
        {"customer": world.customer_a.code, "product_name": "A"}, {"customer": code_b, "product_name": "B"}]},
        **{"Idempotency-Key": "k-404"})
    assert_error(response, 404, "customer_not_found")
    assert response.json()["rows"] == [1]
    assert Purchase.objects.count() == 0 and not IdempotencyKey.objects.exists()
    assert_error(call("get", "/customers/NOPE", token), 404, "customer_not_found")


def test_i2_create_and_update_go_through_the_write_path_with_history_and_audit(world):
    # given
    user = world.users["branch_a"]
    token = token_for(user)
    # when
    created = call("post", "/customers", token, {"last_name": "青山", "first_name": "太郎",
                                                 "last_name_kana": "あおやま", "tel": "03-1234-5678"})
    # then: the branch user's one branch, readings in katakana, a code, history and an audit entry
    assert created.status_code == 201, created.content
    body = created.json()
    customer = Customer.objects.get(code=body["code"])
    assert customer.branch == world.branch_a and customer.last_name_kana == "アオヤマ" and body["branch"] == "A"
    assert customer.created_by == user and customer.history.count() == 1
    assert AuditEvent.objects.filter(action="create", customer_code=customer.code, user=user).exists()
    assert [c["code"] for c in call("get", "/customers?q=青山", token).json()["items"]] == [customer.code]
    # when: an update
    updated = call("patch", f"/customers/{customer.code}", token, {"title": "部長", "email": None, "version": body["version"]})
    assert updated.status_code == 200 and updated.json()["title"] == "部長"
    customer.refresh_from_db()
    assert customer.title == "部長" and customer.history.count() == 2 and customer.last_name == "青山"
    assert AuditEvent.objects.filter(action="update", customer_code=customer.code).exists()
    # a branch the user does not see
    assert_error(call("post", "/customers", token, {"last_name": "X", "branch": "B"}), 422, "unknown_branch")
    # head office names the branch
    hq = token_for(world.users["hq_admin"])
    assert_error(call("post", "/customers", hq, {"last_name": "X"}), 422, "branch_required")
    assert call("post", "/customers", hq, {"last_name": "X", "branch": "B"}).json()["branch"] == "B"


def test_i2_roles_apply_to_tokens(world):
    read_only = token_for(world.users["read_only"])
    assert call("get", f"/customers/{world.customer_a.code}", read_only).status_code == 200
    assert_error(call("post", "/customers", read_only, {"last_name": "X"}), 403, "permission_denied")
    assert_error(call("patch", f"/customers/{world.customer_a.code}", read_only, {"title": "X", "version": 1}), 403,
                 "permission_denied")
    assert_error(call("post", "/purchases", read_only, {"purchases": [{"customer": world.customer_a.code}]},
                      **{"Idempotency-Key": "r"}), 403, "permission_denied")
    assert Purchase.objects.count() == 0 and not Customer.objects.filter(last_name="X").exists()


# --- tokens: scopes, expiry, revocation ------------------------------------------------------------
def test_i2_token_scopes_expiry_and_revocation(world):
    user = world.users["branch_a"]
    code = world.customer_a.code
    reader = token_for(user, [Scope.CUSTOMERS_READ])
    assert call("get", f"/customers/{code}", reader).status_code == 200
    assert_error(call("patch", f"/customers/{code}", reader, {"title": "X", "version": 1}), 403, "scope_missing")
    assert_error(call("post", "/purchases", reader, {"purchases": [{"customer": code}]}, **{"Idempotency-Key": "s"}),
                 403, "scope_missing")
    writer = token_for(user, [Scope.PURCHASES_WRITE])
    assert_error(call("get", f"/customers/{code}", writer), 403, "scope_missing")

    expired = token_for(user, expires_in=timedelta(seconds=-1))
    assert_error(call("get", f"/customers/{code}", expired), 401, "token_expired")
    revoked = token_for(user)
    token_revoke(token=ApiToken.objects.get(digest=digest_of(revoked)))
    assert_error(call("get", f"/customers/{code}", revoked), 401, "token_revoked")
    assert_error(call("get", f"/customers/{code}", "kk_wrong_secret"), 401, "token_invalid")
    assert_error(call("get", f"/customers/{code}"), 401, "token_invalid")
    user.is_active = False
    user.save()
    assert_error(call("get", f"/customers/{code}", reader), 401, "token_user_inactive")


def test_i2_tokens_are_hashed_at_rest_several_per_client_and_record_their_last_use(world):
    user = world.users["branch_a"]
    first, second = token_for(user), token_for(user)
    tokens = ApiToken.objects.filter(client__name="POS")
    assert tokens.count() == 2
    for token, secret in zip(tokens.order_by("id"), [first, second]):
        assert token.digest == digest_of(secret) and secret not in json.dumps(
            list(ApiToken.objects.values("prefix", "digest", "name")))
        assert token.last_used_at is None
    call("get", "/customers", second)
    assert ApiToken.objects.get(digest=digest_of(second)).last_used_at is not None
    assert ApiToken.objects.get(digest=digest_of(first)).last_used_at is None


# --- purchases in bulk, idempotent -----------------------------------------------------------------
def test_i2_bulk_purchases_are_idempotent(world):
    # given
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    body = {"purchases": [{"customer": code, "date": "2026-12-01", "product_name": "コーヒー豆", "quantity": 2,
                           "unit_price": 1200}, {"customer": code, "product_name": "マグカップ", "unit_price": 800},
                          {"customer": code, "product_name": "フィルター", "amount": 300, "points": 3}]}
    # when
    first = call("post", "/purchases", token, body, **{"Idempotency-Key": "till-1-0001"})
    # then
    assert first.status_code == 201, first.content
    assert first.json()["created"] == 3 and Purchase.objects.count() == 3
    assert Purchase.objects.get(product_name="コーヒー豆").amount == 2400
    assert all(p.history.count() == 1 for p in Purchase.objects.all())
    assert AuditEvent.objects.filter(action="bulk", row_count=3).exists()
    # when: the till retries
    replay = call("post", "/purchases", token, body, **{"Idempotency-Key": "till-1-0001"})
    # then: the first answer, nothing added
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true" and Purchase.objects.count() == 3
    # the same key with another body is refused
    other = {"purchases": [{"customer": code, "product_name": "別物"}]}
    assert_error(call("post", "/purchases", token, other, **{"Idempotency-Key": "till-1-0001"}), 422,
                 "idempotency_key_reused")
    # another outside system's key of the same name is its own
    pos2 = token_for(world.users["branch_a"], client_name="EC")
    assert call("post", "/purchases", pos2, other, **{"Idempotency-Key": "till-1-0001"}).status_code == 201
    assert Purchase.objects.count() == 4
    # no key
    assert_error(call("post", "/purchases", token, other), 400, "idempotency_key_required")
    assert Purchase.objects.count() == 4


def test_i2_bulk_purchase_key_is_checked_against_the_raw_body_first(world):
    # given: a post stored under its key
    token = token_for(world.users["branch_a"])
    rows = [{"customer": world.customer_a.code, "product_name": "コーヒー豆", "quantity": 2, "unit_price": 1200}]
    raw = json.dumps({"purchases": rows}, ensure_ascii=False)
    first = call("post", "/purchases", token, raw=raw, **{"Idempotency-Key": "raw-1"})
    assert first.status_code == 201, first.content
    # when / then: the same bytes are a replay; the same rows sent otherwise are another body (the key is
    # checked before the body is parsed); a body the API would refuse cannot replay a stored answer
    again = call("post", "/purchases", token, raw=raw, **{"Idempotency-Key": "raw-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    spaced = json.dumps({"purchases": rows}, ensure_ascii=False, indent=2)
    assert_error(call("post", "/purchases", token, raw=spaced, **{"Idempotency-Key": "raw-1"}), 422,
                 "idempotency_key_reused")
    assert_error(call("post", "/purchases", token, raw="not json", **{"Idempotency-Key": "raw-1"}), 422,
                 "idempotency_key_reused")
    assert Purchase.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    # a new key with a bad body is still refused field by field, nothing written
    assert_error(call("post", "/purchases", token, {"purchases": [{**rows[0], "quantity": "abc"}]},
                      **{"Idempotency-Key": "raw-2"}), 422, "invalid_value")
    assert Purchase.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_i2_restricted_purchase_fields_are_refused(world):
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting
    from django.contrib.auth.models import Group

    FieldSetting.objects.filter(model="purchase", field_name="memo").update(
        visible_to=Group.objects.get(name="秘書部門"))
    lookup.invalidate()
    token = token_for(world.users["branch_a"])
    body = {"purchases": [{"customer": world.customer_a.code, "product_name": "A", "memo": "秘密"}]}
    assert_error(call("post", "/purchases", token, body, **{"Idempotency-Key": "m"}), 422, "restricted_field")
    assert Purchase.objects.count() == 0


# --- errors ------------------------------------------------------------------------------------
def test_i2_bad_input_answers_a_json_error_and_writes_nothing(world, settings):
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    key = {"Idempotency-Key": "e"}
    before = Customer.objects.count()
    assert_error(call("post", "/customers", token, raw='{"last_name": "壊れ'), 400, "malformed_json")
    assert_error(call("post", "/purchases", token, raw="not json", **key), 400, "malformed_json")
    assert_error(call("post", "/customers", token, {"last_name": 12, "check1": "はい"}), 422, "invalid_value")
    assert_error(call("post", "/purchases", token, {"purchases": [{"customer": code, "quantity": "abc"}]}, **key),
                 422, "invalid_value")
    assert_error(call("post", "/purchases", token, {"purchases": [{"customer": code, "quantity": -1}]}, **key),
                 422, "invalid_value")
    assert_error(call("post", "/customers", token, {"last_name": "X", "nickname": "x"}), 422, "unknown_field")
    assert_error(call("patch", f"/customers/{code}", token, {"shoe_size": 27, "version": 1}), 422, "unknown_field")
    assert_error(call("post", "/purchases", token, {"purchases": [{"product_name": "A"}]}, **key), 422,
                 "missing_field")
    assert_error(call("post", "/customers", token, {"last_name": "X", "email": "not-an-email"}), 422,
                 "invalid_value")
    assert_error(call("post", "/customers", token, {"last_name": "X", "last_name_kana": "漢字", "tel": "abc"}), 422,
                 "invalid_value")
    # a NUL character (PostgreSQL stores none) in a value, a search or a key
    assert_error(call("post", "/customers", token, {"last_name": "X\u0000"}), 422, "invalid_value")
    assert_error(call("get", "/customers?q=%00", token), 422, "invalid_value")
    assert_error(call("post", "/purchases", token, {"purchases": [{"customer": code}]}, **{"Idempotency-Key": "a\u3042"}),
                 400, "idempotency_key_required")
    settings.API_MAX_BODY_BYTES = 200
    big = {"purchases": [{"customer": code, "product_name": "x" * 100}] * 5}
    assert_error(call("post", "/purchases", token, big, **key), 413, "body_too_large")
    assert Customer.objects.count() == before and Purchase.objects.count() == 0
    assert not IdempotencyKey.objects.exists()


def test_i2_openapi_description_is_served(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/customers", "/api/v1/customers/{code}", "/api/v1/purchases"} <= set(paths)
    assert set(paths["/api/v1/customers"]) == {"get", "post"}
    assert Client().get("/api/v1/docs").status_code == 200


# --- the token screens ------------------------------------------------------------------------
def test_i2_admin_creates_a_token_shown_once_and_revokes_it(world):
    # given
    admin = Client(HTTP_ACCEPT_LANGUAGE="ja")
    admin.force_login(world.users["hq_admin"])
    client = ApiClient.objects.create(name="POSレジ")
    # when
    page = admin.post("/admin/api/apitoken/add/", {
        "client": client.pk, "name": "渋谷店レジ", "user": world.users["branch_a"].pk,
        "scopes": [Scope.CUSTOMERS_READ, Scope.PURCHASES_WRITE],
        "expires_at_0": (timezone.localdate() + timedelta(days=90)).strftime("%Y/%m/%d"), "expires_at_1": "00:00:00",
    })
    # then: the secret is on this page, only its hash is stored
    assert page.status_code == 200, page.content.decode()[:2000]
    assert "errorlist" not in page.content.decode(), page.context["adminform"].form.errors if page.context else ""
    token = ApiToken.objects.get()
    html = page.content.decode()
    secret = html.split('id="api-token-secret"')[1].split(">", 1)[1].split("<", 1)[0].strip()
    assert secret.startswith("kk_") and token.digest == digest_of(secret) and token.created_by == world.users["hq_admin"]
    assert sorted(token.scopes) == ["customers:read", "purchases:write"]
    assert call("get", f"/customers/{world.customer_a.code}", secret).status_code == 200
    assert secret not in admin.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    # when: revoked from the list
    admin.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert_error(call("get", f"/customers/{world.customer_a.code}", secret), 401, "token_revoked")


def test_i2_token_screens_are_for_admins_only(world):
    for name in ("branch_a", "read_only", "secretary"):
        staff = Client(HTTP_ACCEPT_LANGUAGE="ja")
        staff.force_login(world.users[name])
        assert staff.get("/admin/api/apitoken/").status_code == 403, name
        assert staff.get("/admin/api/apitoken/add/").status_code == 403, name


@pytest.mark.django_db(transaction=True)
def test_i2_two_identical_bulk_posts_at_once_add_once(ja):
    # given: real transactions, two threads with a connection each
    import threading

    from django.apps import apps
    from django.db import connection

    from crm import roles

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("shared-cache in-memory SQLite reports a locked table instead of waiting")
    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    world = build_world()
    token = token_for(world.users["branch_a"])
    body = {"purchases": [{"customer": world.customer_a.code, "product_name": f"商品{i}"} for i in range(200)]}
    barrier, answers = threading.Barrier(2), []

    def post():
        try:
            barrier.wait()
            answers.append(call("post", "/purchases", token, body, **{"Idempotency-Key": "same"}))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Purchase.objects.count() == 200 and IdempotencyKey.objects.count() == 1


def test_i2_a_body_over_the_servers_limit_answers_json_too(world, settings):
    # the request-size limit of every request (ops.limits) answers an API's client in JSON
    token = token_for(world.users["branch_a"])
    settings.MAX_REQUEST_BYTES = 100
    body = {"purchases": [{"customer": world.customer_a.code, "product_name": "x" * 200}]}
    assert_error(call("post", "/purchases", token, body, **{"Idempotency-Key": "big"}), 413, "body_too_large")
    assert Purchase.objects.count() == 0


def test_i2_an_admin_of_one_branch_makes_tokens_for_their_branch_staff_only(world):
    from crm import roles
    from tests.factories import StaffFactory

    manager = StaffFactory(username="store_manager", roles=[roles.ADMIN], branches=[world.branch_a])
    admin = Client(HTTP_ACCEPT_LANGUAGE="ja")
    admin.force_login(manager)
    form = admin.get("/admin/api/apitoken/add/")
    assert form.status_code == 200
    offered = {str(u.pk) for u in form.context["adminform"].form.fields["user"].queryset}
    assert str(world.users["branch_a"].pk) in offered
    assert str(world.users["branch_b"].pk) not in offered and str(world.users["hq_admin"].pk) not in offered


# --- every endpoint per persona ----------------------------------------------------------------------
PERSONAS = {  # persona: (sees customer A, may write)
    "hq_admin": (True, True), "branch_a": (True, True), "no_export": (True, True), "no_print": (True, True),
    "secretary": (True, True), "read_only": (True, False), "branch_b": (False, True),
}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_i2_every_endpoint_per_role_and_branch(world, persona):
    # given: customer A of branch A, a token with every scope
    sees, writes = PERSONAS[persona]
    token = token_for(world.users[persona])
    code = world.customer_a.code
    # when
    listed = call("get", "/customers", token)
    found = call("get", "/customers?q=渋谷", token)
    detail = call("get", f"/customers/{code}", token)
    patched = call("patch", f"/customers/{code}", token, {"title": f"課長{persona}", "version": 1})
    created = call("post", "/customers", token, {"last_name": f"新規{persona}", "branch": "A"})
    bought = call("post", "/purchases", token, {"purchases": [{"customer": code, "product_name": "茶"}]},
                  **{"Idempotency-Key": persona})
    points = call("get", f"/customers/{code}/points", token)
    # then
    assert listed.status_code == 200 and found.status_code == 200
    assert (code in {c["code"] for c in listed.json()["items"]}) is sees
    assert (code in {c["code"] for c in found.json()["items"]}) is sees
    assert detail.status_code == (200 if sees else 404)
    assert points.status_code == (200 if sees else 404)
    if not writes:
        for answer in (patched, created, bought):
            assert_error(answer, 403, "permission_denied")
    elif not sees:
        assert_error(patched, 404, "customer_not_found")
        assert_error(bought, 404, "customer_not_found")
        assert_error(created, 422, "unknown_branch")
    else:
        assert patched.status_code == 200 and patched.json()["version"] == 2
        assert created.status_code == 201 and created.json()["branch"] == "A"
        assert bought.status_code == 201
    written = writes and sees
    assert Customer.objects.filter(last_name=f"新規{persona}").exists() is written
    assert Purchase.objects.filter(customer=world.customer_a).exists() is written
    assert AuditEvent.objects.filter(action="update", customer_code=code).exists() is written
    # restricted fields (the secretaries' 備考8, チェック40–48) absent from every answer of the others
    for answer in (listed, found, detail, patched, created):
        if answer.status_code != 200 and answer.status_code != 201:
            continue
        items = answer.json().get("items", [answer.json()])
        for item in items:
            assert ("remark8" in item) is (persona == "secretary") and ("check40" in item) is (persona == "secretary")


# --- optimistic locking --------------------------------------------------------------------------------
def test_i2_update_with_a_stale_version_is_refused_with_the_current_values(world):
    # given: a customer read at version 1
    from crm import services

    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    read = call("get", f"/customers/{code}", token).json()
    assert read["version"] == 1
    # when: someone saves it on the card
    customer = Customer.objects.get(code=code)
    customer.title = "専務"
    services.customer_save(customer=customer, user=world.users["hq_admin"], reason="画面")
    history = customer.history.count()
    # then: the API's update with the version it read is refused, with the values stored now
    stale = call("patch", f"/customers/{code}", token, {"title": "部長", "version": read["version"]})
    assert_error(stale, 409, "version_conflict")
    body = stale.json()
    assert body["version"] == 2 and body["current"]["title"] == "専務" and body["current"]["version"] == 2
    assert "remark8" not in body["current"]  # the current values as this token's staff member may see them
    customer.refresh_from_db()
    assert customer.title == "専務" and customer.version == 2 and customer.history.count() == history
    assert not AuditEvent.objects.filter(action="update", customer_code=code, user=world.users["branch_a"]).exists()
    # when: sent again with the current version
    again = call("patch", f"/customers/{code}", token, {"title": "部長", "version": body["version"]})
    # then: saved, the answer carries the new version
    assert again.status_code == 200 and again.json()["title"] == "部長" and again.json()["version"] == 3
    assert Customer.objects.get(code=code).version == 3
    # the version is required, and a number
    assert_error(call("patch", f"/customers/{code}", token, {"title": "X"}), 422, "missing_field")
    assert_error(call("patch", f"/customers/{code}", token, {"title": "X", "version": "三"}), 422, "invalid_value")
    assert Customer.objects.get(code=code).title == "部長"


@pytest.mark.django_db(transaction=True)
def test_i2_two_updates_of_one_version_at_once_save_once(ja):
    import threading

    from django.apps import apps
    from django.db import connection

    from crm import roles

    if connection.vendor == "sqlite":
        pytest.skip("SQLite writes one transaction at a time")
    roles.sync_roles(apps)
    world = build_world()
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    barrier, answers = threading.Barrier(2), []

    def patch(title):
        try:
            barrier.wait()
            answers.append(call("patch", f"/customers/{code}", token, {"title": title, "version": 1}))
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(title,)) for title in ("部長", "課長")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409]
    saved = next(a for a in answers if a.status_code == 200).json()
    customer = Customer.objects.get(code=code)
    assert customer.version == 2 and customer.title == saved["title"]


def test_i2_api_token_command_makes_a_working_token(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("api_token", client="POSレジ", user="branch_a", scopes="customers:read,points", days=30,
                 name="渋谷1番レジ", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(digest=digest_of(secret))
    assert token.client.name == "POSレジ" and token.user == world.users["branch_a"]
    assert sorted(token.scopes) == ["customers:read", "points"] and token.name == "渋谷1番レジ"
    assert call("get", f"/customers/{world.customer_a.code}/points", secret).status_code == 200
    assert_error(call("patch", f"/customers/{world.customer_a.code}", secret, {"title": "X", "version": 1}), 403,
                 "scope_missing")
    with pytest.raises(CommandError):
        call_command("api_token", client="POSレジ", user="branch_a", scopes="everything", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", client="POSレジ", user="nobody", scopes="points", stdout=StringIO())
    assert ApiToken.objects.count() == 1

"""I2 (issue 27 point 2): the API's customer search takes the 検索画面's conditions as query parameters
(api/customer_search.py) and finds what the customer list finds for the same user and the same
conditions; branch scope, restricted fields and bad values answered as the API's JSON errors."""

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from crm import advanced_search
from crm.models import ContactHistory
from tests.factories import ContactHistoryFactory, CustomerFactory, PurchaseFactory
from tests.personas import build_world
from tests.test_i2_api import assert_error, call, token_for


@pytest.fixture
def shop(db, ja):
    """The personas' world plus customers with contacts and purchases in both branches."""
    world = build_world()
    a, b = world.branch_a, world.branch_b
    people = {
        "a_jan": CustomerFactory(branch=a, last_name="青木", address="東京都渋谷区神南1-1", check1=True),
        "a_feb": CustomerFactory(branch=a, last_name="石井", address="神奈川県横浜市", check1=False),
        "a_big": CustomerFactory(branch=a, last_name="上田", address="東京都港区", check1=True),
        "b_jan": CustomerFactory(branch=b, last_name="江藤", address="東京都新宿区", check1=True),
        "b_big": CustomerFactory(branch=b, last_name="大野", address="大阪府大阪市"),
    }
    day = datetime.date
    for key, date, status in [("a_jan", day(2026, 1, 10), "done"), ("a_feb", day(2026, 2, 3), "open"),
                              ("b_jan", day(2026, 1, 20), "done"), ("a_big", day(2025, 12, 31), "open")]:
        ContactHistoryFactory(customer=people[key], date=date, status=status)
    for key, amount in [("a_jan", 3000), ("a_big", 8000), ("a_big", 7000), ("b_big", 20000), ("a_feb", 500)]:
        PurchaseFactory(customer=people[key], date=day(2026, 3, 1), quantity=1, unit_price=amount, amount=amount)
    world.people = people
    return world


def api_codes(user, params: dict) -> list[str]:
    secret = token_for(user)
    codes, offset = [], 0
    while offset is not None:  # every page, as a client would read them
        response = call("get", "/customers?" + urlencode({**params, "limit": 2, "offset": offset}), secret)
        assert response.status_code == 200, response.content
        body = response.json()
        codes += [item["code"] for item in body["items"]]
        offset = body["next_offset"]
    return codes


def screen_codes(user, params: dict) -> list[str]:
    """The customer list's own queryset for the same conditions, through the admin as the same user."""
    client = Client()
    client.force_login(user)
    screen = {("q" if name == "q" else f"{advanced_search.PREFIX}{name}"):
              ({True: "1", False: "0"}[value] if isinstance(value, bool) else value) for name, value in params.items()}
    response = client.get("/admin/crm/customer/?" + urlencode(screen))
    assert response.status_code == 200
    return list(response.context["cl"].queryset.values_list("code", flat=True))


CONDITIONS = [
    {"c_date_from": "2026-01-01", "c_date_to": "2026-01-31"},
    {"c_date_from": "2026-01-01", "c_status": "done"},
    {"p_total_min": 10000},
    {"p_amount_min": 1000, "p_amount_max": 5000},
    {"address": "東京", "check1": True},
    {"address": "東京", "c_date_from": "2026-02-01", "mode": "or"},
    {"q": "東京", "p_total_max": 9000, "sort": "code_desc"},
]


@pytest.mark.parametrize("conditions", CONDITIONS, ids=[",".join(c) for c in CONDITIONS])
@pytest.mark.parametrize("persona", ["hq_admin", "branch_a"])
def test_i2_search_conditions_find_what_the_customer_list_finds(shop, persona, conditions):
    # given
    user = shop.users[persona]
    # when
    from_api, from_screen = api_codes(user, conditions), screen_codes(user, conditions)
    # then: the same customers in the same order, and the search did narrow the list
    assert from_api == from_screen
    assert len(from_api) < len(screen_codes(user, {}))


def test_i2_search_conditions_find_the_expected_customers(shop):
    # given
    hq, people = shop.users["hq_admin"], shop.people
    code = lambda *keys: [people[k].code for k in keys]  # noqa: E731
    # when / then: a contact date range, a purchase total, one purchase's amount
    assert api_codes(hq, {"c_date_from": "2026-01-01", "c_date_to": "2026-01-31"}) == code("a_jan", "b_jan")
    assert api_codes(hq, {"p_total_min": 10000}) == code("a_big", "b_big")
    assert api_codes(hq, {"p_amount_min": 1000, "p_amount_max": 5000}) == code("a_jan")
    assert api_codes(hq, {"address": "東京", "check1": True, "sort": "code_desc"}) == code("b_jan", "a_big", "a_jan")


def test_i2_search_conditions_stay_in_the_branch_scope(shop):
    # given: 支店A's staff member, conditions every branch's customers meet
    branch_a, people = shop.users["branch_a"], shop.people
    # when
    found = api_codes(branch_a, {"p_total_min": 10000})
    january = api_codes(branch_a, {"c_date_from": "2026-01-01", "c_date_to": "2026-01-31"})
    # then
    assert found == [people["a_big"].code] and january == [people["a_jan"].code]
    # another branch by its code is refused as one that does not exist, saying nothing of it
    secret = token_for(branch_a)
    refused = call("get", "/customers?branch=B", secret)
    assert_error(refused, 422, "invalid_condition")
    assert refused.json() == call("get", "/customers?branch=NOSUCH", secret).json()
    assert api_codes(shop.users["hq_admin"], {"branch": "B"}) == [shop.customer_b.code, people["b_jan"].code,
                                                                  people["b_big"].code]


@pytest.mark.parametrize("parameter", ["remark8=社長", "check40=true"])
def test_i2_search_condition_on_a_restricted_field_is_refused_without_naming_it(shop, parameter):
    # given: 備考8 (VIPメモ) and チェック40 are the secretaries' (tests/personas.py)
    secret = token_for(shop.users["branch_a"])
    # when
    response = call("get", f"/customers?{parameter}", secret)
    # then
    assert_error(response, 422, "restricted_condition")
    text = json.dumps(response.json(), ensure_ascii=False)
    for leak in ("remark8", "check40", "VIPメモ", "社長", "誕生日"):
        assert leak not in text
    # the secretary may search by it, and finds the one customer
    assert api_codes(shop.users["secretary"], {"remark8": "社長"}) == [shop.customer_a.code]


@pytest.mark.parametrize("query,status,code,field", [
    ("c_date_from=2026-13-01", 422, "invalid_value", "c_date_from"),
    ("c_date_from=2026-02-01&c_date_to=2026-01-01", 422, "invalid_condition", "c_date_from"),
    ("p_total_min=-1", 422, "invalid_value", "p_total_min"),
    ("p_total_min=9000&p_total_max=100", 422, "invalid_condition", "p_total_min"),
    ("gender=X", 422, "invalid_value", "gender"),
    ("c_category=999999", 422, "invalid_condition", "c_category"),
    ("check1=maybe", 422, "invalid_value", "check1"),
    ("s_address=東京", 422, "unknown_field", "s_address"),
    ("adress=東京", 422, "unknown_field", "adress"),
])
def test_i2_search_bad_condition_values_are_json_errors_in_japanese(shop, query, status, code, field):
    # given
    secret = token_for(shop.users["hq_admin"])
    # when
    response = call("get", f"/customers?{query}", secret)
    # then
    assert_error(response, status, code)
    errors = response.json()["errors"]
    named = errors.keys() if isinstance(errors, dict) else [e["field"] for e in errors]
    assert field in named
    if isinstance(errors, dict):  # the screen's own message, in Japanese
        assert any(ord(ch) > 0x3000 for ch in errors[field][0]), errors


def test_i2_search_describes_every_condition_the_screen_offers(shop):
    # given: the 検索画面 as head office's administrator sees it (every field and block)
    form = advanced_search.AdvancedSearchForm(None, user=shop.users["hq_admin"])
    # when
    schema = call("get", "/openapi.json").json()
    described = {p["name"]: p for p in schema["paths"]["/api/v1/customers"]["get"]["parameters"]}
    # then: each condition is a described parameter (the screen's layout-only fields excepted)
    for name in set(form.fields) - {"per_page", "cols"}:
        assert name in described, name
        assert described[name]["description"], name
    assert described["c_date_from"]["schema"]["format"] == "date"


def test_i2_search_contact_status_choices_follow_the_model(shop):
    # the schema's choices of c_status are the model's (a new status needs no second list)
    schema = call("get", "/openapi.json").json()
    described = {p["name"]: p for p in schema["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert described["c_status"]["schema"]["enum"] == [value for value, _ in ContactHistory.Status.choices]


def test_i2_search_condition_on_a_feature_block_the_user_may_not_see_is_refused(shop):
    # given: a staff member who sees customers but not orders (the orders block is not offered to them)
    from tests.factories import StaffFactory

    no_orders = StaffFactory(username="no_orders", perms=["crm.view_customer"], branches=[shop.branch_a])
    assert not no_orders.has_perm("orders.view_order")
    # when
    refused = call("get", "/customers?o_amount_min=1000", token_for(no_orders))
    allowed = call("get", "/customers?o_amount_min=1000", token_for(shop.users["hq_admin"]))
    # then
    assert_error(refused, 422, "restricted_condition")
    assert "o_amount_min" not in json.dumps(refused.json())
    assert allowed.status_code == 200 and allowed.json()["items"] == []

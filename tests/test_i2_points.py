"""I2 (issue 27 point 2): points (ポイント) — the ledger, its balance, the API's endpoints per role and
branch, idempotent posts, debits beyond the balance, the card's panel and the read-only admin."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.models import IdempotencyKey, Scope
from audit.models import AuditEvent
from points.models import PointEntry
from points.selectors import balance_of
from points.services import points_add
from tests.personas import build_world
from tests.test_i2_api import ALL_SCOPES, assert_error, call, token_for


@pytest.fixture
def world(db, ja):
    return build_world()


def post_points(secret, code, body, key, **kwargs):
    return call("post", f"/customers/{code}/points", secret, body, **{"Idempotency-Key": key}, **kwargs)


def ledger_sum(customer):
    return PointEntry.objects.filter(customer=customer).aggregate(s=Sum("delta"))["s"] or 0


def test_i2_points_balance_is_the_ledgers_sum_and_a_debit_beyond_it_is_refused(world):
    # given
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    # when
    first = post_points(token, code, {"delta": 120, "reason": "購入 ¥12,000"}, "p-1")
    used = post_points(token, code, {"delta": -20, "reason": "値引きに利用"}, "p-2")
    # then
    assert first.status_code == 201, first.content
    assert first.json()["balance"] == 120 and used.json()["balance"] == 100
    assert first.json()["source"] == "API: POS"
    ledger = call("get", f"/customers/{code}/points", token).json()
    assert ledger["balance"] == 100 == ledger_sum(world.customer_a) == balance_of(world.customer_a.pk)
    assert [e["delta"] for e in ledger["entries"]] == [-20, 120]  # newest first
    assert ledger["entries"][1]["reason"] == "購入 ¥12,000" and ledger["next_before"] is None
    # when: a use beyond the balance
    refused = post_points(token, code, {"delta": -101}, "p-3")
    # then: refused in Japanese with a stable code, nothing written, the key not kept (a retry may write)
    assert_error(refused, 422, "insufficient_points")
    assert refused.json()["balance"] == 100 and "100" in refused.json()["message"]
    assert PointEntry.objects.count() == 2 and not IdempotencyKey.objects.filter(key="p-3").exists()
    assert post_points(token, code, {"delta": -100}, "p-3").json()["balance"] == 0
    assert_error(post_points(token, code, {"delta": 0}, "p-4"), 422, "invalid_value")
    assert ledger_sum(world.customer_a) == 0 == call("get", f"/customers/{code}/points", token).json()["balance"]
    # every entry in the audit log, with its customer
    assert AuditEvent.objects.filter(action="create", customer_code=code, target_type="points.PointEntry").count() == 3


def test_i2_points_ledger_pages_with_before(world):
    token = token_for(world.users["branch_a"])
    for i in range(5):
        points_add(customer=world.customer_a, delta=i + 1, user=world.users["branch_a"])
    page = call("get", f"/customers/{world.customer_a.code}/points?limit=2", token).json()
    assert [e["delta"] for e in page["entries"]] == [5, 4] and page["balance"] == 15
    rest = call("get", f"/customers/{world.customer_a.code}/points?limit=10&before={page['next_before']}", token)
    assert [e["delta"] for e in rest.json()["entries"]] == [3, 2, 1] and rest.json()["next_before"] is None


def test_i2_points_post_is_idempotent(world):
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    first = post_points(token, code, {"delta": 50, "reason": "来店"}, "visit-1")
    replay = post_points(token, code, {"delta": 50, "reason": "来店"}, "visit-1")
    assert first.status_code == replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true" and PointEntry.objects.count() == 1
    assert_error(post_points(token, code, {"delta": 60, "reason": "来店"}, "visit-1"), 422, "idempotency_key_reused")
    # the same key on another customer is another body too
    hq = token_for(world.users["hq_admin"])
    assert_error(post_points(hq, world.customer_b.code, {"delta": 50, "reason": "来店"}, "visit-1"), 422,
                 "idempotency_key_reused")
    assert_error(call("post", f"/customers/{code}/points", token, {"delta": 5}), 400, "idempotency_key_required")
    assert PointEntry.objects.count() == 1 and balance_of(world.customer_a.pk) == 50


@pytest.mark.parametrize("persona,read,write", [
    ("hq_admin", 200, 201), ("branch_a", 200, 201), ("no_export", 200, 201), ("no_print", 200, 201),
    ("read_only", 200, 403), ("secretary", 200, 201), ("branch_b", 404, 404),
])
def test_i2_points_per_role_and_branch(world, persona, read, write):
    # given: customer A of branch A
    token = token_for(world.users[persona])
    code = world.customer_a.code
    # when
    got = call("get", f"/customers/{code}/points", token)
    posted = post_points(token, code, {"delta": 10}, f"k-{persona}")
    # then
    assert got.status_code == read, got.content
    assert posted.status_code == write, posted.content
    if read == 404:
        assert_error(got, 404, "customer_not_found")  # another branch's code answers as a missing one
    if write != 201:
        assert PointEntry.objects.count() == 0
    else:
        assert balance_of(world.customer_a.pk) == 10


def test_i2_points_need_the_points_scope(world):
    user = world.users["branch_a"]
    code = world.customer_a.code
    others = token_for(user, [s for s in ALL_SCOPES if s != Scope.POINTS])
    assert_error(call("get", f"/customers/{code}/points", others), 403, "scope_missing")
    assert_error(post_points(others, code, {"delta": 1}, "s-1"), 403, "scope_missing")
    expired = token_for(user, [Scope.POINTS], expires_in=timedelta(seconds=-1))
    assert_error(post_points(expired, code, {"delta": 1}, "s-2"), 401, "token_expired")
    only_points = token_for(user, [Scope.POINTS])
    assert post_points(only_points, code, {"delta": 1}, "s-3").status_code == 201
    assert_error(call("get", f"/customers/{code}", only_points), 403, "scope_missing")
    assert PointEntry.objects.count() == 1


def test_i2_points_bad_input_writes_nothing(world, settings):
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    assert_error(call("post", f"/customers/{code}/points", token, raw='{"delta": 1', **{"Idempotency-Key": "b"}),
                 400, "malformed_json")
    assert_error(post_points(token, code, {"delta": "十"}, "b"), 422, "invalid_value")
    assert_error(post_points(token, code, {"delta": 1.5}, "b"), 422, "invalid_value")
    assert_error(post_points(token, code, {"delta": 1, "expires": "2027-01-01"}, "b"), 422, "unknown_field")
    assert_error(post_points(token, code, {"reason": "x"}, "b"), 422, "missing_field")
    assert_error(post_points(token, code, {"delta": 10 ** 9}, "b"), 422, "invalid_value")
    assert_error(post_points(token, world.customer_b.code, {"delta": 1}, "b"), 404, "customer_not_found")
    settings.API_MAX_BODY_BYTES = 100
    assert_error(post_points(token, code, {"delta": 1, "reason": "x" * 150}, "b"), 413, "body_too_large")
    assert PointEntry.objects.count() == 0 and not IdempotencyKey.objects.exists()


def test_i2_points_panel_on_the_card_costs_one_query(world):
    # given: a card with more entries than the panel shows
    user = world.users["branch_a"]
    for i in range(8):
        points_add(customer=world.customer_a, delta=100, user=user, reason=f"購入{i}", source="POS")
    points_add(customer=world.customer_a, delta=-250, user=user, reason="利用", source="POS")
    browser = Client(HTTP_ACCEPT_LANGUAGE="ja")
    browser.force_login(user)
    url = f"/admin/crm/customer/{world.customer_a.pk}/change/"
    browser.get(url)  # warm caches
    # when
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(url)
    # then: the balance and the latest five entries; the ledger is read by one query of its own, the
    # balance rides on the card's query
    html = page.content.decode()
    assert page.status_code == 200 and 'id="points-panel"' in html
    assert "残高 550 ポイント" in html and html.count("<td data-label=\"ポイント\"") == 5 and "利用" in html
    reading = [q["sql"] for q in queries.captured_queries if '"points_pointentry"' in q["sql"]]
    own = [sql for sql in reading if sql.startswith('SELECT "points_pointentry"')]
    assert len(own) == 1, own
    assert len(reading) == 2 and any(sql.startswith('SELECT "crm_customer"') for sql in reading), reading


def test_i2_card_summary_shows_the_ledger_balance_as_its_one_point_figure(world):
    # given: purchases whose ポイント add up to 140 and a ledger whose balance is 24
    from tests.factories import PurchaseFactory

    user = world.users["branch_a"]
    PurchaseFactory(customer=world.customer_a, points=20)
    PurchaseFactory(customer=world.customer_a, points=120)
    points_add(customer=world.customer_a, delta=30, user=user, reason="購入", source="POS")
    points_add(customer=world.customer_a, delta=-6, user=user, reason="利用", source="POS")
    browser = Client(HTTP_ACCEPT_LANGUAGE="ja")
    browser.force_login(user)
    # when
    html = browser.get(f"/admin/crm/customer/{world.customer_a.pk}/change/").content.decode()
    # then: the summary (C9) and the panel show the same number, the balance; not the purchases' sum
    summary = html[html.index('id="customer-summary"'):html.index('id="points-panel"')]
    assert 'id="summary-point-balance"' in summary and "ポイント残高" in summary and "24 pt" in summary
    assert "140 pt" not in summary and "購買ポイント計" not in summary
    assert "残高 24 ポイント" in html


def test_i2_points_admin_is_read_only_and_scoped(world):
    points_add(customer=world.customer_a, delta=30, user=world.users["branch_a"], reason="A店", source="POS")
    entry_b, _ = points_add(customer=world.customer_b, delta=40, user=world.users["branch_b"], reason="B店",
                            source="POS")
    browser = Client(HTTP_ACCEPT_LANGUAGE="ja")
    browser.force_login(world.users["branch_a"])
    listing = browser.get("/admin/points/pointentry/")
    assert listing.status_code == 200
    assert "A店" in listing.content.decode() and "B店" not in listing.content.decode()
    assert browser.get(f"/admin/points/pointentry/{entry_b.pk}/change/").status_code in (302, 404)
    assert browser.get("/admin/points/pointentry/add/").status_code == 403
    entry_a = PointEntry.objects.get(reason="A店")
    page = browser.get(f"/admin/points/pointentry/{entry_a.pk}/change/")
    assert page.status_code == 200 and 'name="delta"' not in page.content.decode()
    assert browser.post(f"/admin/points/pointentry/{entry_a.pk}/change/", {"delta": 999}).status_code == 403
    assert browser.get(f"/admin/points/pointentry/{entry_a.pk}/delete/").status_code == 403
    assert PointEntry.objects.get(pk=entry_a.pk).delta == 30


@pytest.mark.django_db(transaction=True)
def test_i2_points_concurrent_posts_keep_the_balance_equal_to_the_ledger(ja):
    # given: real transactions, threads with a connection each (PostgreSQL: the customer's row lock)
    from django.apps import apps

    from crm import roles

    if connection.vendor == "sqlite":
        pytest.skip("SQLite writes one transaction at a time; the row lock is PostgreSQL's")
    roles.sync_roles(apps)
    world = build_world()
    token = token_for(world.users["branch_a"])
    code = world.customer_a.code
    points_add(customer=world.customer_a, delta=100, user=world.users["branch_a"])

    def at_once(bodies_and_keys):
        barrier, answers = threading.Barrier(len(bodies_and_keys)), []

        def post(body, key):
            try:
                barrier.wait()
                answers.append(post_points(token, code, body, key))
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=pair) for pair in bodies_and_keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    # when: four uses of 30 at once on a balance of 100 (different keys)
    answers = at_once([({"delta": -30}, f"use-{i}") for i in range(4)])
    # then: three pass, one is refused; the balance is the ledger's sum
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 422]
    assert balance_of(world.customer_a.pk) == 10 == ledger_sum(world.customer_a)
    # when: the same post twice at once (one key)
    answers = at_once([({"delta": 5}, "same"), ({"delta": 5}, "same")])
    # then: written once, both answered the same
    assert [a.status_code for a in answers] == [201, 201] and answers[0].json() == answers[1].json()
    assert PointEntry.objects.filter(idempotency_key="same").count() == 1
    assert balance_of(world.customer_a.pk) == 15 == ledger_sum(world.customer_a)

"""The benchmark's own tools (bench/): what `make bench` seeds for the orders (issue 26) is what the orders
app would have stored, and the form reader of `make loadtest` (issue 24) saves a real card through the admin.
No timings here: speed is measured by `make bench` and `make loadtest`."""

import pytest

from bench.htmlforms import form_fields
from crm import locking
from bench.run import ORDER_PARAMS, ORDER_SEED_MEMO, seed_orders
from crm.models import Customer
from orders import services
from orders.models import Order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_o1_bench_seeded_orders_match_the_orders_engine():
    # given: seven customers
    customers = CustomerFactory.create_batch(7)
    # when: the benchmark seeds their orders
    marker = seed_orders(len(customers))
    # then: 3 orders for each but the last two, each with 1 or 2 lines, their totals those the tax engine
    # computes from their lines, shipped when older than 30 days, and nothing paid
    ids = sorted(c.pk for c in customers)
    with_orders, without = ids[:-ORDER_PARAMS["without_orders"]], ids[-ORDER_PARAMS["without_orders"]:]
    assert marker["orders"] == 3 * len(with_orders) == Order.objects.filter(memo=ORDER_SEED_MEMO).count()
    assert not Order.objects.filter(customer_id__in=without).exists()
    for customer_id in with_orders:
        assert Order.objects.filter(customer_id=customer_id).count() == 3
    for order in Order.objects.prefetch_related("lines"):
        assert 1 <= len(order.lines.all()) <= 2
        totals = services.document_totals(order)
        assert (order.net_total, order.tax_total, order.total) == (totals.net, totals.tax, totals.gross)
        assert order.paid_total == 0
        assert order.status in (Order.Status.RECEIVED, Order.Status.SHIPPED)
    assert marker["lines"] == sum(len(o.lines.all()) for o in Order.objects.prefetch_related("lines"))


def test_o1_bench_orders_seeded_again_replace_the_earlier_ones():
    # given: orders seeded once
    CustomerFactory.create_batch(4)
    seed_orders(4)
    # when: seeded again (a marker for other parameters, or an interrupted seeding)
    marker = seed_orders(4)
    # then: the earlier ones are gone, not doubled
    assert Order.objects.count() == marker["orders"] == 6


def test_r5_loadtest_form_reader_saves_a_real_card(admin_client):
    # given: a customer's card, read as the simulated staff read it
    customer = CustomerFactory()
    url = f"/admin/crm/customer/{customer.pk}/change/"
    page = admin_client.get(url)
    fields = form_fields(page.content.decode(), "customer_form")
    names = [name for name, _value in fields]
    remark = next(name for name in names if name.startswith("remark"))
    assert locking.FIELD in names  # the version the editor saw (optimistic locking) goes back with the save
    # when: posted back with a 備考 changed, as the load test's "save card" does
    posted = [(k, v) for k, v in fields if k != remark] + [(remark, "負荷試験"), ("_save", "1")]
    data = {}
    for k, v in posted:
        data.setdefault(k, []).append(v)
    response = admin_client.post(url, data)
    # then: saved (the redirect), the other fields kept
    assert response.status_code == 302, response.content.decode()[:500]
    customer.refresh_from_db()
    assert getattr(customer, remark) == "負荷試験"
    assert Customer.objects.get(pk=customer.pk).last_name == customer.last_name

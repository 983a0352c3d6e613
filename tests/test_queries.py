"""No N+1: the list and the card cost the same number of queries however many rows hang off them."""

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from tests.factories import (
    CareerEntryFactory, ContactHistoryFactory, CustomerFactory, FamilyMemberFactory, PurchaseFactory,
    StaffDepartmentFactory, StaffFactory,
)

pytestmark = pytest.mark.django_db


def count(client, url):
    client.get(url)  # warm the label cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Savepoints come from the test's own transaction, not from the page.
    return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


def test_list_queries_do_not_grow_with_rows(admin_client, hq_branch):
    CustomerFactory(branch=hq_branch)
    few = count(admin_client, reverse("admin:crm_customer_changelist"))
    for _ in range(30):
        ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    assert count(admin_client, reverse("admin:crm_customer_changelist")) == few <= 15


def test_card_queries_do_not_grow_with_related_rows(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    ContactHistoryFactory(customer=customer)
    PurchaseFactory(customer=customer)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    few = count(admin_client, url)
    department = StaffDepartmentFactory(name="営業部")
    staff = StaffFactory(username="tantou", department=department)
    for _ in range(30):
        ContactHistoryFactory(customer=customer, department=department, staff=staff)
        PurchaseFactory(customer=customer)
    for _ in range(5):
        FamilyMemberFactory(customer=customer)
        CareerEntryFactory(customer=customer)
    assert count(admin_client, url) == few <= 15


def test_card_panels_with_nothing_to_show_read_nothing(admin_client, hq_branch):
    """The 引継 box and the ポイント panel learn from the card's own query whether the customer has an open
    handoff or a point entry: a customer without them costs those panels no query (the card's cap of 15
    holds with the features' panels)."""
    customer = CustomerFactory(branch=hq_branch)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    admin_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(url)
    assert page.status_code == 200 and 'id="points-panel"' in page.content.decode()
    own = [q["sql"] for q in queries.captured_queries
           if q["sql"].startswith(('SELECT "points_pointentry"', 'SELECT "workflow_handoff"'))]
    assert own == []

"""W2 the 遅延 list (the home screen's 「遅延をすべて表示」, /admin/workflow/handoff/?late=1): who, how to
reach them, to whom, status, due and how late, most overdue first, in a fixed number of queries
whatever its length (issue 25: as fast as the customer list)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fieldconfig import lookup
from fieldconfig.models import FieldSetting
from tests.factories import ContactHistoryFactory
from tests.personas import SECRETARY_GROUP, build_world
from workflow import services
from workflow.models import Handoff

pytestmark = pytest.mark.django_db
LATE_LIST = reverse("admin:workflow_handoff_changelist") + "?late=1"


@pytest.fixture
def world(db):
    return build_world()


def hand(world, customer, *, due):
    hq = world.users["hq_admin"]
    handoff = services.handoff_create(
        handoff=Handoff(contact=ContactHistoryFactory(customer=customer), assignee=hq), user=hq)
    Handoff.objects.filter(pk=handoff.pk).update(due_at=due)
    return handoff


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def cells(response, name):
    return [cell for cell in response.content.decode().split(f'class="field-{name} ')[1:]]


def test_w2_late_list_queries_do_not_grow_with_rows(world, django_assert_max_num_queries):
    # given a late list of 2 handoffs, and the number of queries it takes
    past = timezone.now() - dt.timedelta(hours=3)
    for customer in (world.customer_a, world.customer_b):
        hand(world, customer, due=past)
    client = client_for(world.users["hq_admin"])
    client.get(LATE_LIST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LATE_LIST).status_code == 200
    # when it holds 40 (customers and people of both branches)
    for i in range(38):
        hand(world, world.customer_a if i % 2 else world.customer_b, due=past - dt.timedelta(minutes=i))
    # then the page takes no more queries, and shows them all
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LATE_LIST)
    assert response.context["cl"].result_count == 40 and len(cells(response, "customer")) == 40


def test_w2_late_list_shows_who_how_to_reach_to_whom_and_how_late(world, ja):
    # given a handoff 2 h 5 min past due, one 1 day 3 h past, one not yet due and a closed late one
    now = timezone.now()
    world.customer_a.tel = "03-1234-5678"
    world.customer_a.save()
    recent = hand(world, world.customer_a, due=now - dt.timedelta(hours=2, minutes=5, seconds=30))
    oldest = hand(world, world.customer_b, due=now - dt.timedelta(days=1, hours=3, minutes=1))
    hand(world, world.customer_a, due=now + dt.timedelta(hours=1))
    closed = hand(world, world.customer_a, due=now - dt.timedelta(days=3))
    Handoff.objects.filter(pk=closed.pk).update(closed=True)
    # when head office opens the 遅延 list
    response = client_for(world.users["hq_admin"]).get(LATE_LIST)
    # then the two late ones, the longest past due first
    assert [h.pk for h in response.context["cl"].result_list] == [oldest.pk, recent.pk]
    customer, phone, late = cells(response, "customer"), cells(response, "tel"), cells(response, "late_by")
    assert "1日3時間" in late[0] and "2時間5分" in late[1]
    assert world.customer_a.code in customer[1] and world.customer_a.full_name in customer[1]
    assert 'href="tel:0312345678"' in phone[1]
    # each row opens its handoff and comes back to the same list
    change = reverse("admin:workflow_handoff_change", args=[recent.pk])
    assert f'href="{change}?_changelist_filters=late%3D1"' in customer[1]
    for column in ("assignee_shown", "status", "due_shown", "created_at"):
        assert len(cells(response, column)) == 2
    assert "引継中" in cells(response, "status")[1]


def test_w2_late_list_leaves_out_restricted_customer_fields(world):
    # given the customers' names and phone numbers for the secretaries only (R3)
    secretaries = world.users["secretary"].groups.get(name=SECRETARY_GROUP)
    FieldSetting.objects.filter(model="customer", field_name__in=["last_name", "first_name", "tel", "mobile"]) \
        .update(visible_to=secretaries)
    lookup.invalidate()
    world.customer_a.tel = "03-1234-5678"
    world.customer_a.save()
    hand(world, world.customer_a, due=timezone.now() - dt.timedelta(hours=1))
    # when someone else of the branch opens the 遅延 list
    response = client_for(world.users["branch_a"]).get(LATE_LIST)
    page = response.content.decode()
    # then the row is there with its code and link, without the name or the phone column
    assert response.context["cl"].result_count == 1
    assert world.customer_a.code in cells(response, "customer")[0]
    assert world.customer_a.first_name not in page and "0312345678" not in page and not cells(response, "tel")
    # and a secretary sees both
    secretary = client_for(world.users["secretary"]).get(LATE_LIST)
    assert world.customer_a.full_name in cells(secretary, "customer")[0]
    assert "tel:0312345678" in cells(secretary, "tel")[0]

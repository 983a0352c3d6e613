"""W2 home screen: the logged-in user's 遅延 and due-today handoffs with counts, their branches only
(the panel registered through crm.extensions.add_home_panel)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm import permissions, roles
from tests.factories import ContactHistoryFactory, StaffFactory
from tests.personas import build_world
from workflow import services
from workflow.models import Handoff

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")


def hand(customer, assignee, *, by):
    return services.handoff_create(
        handoff=Handoff(contact=ContactHistoryFactory(customer=customer), assignee=assignee), user=by)


def set_due(handoff, due):
    Handoff.objects.filter(pk=handoff.pk).update(due_at=due)


def later_today():
    now = timezone.localtime()
    end = now.replace(hour=23, minute=59, second=59, microsecond=0)
    return now + (end - now) / 2


@pytest.fixture
def world(db):
    world = build_world()
    world.users["both"] = StaffFactory(username="both", roles=[roles.GENERAL],
                                       branches=[world.branch_a, world.branch_b])
    world.users["sales_a"] = StaffFactory(username="sales_a", roles=[roles.GENERAL], branches=[world.branch_a])
    return world


def home(user):
    client = Client()
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def test_w2_home_shows_my_late_and_due_today_with_counts(world, ja):
    both, hq = world.users["both"], world.users["hq_admin"]
    # given two late handoffs and one due today for me, and a late one for someone else
    late_a = hand(world.customer_a, both, by=hq)
    late_b = hand(world.customer_b, both, by=hq)
    today = hand(world.customer_a, both, by=hq)
    other = hand(world.customer_a, world.users["sales_a"], by=hq)
    past = timezone.now() - dt.timedelta(hours=1)
    for h in (late_a, late_b, other):
        set_due(h, past)
    set_due(today, later_today())
    # when I open the home screen
    response = home(both)
    # then the panel counts and lists mine only
    panel = response.context["handoff_panel"]
    assert (panel["late_count"], panel["today_count"]) == (2, 1)
    assert {h.pk for h in panel["late"]} == {late_a.pk, late_b.pk} and [h.pk for h in panel["today"]] == [today.pk]
    body = response.content.decode()
    assert 'id="handoff-alerts"' in body and "遅延" in body and "本日期限" in body
    # and the other person sees theirs
    assert home(world.users["sales_a"]).context["handoff_panel"]["late_count"] == 1


def test_w2_home_scoped_to_my_branches(world):
    both, hq = world.users["both"], world.users["hq_admin"]
    late_b = hand(world.customer_b, both, by=hq)
    set_due(late_b, timezone.now() - dt.timedelta(hours=1))
    assert home(both).context["handoff_panel"]["late_count"] == 1
    # when branch B is taken away from me, its handoff leaves my home screen
    permissions.staff_set_branches(staff=both, branches=[world.branch_a])
    assert home(both).context["handoff_panel"]["late_count"] == 0


def test_w2_home_late_count_is_the_late_lists_count(world):
    # the panel's link opens the list of late handoffs: the same rows (for head office, all of them)
    hq = world.users["hq_admin"]
    for _ in range(3):
        set_due(hand(world.customer_a, hq, by=hq), timezone.now() - dt.timedelta(minutes=5))
    client = Client()
    client.force_login(hq)
    listed = client.get(reverse("admin:workflow_handoff_changelist"), {"late": "1"}).context["cl"].result_count
    assert listed == home(hq).context["handoff_panel"]["late_count"] == 3

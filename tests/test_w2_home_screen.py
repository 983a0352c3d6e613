"""W2 home screen, for the person logged in and through the one policy: my customers (担当者 = me),
my department's 遅延 / 本日期限 for its head, counts per branch and the charts from the daily figures
the worker keeps (workflow.figures, registered with scheduling.periodic). A branch user never sees
another branch's counts, items or chart figures; a chart's total is the matching list's count."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from crm import roles
from crm.models import ContactCategory, ContactHistory, Staff, StaffDepartment
from scheduling import periodic
from tests.factories import ContactHistoryFactory, CustomerFactory, StaffFactory
from tests.personas import build_world
from workflow import figures, services
from workflow.models import DailyFigure, Handoff

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def home(user):
    response = client_for(user).get(HOME)
    assert response.status_code == 200
    return response


def hand(customer, assignee, *, by, late=False):
    handoff = services.handoff_create(
        handoff=Handoff(contact=ContactHistoryFactory(customer=customer), assignee=assignee), user=by)
    if late:
        Handoff.objects.filter(pk=handoff.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    return handoff


@pytest.fixture
def world(db):
    world = build_world()
    a, b = world.branch_a, world.branch_b
    world.sales = StaffDepartment.objects.create(name="営業部")
    world.users["head"] = StaffFactory(username="head", roles=[roles.GENERAL], branches=[a],
                                       department=world.sales, is_department_head=True)
    world.users["member"] = StaffFactory(username="member", roles=[roles.GENERAL], branches=[a, b],
                                         department=world.sales)
    world.users["peer"] = StaffFactory(username="peer", roles=[roles.GENERAL], branches=[a], department=world.sales)
    phone, visit = ContactCategory.objects.create(name="電話"), ContactCategory.objects.create(name="来店")
    # customers, contacts and handoffs in both branches
    for i in range(3):
        CustomerFactory(branch=a, staff=world.users["branch_a"])
    for i in range(2):
        CustomerFactory(branch=b, staff=world.users["branch_a"])  # 担当 me, but in a branch I do not see
    ContactHistoryFactory(customer=world.customer_a, category=phone)
    ContactHistoryFactory(customer=world.customer_a, category=visit)
    ContactHistoryFactory(customer=world.customer_b, category=phone)
    ContactHistoryFactory(customer=world.customer_a, category=phone, date=timezone.localdate() - dt.timedelta(days=800))
    hq = world.users["hq_admin"]
    world.late_a = hand(world.customer_a, world.users["member"], by=hq, late=True)
    world.late_b = hand(world.customer_b, world.users["member"], by=hq, late=True)
    world.peer_open = hand(world.customer_a, world.users["peer"], by=hq)
    hand(world.customer_b, world.users["branch_b"], by=hq)
    return world


def test_w2_daily_figures_are_idempotent_and_run_periodically(world):
    # given the periodic run registered by workflow
    assert "the home screen's daily figures" in periodic._PERIODIC
    # when it runs twice
    results = periodic.run_all()
    written = results["the home screen's daily figures"]
    snapshot = sorted(DailyFigure.objects.values_list("branch_id", "kind", "key", "value"))
    # then the first run wrote the day's figures and the second changed nothing
    assert written == len(snapshot) > 0
    assert periodic.run_all()["the home screen's daily figures"] == 0
    # and a forced run rewrites the same numbers (one snapshot per day)
    figures.refresh(force=True)
    assert sorted(DailyFigure.objects.values_list("branch_id", "kind", "key", "value")) == snapshot
    # and after the interval it counts again, picking up what changed
    CustomerFactory(branch=world.branch_a)
    assert figures.refresh(now=timezone.now() + dt.timedelta(minutes=61)) > 0
    assert DailyFigure.objects.get(branch=world.branch_a, kind="customers").value == 1 + 3 + 1


@pytest.mark.parametrize("persona", ["hq_admin", "branch_a", "branch_b", "member"])
def test_w2_chart_totals_equal_the_lists_counts(world, persona):
    # given the day's figures
    figures.refresh(force=True)
    user = world.users[persona]
    client = client_for(user)
    shown = home(user).context["home_overview"]["figures"]

    def listed(name, **params):
        return client.get(reverse(f"admin:{name}_changelist"), params).context["cl"].result_count

    # then each chart's total is what the matching list counts for the same person
    customers = listed("crm_customer")
    assert sum(b["value"] for b in shown["branches"]) == customers
    assert shown["new_customers"]["total"] == customers  # every customer here was made this month
    start = figures.window_start(timezone.localdate())
    # (the contact list has no date-range lookup in its URL: its own queryset, as the list reads it)
    request = RequestFactory().get("/")
    request.user = user
    contacts = admin.site.get_model_admin(ContactHistory).get_queryset(request).filter(date__gte=start)
    assert shown["contacts_by_category"]["total"] == contacts.count()
    assert shown["handoffs_by_status"]["total"] == listed("workflow_handoff")
    # and the page shows the same totals
    body = home(user).content.decode()
    assert f'id="chart-handoffs" data-total="{listed("workflow_handoff")}"' in body


def test_w2_branch_user_never_sees_another_branchs_counts_items_or_figures(world, ja):
    figures.refresh(force=True)
    me = world.users["branch_a"]
    response = home(me)
    overview, panel = response.context["home_overview"], response.context["handoff_panel"]
    # counts per branch: mine only
    assert [b["name"] for b in overview["figures"]["branches"]] == ["渋谷店"]
    # chart figures: branch A's only (2 recent contacts of A; B's contact and handoff left out)
    assert overview["figures"]["contacts_by_category"]["total"] == 2 + 2  # and the contacts of A's two handoffs
    assert overview["figures"]["handoffs_by_status"]["total"] == 2
    # my customers: 担当者 = me, of branch A only
    assert {c.branch_id for c in overview["my_customers"]} == {world.branch_a.pk}
    assert len(overview["my_customers"]) == 3
    body = response.content.decode()
    assert "新宿店" not in body and "新宿" not in body
    assert panel["late_count"] == 0 and "is_head" not in panel
    # and the link to all my customers opens the same ones
    listed = client_for(me).get(overview["my_customers_url"]).context["cl"].result_count
    assert listed == 3
    # head office sees both branches
    hq = home(world.users["hq_admin"]).context["home_overview"]["figures"]
    assert {"渋谷店", "新宿店"} <= {b["name"] for b in hq["branches"]}


def test_w2_department_head_sees_the_departments_late_items_in_their_branches(world, ja):
    head, member, peer = world.users["head"], world.users["member"], world.users["peer"]
    # the head of 営業部 (branch A) sees the department's late item of branch A, not of branch B
    panel = home(head).context["handoff_panel"]
    assert panel["is_head"] and panel["dept_late_count"] == 1
    assert [h.pk for h in panel["dept_late"]] == [world.late_a.pk]
    assert "部署の引継" in home(head).content.decode()
    # the member sees their own two (they see both branches), and no department section
    panel = home(member).context["handoff_panel"]
    assert panel["late_count"] == 2 and "dept_late" not in panel
    # a colleague who is not head sees neither the member's nor the department's
    panel = home(peer).context["handoff_panel"]
    assert panel["late_count"] == 0 and "dept_late" not in panel
    # when the head moves to another department, the section shows that department's (none)
    Staff.objects.filter(pk=head.pk).update(department=StaffDepartment.objects.create(name="総務部"))
    assert home(Staff.objects.get(pk=head.pk)).context["handoff_panel"]["dept_late_count"] == 0


def test_w2_department_head_is_set_on_the_staff_screen(world, admin_client):
    head = world.users["peer"]
    page = admin_client.get(reverse("admin:crm_staff_change", args=[head.pk])).content.decode()
    assert 'name="is_department_head"' in page


def test_w2_home_queries_do_not_grow_with_items(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a department head's home screen with the day's figures
    figures.refresh(force=True)
    head, client = world.users["head"], client_for(world.users["head"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    client.get(HOME)  # the first request of a session also writes the session (sliding expiry)
    few = queries()
    # when more late items, customers in charge and figures come
    for _ in range(5):
        hand(world.customer_a, world.users["peer"], by=world.users["hq_admin"], late=True)
        CustomerFactory(branch=world.branch_a, staff=head)
    figures.refresh(force=True)
    # then the page costs the same number of queries
    assert queries() == few

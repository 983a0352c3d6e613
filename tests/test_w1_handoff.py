"""W1 handoffs: hand an inquiry to a person, statuses configured by admins, the business-time clock,
遅延, and the refusals (Japanese message at the field, nothing changed); branch scope (404)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse

from crm import roles
from tests.factories import ContactHistoryFactory, StaffFactory
from tests.personas import build_world
from workflow import mail, services
from workflow.models import Handoff, HandoffEvent, HandoffStatus, Outbox

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def t(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TOKYO)


@pytest.fixture
def world(db):
    world = build_world()
    world.users["sales_a"] = StaffFactory(username="sales_a", display_name="営業 A子", email="sales_a@example.jp",
                                          roles=[roles.GENERAL], branches=[world.branch_a])
    world.users["left"] = StaffFactory(username="left", email="left@example.jp", roles=[roles.GENERAL],
                                       branches=[world.branch_a], is_active=False)
    world.contact_a = ContactHistoryFactory(customer=world.customer_a, detail="見積の依頼")
    world.contact_b = ContactHistoryFactory(customer=world.customer_b)
    return world


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def status(name):
    return HandoffStatus.objects.get(name=name)


def hand(world, *, now, assignee="sales_a", contact=None):
    handoff = Handoff(contact=contact or world.contact_a, assignee=world.users[assignee], message="至急")
    return services.handoff_create(handoff=handoff, user=world.users["branch_a"], now=now)


def test_w1_handoff_from_the_admin_writes_status_event_and_mail(world, ja):
    # given a branch user and a colleague of the same branch
    client = client_for(world.users["branch_a"])
    # when they hand the inquiry over on the handoff screen
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_a.pk, "assignee": world.users["sales_a"].pk, "message": "至急お願いします"})
    # then the handoff is 引継中, with its event and one mail waiting in the outbox
    assert response.status_code == 302, response.content.decode()[:2000]
    handoff = Handoff.objects.get()
    assert handoff.status.name == "引継中" and handoff.customer == world.customer_a and handoff.due_at is not None
    assert handoff.events.get().kind == HandoffEvent.Kind.HANDED
    row = Outbox.objects.get()
    assert row.to == "sales_a@example.jp" and row.state == Outbox.State.PENDING and row.handoff == handoff
    assert "渋谷" in row.subject and "至急お願いします" in row.body and "見積の依頼" in row.body


@pytest.mark.parametrize("assignee, message", [
    ("branch_b", "この顧客の店舗を見られません"),
    ("left", "利用者ではありません"),
])
def test_w1_handoff_refused_at_the_field(world, ja, assignee, message):
    # given a person who cannot see the customer's branch, or who left
    client = client_for(world.users["branch_a"])
    # when the handoff names them
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_a.pk, "assignee": world.users[assignee].pk, "message": "x"})
    # then the form comes back with the reason at the field, and nothing was written
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors["assignee"])
    assert not Handoff.objects.exists() and not Outbox.objects.exists()


def test_w1_another_branchs_contact_cannot_be_handed(world, ja):
    client = client_for(world.users["branch_a"])
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_b.pk, "assignee": world.users["sales_a"].pk})
    assert response.status_code == 200 and "contact" in response.context["adminform"].form.errors
    assert not Handoff.objects.exists()


def test_w1_another_branchs_handoff_answers_404(world):
    handoff = hand(world, now=t(2026, 12, 7, 10))
    client = client_for(world.users["branch_b"])
    for name in ("change", "history", "delete"):
        assert client.get(reverse(f"admin:workflow_handoff_{name}", args=[handoff.pk])).status_code in (302, 404)
    response = client.get(reverse("admin:workflow_handoff_changelist"))
    assert response.status_code == 200 and response.context["cl"].result_count == 0
    assert client_for(world.users["branch_a"]).get(
        reverse("admin:workflow_handoff_change", args=[handoff.pk])).status_code == 200


def test_w1_status_change_recorded_and_bad_transition_refused(world, ja):
    handoff = hand(world, now=t(2026, 12, 7, 10))
    client = client_for(world.users["sales_a"])
    url = reverse("admin:workflow_handoff_change", args=[handoff.pk])
    # 引継中 → 対応中 is allowed: a row with who and when
    response = client.post(url, {"status": status("対応中").pk, "note": "電話しました"})
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.status.name == "対応中"
    event = handoff.events.last()
    assert (event.from_status.name, event.to_status.name, event.user, event.note) == \
        ("引継中", "対応中", world.users["sales_a"], "電話しました")
    # 対応中 → 受付 is not: the message at the field, nothing changed
    response = client.post(url, {"status": status("受付").pk})
    assert response.status_code == 200
    assert "対応中 から 受付 へは変更できません" in " ".join(response.context["adminform"].form.errors["status"])
    handoff.refresh_from_db()
    assert handoff.status.name == "対応中" and handoff.events.count() == 2


def test_w1_clock_on_business_time_and_late_flag(world):
    # given a handoff on Friday 17:59 (引継中: 480 business minutes)
    handoff = hand(world, now=t(2026, 12, 11, 17, 59))
    assert handoff.due_at == t(2026, 12, 14, 17, 59)
    # when the periodic run comes on Monday 17:58, nothing is late; at 18:00 it is, once
    assert services.flag_overdue(now=t(2026, 12, 14, 17, 58)) == 0
    assert services.flag_overdue(now=t(2026, 12, 14, 18, 0)) == 1
    assert services.flag_overdue(now=t(2026, 12, 14, 18, 5)) == 0
    handoff.refresh_from_db()
    assert handoff.overdue and handoff.events.filter(kind=HandoffEvent.Kind.LATE).count() == 1


def test_w1_paused_status_stops_the_clock(world):
    handoff = hand(world, now=t(2026, 12, 7, 10))  # due Tuesday 10:00
    user = world.users["sales_a"]
    handoff = services.handoff_set_status(handoff=handoff, status=status("保留"), user=user, now=t(2026, 12, 7, 17))
    assert handoff.due_at is None and handoff.paused_minutes_left == 60 + 60  # 17–18, Tue 9–10
    assert services.flag_overdue(now=t(2026, 12, 20, 10)) == 0  # paused: never late
    handoff = services.handoff_set_status(handoff=handoff, status=status("対応中"), user=user, now=t(2026, 12, 21, 11))
    assert handoff.due_at == t(2026, 12, 21, 14)  # 11–12, 13–14
    handoff = services.handoff_set_status(handoff=handoff, status=status("完了"), user=user, now=t(2026, 12, 21, 13))
    assert handoff.closed and handoff.due_at is None
    assert services.flag_overdue(now=t(2027, 1, 20, 10)) == 0


def test_w1_calendar_settings_apply(world, admin_client):
    from workflow.models import ClosedDay

    # given an extra closed day set by an admin on Tuesday
    response = admin_client.post(reverse("admin:workflow_closedday_add"), {"date": "2026/12/08", "name": "棚卸"})
    assert response.status_code == 302 and ClosedDay.objects.filter(date=dt.date(2026, 12, 8)).exists()
    # then a handoff Monday 10:00 (480 minutes) is due Wednesday 10:00
    assert hand(world, now=t(2026, 12, 7, 10)).due_at == t(2026, 12, 9, 10)


def test_w1_calendar_bad_input_at_the_field(world, admin_client, ja):
    url = reverse("admin:workflow_companycalendar_change", args=[1])
    response = admin_client.post(url, {"opens": "18:00", "closes": "09:00", "lunch_start": "12:00", "lunch_end": "",
                                       "closed_weekdays": "5,7", "public_holidays_closed": "on",
                                       "year_end_closed": "on", "year_end_from": "13-40", "year_end_until": "01-03"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"closes", "lunch_end", "closed_weekdays", "year_end_from"}


def test_w1_staff_pulldown_lists_only_who_may_take_it(world, ja):
    # given staff in two departments of branch A, a group-granted colleague, someone of branch B,
    # someone who left, and head office
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from crm.models import StaffDepartment, Staff
    from workflow import rules

    sales, support = StaffDepartment.objects.create(name="営業部"), StaffDepartment.objects.create(name="サポート部")
    Staff.objects.filter(pk=world.users["sales_a"].pk).update(department=sales)
    Staff.objects.filter(pk=world.users["branch_a"].pk).update(department=support)
    team = Group.objects.create(name="渋谷チーム")
    assign_perm("crm.access_branch", team, world.branch_a)
    grouped = StaffFactory(username="grouped", roles=[roles.GENERAL])
    grouped.groups.add(team)
    no_perm = StaffFactory(username="no_perm", branches=[world.branch_a])  # no role: may not work on handoffs
    world.customer_a.staff_department = sales
    world.customer_a.save()
    # when the handoff screen opens for customer A (the card's 引継 button)
    client = client_for(world.users["branch_a"])
    response = client.get(reverse("admin:workflow_handoff_add"), {"customer": world.customer_a.pk})
    form = response.context["adminform"].form
    listed = set(form.fields["assignee"].queryset.values_list("username", flat=True))
    # then it lists who may take it: active, seeing branch A, allowed to work on handoffs
    assert {"sales_a", "branch_a", "grouped", "hq_admin"} <= listed
    assert not listed & {"branch_b", "left", "no_perm"}
    for person in Staff.objects.all():  # the pulldown and the server's check agree on everyone
        ok = rules.assignee_problem(assignee=person, customer=world.customer_a) is None
        assert ok == (person.username in listed), person.username
    # and the options carry their department, 担当部署 starts at the customer's, narrowing in the browser
    body = response.content.decode()
    assert f'data-department="{sales.pk}"' in body and 'id="id_department"' in body and "staff_narrow.js" in body
    assert form.fields["department"].initial == sales.pk
    # and the contact pulldown holds this customer's histories only
    assert list(form.fields["contact"].queryset) == [world.contact_a]
    # and a posted person of another branch is refused at the field, in Japanese
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_a.pk, "assignee": no_perm.pk, "message": "x"})
    assert "引継を扱う権限がありません" in " ".join(response.context["adminform"].form.errors["assignee"])
    assert not Handoff.objects.exists()


def test_w1_handoff_from_the_card(world, ja, django_assert_max_num_queries):
    # given the customer's card, for a branch user
    client = client_for(world.users["branch_a"])
    card_url = reverse("admin:crm_customer_change", args=[world.customer_a.pk])
    body = client.get(card_url).content.decode()
    add_url = f'{reverse("admin:workflow_handoff_add")}?customer={world.customer_a.pk}'
    # then the card's 引継 box offers the handoff screen for this customer
    assert 'id="handoff-card"' in body and add_url.replace("&", "&amp;") in body and "未完了の引継はありません" in body
    # when the contact history is handed over from there
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_a.pk, "assignee": world.users["sales_a"].pk, "message": "折返し"})
    assert response.status_code == 302
    # then the card shows it open, 引継中 with its due time, and 遅延 once past it
    body = client.get(card_url).content.decode()
    assert "引継中" in body and "営業 A子" in body and "handoff-card-late" not in body
    handoff = Handoff.objects.get()
    services.flag_overdue(now=handoff.due_at + dt.timedelta(minutes=1))
    body = client.get(card_url).content.decode()
    assert "handoff-card-late" in body
    # and another branch's user never sees it (their card answers 404)
    assert client_for(world.users["branch_b"]).get(card_url).status_code == 404
    # and a read-only user sees the box without the button
    body = client_for(world.users["read_only"]).get(card_url).content.decode()
    assert 'id="handoff-card"' in body and 'id="handoff-card-add"' not in body


def test_w1_handoff_screen_for_another_branchs_customer_lists_nobody_of_it(world, ja):
    # given a branch-A user who asks for the handoff screen of branch B's customer (a typed URL)
    client = client_for(world.users["branch_a"])
    response = client.get(reverse("admin:workflow_handoff_add"), {"customer": world.customer_b.pk})
    form = response.context["adminform"].form
    # then nothing of branch B is offered: no contact history, no branch-B-only person
    assert form.customer is None
    assert world.contact_b not in form.fields["contact"].queryset
    assert "branch_b" not in set(form.fields["assignee"].queryset.values_list("username", flat=True))
    # and posting branch B's contact is refused at the field, listing no branch-B person either
    response = client.post(reverse("admin:workflow_handoff_add"),
                           {"contact": world.contact_b.pk, "assignee": world.users["branch_b"].pk})
    form = response.context["adminform"].form
    assert "contact" in form.errors and form.customer is None
    assert not Handoff.objects.exists()

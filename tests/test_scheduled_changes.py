"""C11: future-dated customer changes (予約変更) and change notifications (更新通知)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from crm import dates, roles, services
from crm.models import Customer
from scheduling import selectors as scheduling_selectors, services as scheduling, tasks
from scheduling.models import Follow, Notification, ScheduledChange
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.helpers import card_post_data, run_worker
from tests.personas import build_world

pytestmark = pytest.mark.django_db

DAY = dates.today() + datetime.timedelta(days=30)
DAY_TEXT = DAY.strftime("%Y/%m/%d")


def card(customer):
    return reverse("admin:crm_customer_change", args=[customer.pk])


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def customer(hq_branch):
    return CustomerFactory(branch=hq_branch, last_name="田中", first_name="太郎", address="東京都品川区東品川1-1",
                           tel="03-1234-5678", title="係長")


def run_scheduled(day) -> str:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("run_scheduled", date=day.isoformat(), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def expected_reason(typed=""):
    with translation.override("ja"):
        reason = translation.gettext(scheduling.SCHEDULED_REASON) % {"date": DAY_TEXT}
    return f"{reason}: {typed}" if typed else reason


# --- scheduling from the card ---------------------------------------------------------------
def test_c11_card_schedules_the_change_and_writes_nothing_now(admin_client, admin_user, customer):
    versions = customer.history.count()
    response = admin_client.post(card(customer), card_post_data(
        customer, address="大阪府大阪市北区梅田1-1", title="課長", effective_date=DAY_TEXT, change_reason="移転のため"))
    assert response.status_code == 302 and response["Location"] == card(customer)
    customer.refresh_from_db()
    assert customer.address == "東京都品川区東品川1-1" and customer.title == "係長"
    assert customer.history.count() == versions  # nothing written to the history yet
    change = ScheduledChange.objects.get()
    assert change.changes == {"address": "大阪府大阪市北区梅田1-1", "title": "課長"}
    assert change.base_values == {"address": "東京都品川区東品川1-1", "title": "係長"}
    assert change.status == ScheduledChange.Status.PENDING and change.created_by == admin_user
    assert change.effective_date == DAY and change.reason == "移転のため"

    page = admin_client.get(card(customer)).content.decode()
    panel = page[page.index('id="c11-scheduled"'):]
    panel = panel[:panel.index("</table>")]
    assert DAY_TEXT in panel and "大阪府大阪市北区梅田1-1" in panel and "課長" in panel
    assert str(admin_user) in panel and "移転のため" in panel
    assert reverse("scheduling:cancel", args=[change.pk]) in panel


def test_c11_effective_date_today_or_earlier_is_refused_at_the_field(admin_client, customer):
    for day in (dates.today(), dates.today() - datetime.timedelta(days=1)):
        response = admin_client.post(card(customer), card_post_data(
            customer, address="大阪府大阪市北区梅田1-1", effective_date=day.strftime("%Y/%m/%d")))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="effective-date-errors"' in page and "大阪府大阪市北区梅田1-1" in page  # kept as typed
    customer.refresh_from_db()
    assert customer.address == "東京都品川区東品川1-1" and not ScheduledChange.objects.exists()


def test_c11_nothing_changed_schedules_nothing(admin_client, customer):
    response = admin_client.post(card(customer), card_post_data(customer, effective_date=DAY_TEXT), follow=True)
    assert response.status_code == 200 and not ScheduledChange.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]


def test_c11_add_form_and_past_versions_offer_no_effective_date(admin_client, customer):
    assert 'name="effective_date"' not in admin_client.get(reverse("admin:crm_customer_add")).content.decode()
    assert 'name="effective_date"' in admin_client.get(card(customer)).content.decode()
    version = customer.history.order_by("-history_id").first()
    past = admin_client.get(reverse("admin:crm_customer_simple_history", args=[customer.pk, version.history_id]))
    assert past.status_code == 200
    page = past.content.decode()
    assert 'name="effective_date"' not in page and 'id="c11-follow"' not in page


# --- applying -----------------------------------------------------------------------------
def test_c11_run_scheduled_applies_on_the_date_as_the_users_change(customer):
    user = StaffFactory(username="yoyaku", is_head_office=True, roles=[roles.GENERAL])
    change = scheduling.schedule_change(customer=customer, user=user, changes={"address": "大阪府大阪市北区梅田1-1"},
                                        effective_date=DAY, reason="移転")
    assert "applied 0" in run_scheduled(DAY - datetime.timedelta(days=1))
    customer.refresh_from_db()
    assert customer.address == "東京都品川区東品川1-1"

    assert "applied 1, not applied 0" in run_scheduled(DAY)
    customer.refresh_from_db()
    change.refresh_from_db()
    assert customer.address == "大阪府大阪市北区梅田1-1" and customer.updated_by == user
    latest = customer.history.order_by("-history_id").first()
    assert latest.history_user == user and latest.history_change_reason == expected_reason("移転")
    assert change.status == ScheduledChange.Status.APPLIED and change.applied_history_id == latest.history_id
    assert "applied 0" in run_scheduled(DAY)  # applied once only
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, customer_code=customer.code)
    assert event.user == user and event.history_id == latest.history_id and event.detail["fields"] == ["address"]


def test_c11_overdue_changes_are_applied_by_a_later_run(customer, admin_user):
    scheduling.schedule_change(customer=customer, user=admin_user, changes={"title": "部長"}, effective_date=DAY)
    run_scheduled(DAY + datetime.timedelta(days=3))  # cron did not run that day
    customer.refresh_from_db()
    assert customer.title == "部長"


def test_c11_change_in_other_fields_meanwhile_does_not_block(customer, admin_user):
    scheduling.schedule_change(customer=customer, user=admin_user, changes={"address": "大阪府大阪市北区梅田1-1"},
                               effective_date=DAY)
    customer.tel = "03-9999-0000"
    services.customer_save(customer=customer, user=admin_user)
    run_scheduled(DAY)
    customer.refresh_from_db()
    assert customer.address == "大阪府大阪市北区梅田1-1" and customer.tel == "03-9999-0000"


def test_c11_change_of_the_same_field_meanwhile_is_reported_not_applied(admin_client, customer, admin_user):
    planner = StaffFactory(username="planner", is_head_office=True, roles=[roles.GENERAL])
    change = scheduling.schedule_change(customer=customer, user=planner, changes={"address": "大阪府大阪市北区梅田1-1"},
                                        effective_date=DAY)
    customer.address = "東京都港区芝公園4-2-8"
    services.customer_save(customer=customer, user=admin_user)
    output = run_scheduled(DAY)
    assert "not applied 1" in output and customer.code in output
    customer.refresh_from_db()
    change.refresh_from_db()
    assert customer.address == "東京都港区芝公園4-2-8"
    reason = scheduling_selectors.failure_text(change)
    assert change.status == ScheduledChange.Status.FAILED and "住所" in reason
    notice = Notification.objects.get(user=planner)
    assert notice.kind == Notification.Kind.SCHEDULE_FAILED and notice.customer == customer
    page = admin_client.get(card(customer)).content.decode()
    assert 'data-status="failed"' in page and reason in page
    assert reverse("scheduling:cancel", args=[change.pk]) not in page


def test_c11_deleted_customer_is_reported_not_applied(customer, admin_user):
    change = scheduling.schedule_change(customer=customer, user=admin_user, changes={"title": "部長"},
                                        effective_date=DAY)
    code = customer.code
    customer.delete()
    assert "not applied 1" in run_scheduled(DAY)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.FAILED and change.customer is None
    assert code in change.customer_label and "削除" in scheduling_selectors.failure_text(change)
    notice = Notification.objects.get(user=admin_user, kind=Notification.Kind.SCHEDULE_FAILED)
    assert code in notice.customer_label


def test_c11_scheduler_who_lost_the_branch_is_reported_not_applied(world):
    user = world.users["branch_a"]
    change = scheduling.schedule_change(customer=world.customer_a, user=user, changes={"title": "部長"},
                                        effective_date=DAY)
    from crm.permissions import staff_set_branches

    staff_set_branches(staff=user, branches=[world.branch_b])
    run_scheduled(DAY)
    change.refresh_from_db()
    world.customer_a.refresh_from_db()
    assert change.status == ScheduledChange.Status.FAILED and world.customer_a.title != "部長"


def test_c11_the_worker_applies_due_changes_and_queues_its_next_run(customer, admin_user):
    from django_tasks_db.models import DBTaskResult

    change = scheduling.schedule_change(customer=customer, user=admin_user, changes={"title": "部長"},
                                        effective_date=DAY)
    ScheduledChange.objects.filter(pk=change.pk).update(effective_date=dates.today())  # the day has come
    assert tasks.ensure_queued() is True
    assert tasks.ensure_queued() is False  # one run waits at a time
    run_worker()
    customer.refresh_from_db()
    assert customer.title == "部長"
    waiting = DBTaskResult.objects.filter(task_path=tasks.apply_scheduled_changes.module_path, status="READY")
    assert waiting.count() == 1 and waiting.get().run_after > change.created_at  # the next run, later
    assert tasks.ensure_queued() is False


# --- cancelling ---------------------------------------------------------------------------
def test_c11_cancel_from_the_card(admin_client, customer, admin_user):
    change = scheduling.schedule_change(customer=customer, user=admin_user, changes={"title": "部長"},
                                        effective_date=DAY)
    response = admin_client.post(reverse("scheduling:cancel", args=[change.pk]))
    assert response.status_code == 302 and response["Location"] == card(customer)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.CANCELLED and change.finished_by == admin_user
    assert 'id="c11-scheduled"' not in admin_client.get(card(customer)).content.decode()
    run_scheduled(DAY)
    customer.refresh_from_db()
    assert customer.title == "係長"
    with pytest.raises(ValidationError):
        scheduling.cancel(change_id=change.pk, user=admin_user)


def test_c11_cancel_is_refused_to_read_only_and_other_branches(world, client):
    change = scheduling.schedule_change(customer=world.customer_a, user=world.users["branch_a"],
                                        changes={"title": "部長"}, effective_date=DAY)
    url = reverse("scheduling:cancel", args=[change.pk])
    for persona in ("read_only", "branch_b"):
        client.force_login(world.users[persona])
        assert client.post(url).status_code == 404
        assert client.get(url).status_code in (302, 404)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.PENDING
    client.force_login(world.users["read_only"])
    page = client.get(card(world.customer_a)).content.decode()
    assert 'id="c11-scheduled"' in page and url not in page  # shown, no cancel button


# --- permissions ----------------------------------------------------------------------------
def test_c11_only_customers_the_user_may_change(world):
    with pytest.raises(PermissionDenied):  # another branch's customer
        scheduling.schedule_change(customer=world.customer_b, user=world.users["branch_a"],
                                   changes={"title": "部長"}, effective_date=DAY)
    with pytest.raises(PermissionDenied):  # 参照のみ
        scheduling.schedule_change(customer=world.customer_a, user=world.users["read_only"],
                                   changes={"title": "部長"}, effective_date=DAY)
    with pytest.raises(PermissionDenied):  # 備考8 is restricted to 秘書部門
        scheduling.schedule_change(customer=world.customer_a, user=world.users["branch_a"],
                                   changes={"remark8": "書き換え"}, effective_date=DAY)
    with pytest.raises(PermissionDenied):  # kept by the system
        scheduling.schedule_change(customer=world.customer_a, user=world.users["hq_admin"],
                                   changes={"code": "999999"}, effective_date=DAY)
    with pytest.raises(ValidationError):
        scheduling.schedule_change(customer=world.customer_a, user=world.users["hq_admin"],
                                   changes={"title": "部長"}, effective_date=dates.today())
    assert not ScheduledChange.objects.exists()


def test_c11_card_post_cannot_schedule_a_restricted_field(world, client):
    user = world.users["branch_a"]
    client.force_login(user)
    customer = world.customer_a
    data = card_post_data(customer, title="部長", remark8="書き換え", check40=None, effective_date=DAY_TEXT)
    assert client.post(card(customer), data).status_code == 302
    assert ScheduledChange.objects.get().changes == {"title": "部長"}
    other = world.customer_b
    assert client.post(card(other), card_post_data(other, title="部長", effective_date=DAY_TEXT)).status_code == 404
    assert ScheduledChange.objects.count() == 1


def test_c11_card_shows_no_restricted_value_of_a_scheduled_change(world, client):
    scheduling.schedule_change(customer=world.customer_a, user=world.users["secretary"],
                               changes={"remark8": "社長の新しいメモ", "title": "部長"}, effective_date=DAY)
    client.force_login(world.users["branch_a"])
    page = client.get(card(world.customer_a)).content.decode()
    panel = page[page.index('id="c11-scheduled"'):]
    assert "部長" in panel and "社長の新しいメモ" not in panel and "VIPメモ" not in panel


# --- following and notifications ------------------------------------------------------------
def home(client) -> str:
    return client.get(reverse("admin:index")).content.decode()


def notices(page: str) -> str:
    part = page[page.index('id="notifications"'):]
    return part[:part.index('id="followed-branches"')]


def test_c11_follow_a_customer_and_see_others_changes_on_home(world, client):
    follower, other = world.users["branch_a"], world.users["hq_admin"]
    customer = world.customer_a
    client.force_login(follower)
    assert 'id="c11-follow-button"' in client.get(card(customer)).content.decode()
    assert client.post(reverse("scheduling:follow_customer", args=[customer.pk]), {"follow": "1"}).status_code == 302
    assert Follow.objects.filter(user=follower, customer=customer).exists()
    assert 'id="c11-unfollow-button"' in client.get(card(customer)).content.decode()

    customer.title = "取締役"
    services.customer_save(customer=customer, user=other, reason="昇進")
    notice = Notification.objects.get(user=follower)
    assert notice.fields == ["title"] and notice.actor == other and notice.read_at is None
    page = notices(home(client))
    assert customer.code in page and str(other) in page and "役職" in page and "昇進" in page
    assert 'id="notification-count">1<' in page
    assert reverse("scheduling:open_notification", args=[notice.pk]) in page


def test_c11_no_notification_for_ones_own_changes(world):
    follower = world.users["branch_a"]
    scheduling.follow_customer(user=follower, customer_id=world.customer_a.pk, on=True)
    world.customer_a.title = "取締役"
    services.customer_save(customer=world.customer_a, user=follower)
    assert not Notification.objects.exists()


def test_c11_opening_a_notification_marks_it_read(world, client):
    follower = world.users["branch_a"]
    scheduling.follow_customer(user=follower, customer_id=world.customer_a.pk, on=True)
    for title in ("取締役", "社長"):
        world.customer_a.title = title
        services.customer_save(customer=world.customer_a, user=world.users["hq_admin"])
    first, second = Notification.objects.filter(user=follower).order_by("pk")
    client.force_login(follower)
    response = client.get(reverse("scheduling:open_notification", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == card(world.customer_a)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert 'id="notification-count">1<' in home(client)
    client.get(response["Location"])  # the card: the other one is seen there, read as well
    second.refresh_from_db()
    assert second.read_at is not None
    assert 'id="notification-count">0<' in home(client)
    # someone else's notification does not open
    client.force_login(world.users["no_print"])
    assert client.get(reverse("scheduling:open_notification", args=[first.pk])).status_code == 404


def test_c11_mark_all_read(world, client):
    follower = world.users["branch_a"]
    scheduling.follow_customer(user=follower, customer_id=world.customer_a.pk, on=True)
    world.customer_a.title = "取締役"
    services.customer_save(customer=world.customer_a, user=world.users["hq_admin"])
    client.force_login(follower)
    assert client.post(reverse("scheduling:read_all")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_c11_follow_a_branch(world, client):
    follower = world.users["branch_a"]
    client.force_login(follower)
    page = home(client)
    assert 'id="follow-branch-button"' in page and world.branch_b.name not in page[page.index('id="followed-branches"'):]
    client.post(reverse("scheduling:follow_branch"), {"branch": world.branch_a.pk, "follow": "1"})
    client.post(reverse("scheduling:follow_branch"), {"branch": world.branch_b.pk, "follow": "1"})  # not theirs
    assert list(Follow.objects.values_list("branch_id", flat=True)) == [world.branch_a.pk]
    new = services.customer_save(customer=Customer(branch=world.branch_a, last_name="新規", last_name_kana="シンキ"),
                                 user=world.users["hq_admin"])
    world.customer_a.tel = "03-5555-6666"
    services.customer_save(customer=world.customer_a, user=world.users["hq_admin"])
    world.customer_b.tel = "03-5555-7777"
    services.customer_save(customer=world.customer_b, user=world.users["hq_admin"])
    kinds = sorted(Notification.objects.filter(user=follower).values_list("customer_id", "kind"))
    assert kinds == sorted([(new.pk, "added"), (world.customer_a.pk, "changed")])
    services.customer_save(customer=world.customer_a, user=world.users["hq_admin"])  # saved, nothing changed
    assert Notification.objects.filter(user=follower).count() == 2
    assert not Notification.objects.filter(customer=world.customer_b).exists()
    client.post(reverse("scheduling:follow_branch"), {"branch": world.branch_a.pk, "follow": "0"})
    assert not Follow.objects.exists()


def test_c11_notifications_hide_customers_and_fields_the_follower_may_not_see(world, client):
    follower = world.users["branch_a"]
    scheduling.follow_customer(user=follower, customer_id=world.customer_a.pk, on=True)
    customer = world.customer_a
    customer.remark8 = "新しい秘密"
    customer.title = "専務"
    services.customer_save(customer=customer, user=world.users["secretary"])
    assert Notification.objects.get(user=follower).fields == ["remark8", "title"]
    client.force_login(follower)
    page = notices(home(client))
    assert "役職" in page and "VIPメモ" not in page and "新しい秘密" not in page
    # the branch is taken away: the notification is no longer shown, nor opened
    from crm.permissions import staff_set_branches

    staff_set_branches(staff=follower, branches=[world.branch_b])
    page = notices(home(client))
    assert customer.code not in page and 'id="notification-count">0<' in page
    notice = Notification.objects.get(user=follower)
    assert client.get(reverse("scheduling:open_notification", args=[notice.pk])).status_code == 404
    # nor can another branch's customer be followed
    assert client.post(reverse("scheduling:follow_customer", args=[customer.pk]), {"follow": "1"}).status_code == 404


def test_c11_scheduled_change_applied_notifies_followers_as_the_schedulers_change(customer, admin_user):
    planner = StaffFactory(username="planner", is_head_office=True, roles=[roles.GENERAL])
    scheduling.follow_customer(user=admin_user, customer_id=customer.pk, on=True)
    scheduling.schedule_change(customer=customer, user=planner, changes={"title": "部長"}, effective_date=DAY)
    run_scheduled(DAY)
    notice = Notification.objects.get(user=admin_user)
    assert notice.actor == planner and notice.fields == ["title"] and notice.reason == expected_reason()


def test_c11_home_queries_do_not_grow_with_notifications(admin_client, admin_user, hq_branch):
    def count():
        admin_client.get(reverse("admin:index"))
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("admin:index")).status_code == 200
        return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])

    other = StaffFactory(username="other", is_head_office=True, roles=[roles.GENERAL])
    scheduling.follow_branch(user=admin_user, branch_id=hq_branch.pk, on=True)
    first = CustomerFactory(branch=hq_branch)
    first.title = "課長"
    services.customer_save(customer=first, user=other)
    few = count()
    for i in range(15):
        c = CustomerFactory(branch=hq_branch)
        c.title = f"課長{i}"
        services.customer_save(customer=c, user=StaffFactory(username=f"writer{i}", is_head_office=True))
    assert Notification.objects.filter(user=admin_user).count() == 16
    assert count() == few


def test_c11_deleting_a_followed_customer_lists_its_follows_and_notices_by_name(admin_client, customer, admin_user):
    other = StaffFactory(username="other", is_head_office=True, roles=[roles.GENERAL])
    scheduling.follow_customer(user=other, customer_id=customer.pk, on=True)
    customer.title = "部長"
    services.customer_save(customer=customer, user=admin_user)
    page = admin_client.get(reverse("admin:crm_customer_delete", args=[customer.pk])).content.decode()
    assert "object (" not in page and str(other) in page
    admin_client.post(reverse("admin:crm_customer_delete", args=[customer.pk]), {"post": "yes"})
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Follow.objects.exists() and not Notification.objects.exists()


def test_c11_card_queries_do_not_grow_with_scheduled_changes(admin_client, admin_user, customer):
    def count():
        admin_client.get(card(customer))
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(card(customer)).status_code == 200
        return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])

    branches = [BranchFactory(code=f"S{i}", name=f"支店{i}") for i in range(6)]
    scheduling.schedule_change(customer=customer, user=admin_user, changes={"branch": branches[0]},
                               effective_date=DAY)
    few = count()
    for i, branch in enumerate(branches[1:], start=1):
        scheduling.schedule_change(customer=customer, user=admin_user, changes={"branch": branch, "title": f"課長{i}"},
                                   effective_date=DAY + datetime.timedelta(days=i))
    page = admin_client.get(card(customer)).content.decode()
    panel = page[page.index('id="c11-scheduled"'):]
    panel = panel[:panel.index("</table>")]
    assert all(f"{b.name}</span>" in panel for b in branches)
    assert count() == few


def test_c11_family_editors_offer_no_effective_date_and_a_crafted_post_saves_nothing(admin_client, customer):
    page = admin_client.get(card(customer) + "?edit=family").content.decode()
    assert 'name="effective_date"' not in page
    data = card_post_data(customer, title="部長", effective_date=DAY_TEXT)
    data.update({"family-TOTAL_FORMS": "1", "family-0-registered_on": "2002-06-01", "family-0-relation": "子供",
                 "family-0-name": "田中 徹", "family-0-name_kana": "タナカ トオル"})
    response = admin_client.post(card(customer), data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    customer.refresh_from_db()
    assert not customer.family.exists() and customer.title == "係長" and not ScheduledChange.objects.exists()


# --- issue 22: restricted fields in reasons and notices (4), scope of the URLs (5), cancel (6) ----
def secretary_colleague(world):
    """Another member of 秘書部門 (sees every restricted field), of head office."""
    from django.contrib.auth.models import Group

    user = StaffFactory(username="secretary2", is_head_office=True, roles=[roles.GENERAL])
    user.groups.add(Group.objects.get(name="秘書部門"))
    return user


def panel_of(page: str) -> str:
    if 'id="c11-scheduled"' not in page:
        return ""
    part = page[page.index('id="c11-scheduled"'):]
    return part[:part.index("</table>")]


def test_c11_22_4_failure_reason_names_only_fields_the_viewer_may_see(world, client):
    # given: a secretary's change of VIPメモ and 役職, and VIPメモ changed by someone else meanwhile
    secretary = world.users["secretary"]
    change = scheduling.schedule_change(customer=world.customer_a, user=secretary,
                                        changes={"remark8": "新しいメモ", "title": "部長"}, effective_date=DAY)
    customer = world.customer_a
    customer.remark8 = "別の人のメモ"
    services.customer_save(customer=customer, user=secretary_colleague(world))
    # when
    run_scheduled(DAY)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.FAILED
    # then: a user outside 秘書部門 sees the failed change and why, without the restricted field's name
    client.force_login(world.users["branch_a"])
    panel = panel_of(client.get(card(customer)).content.decode())
    assert 'data-status="failed"' in panel and "部長" in panel and "他の人" in panel
    assert "VIPメモ" not in panel and "新しいメモ" not in panel and "備考8" not in panel
    # the secretary (who sees it) is told which field it was
    client.force_login(secretary)
    panel = panel_of(client.get(card(customer)).content.decode())
    assert "VIPメモ" in panel and "新しいメモ" in panel


def test_c11_22_4_failure_notice_names_no_field_its_author_may_no_longer_see(world, client):
    from django.contrib.auth.models import Group

    # given: the secretary's change failed (VIPメモ changed meanwhile), then they left 秘書部門
    secretary = world.users["secretary"]
    scheduling.schedule_change(customer=world.customer_a, user=secretary,
                               changes={"remark8": "新しいメモ", "title": "部長"}, effective_date=DAY)
    world.customer_a.remark8 = "別の人のメモ"
    services.customer_save(customer=world.customer_a, user=secretary_colleague(world))
    run_scheduled(DAY)
    notice = Notification.objects.get(user=secretary, kind=Notification.Kind.SCHEDULE_FAILED)
    client.force_login(secretary)
    assert "VIPメモ" in notices(home(client))  # while a member, the field is named
    secretary.groups.remove(Group.objects.get(name="秘書部門"))
    # when
    page = notices(home(client))
    # then: the notice is still there, naming no restricted field
    assert reverse("scheduling:open_notification", args=[notice.pk]) in page
    assert "予約変更を適用できませんでした" in page and "VIPメモ" not in page and "備考8" not in page


def test_c11_22_4_followers_hear_nothing_of_a_change_of_fields_they_may_not_see(world, client):
    follower = world.users["branch_a"]
    scheduling.follow_customer(user=follower, customer_id=world.customer_a.pk, on=True)
    secretary = world.users["secretary"]
    scheduling.follow_customer(user=secretary_colleague(world), customer_id=world.customer_a.pk, on=True)
    # when: only VIPメモ changes (the scheduled change is applied as the secretary's)
    scheduling.schedule_change(customer=world.customer_a, user=secretary, changes={"remark8": "新しいメモ"},
                               effective_date=DAY)
    run_scheduled(DAY)
    # then: the colleague in 秘書部門 is told, the branch user is not
    assert Notification.objects.filter(user__username="secretary2", fields=["remark8"]).exists()
    assert not Notification.objects.filter(user=follower).exists()
    client.force_login(follower)
    assert 'id="notification-count">0<' in notices(home(client))


def test_c11_22_6_a_change_of_only_restricted_fields_is_invisible_and_not_cancellable_to_outsiders(world, client):
    change = scheduling.schedule_change(customer=world.customer_a, user=world.users["secretary"],
                                        changes={"remark8": "新しいメモ"}, effective_date=DAY)
    url = reverse("scheduling:cancel", args=[change.pk])
    for persona in ("branch_a", "hq_admin"):
        client.force_login(world.users[persona])
        # the card does not show it at all
        page = client.get(card(world.customer_a)).content.decode()
        assert 'id="c11-scheduled"' not in page and url not in page
        # and it cannot be cancelled by URL
        assert client.post(url).status_code == 404
        assert client.get(url).status_code == 404
        with pytest.raises(PermissionDenied):
            scheduling.cancel(change_id=change.pk, user=world.users[persona])
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.PENDING


def test_c11_22_6_a_mixed_change_shows_its_visible_part_and_is_cancelled_by_its_author_or_a_member(world, client):
    secretary = world.users["secretary"]
    change = scheduling.schedule_change(customer=world.customer_a, user=secretary,
                                        changes={"remark8": "新しいメモ", "title": "部長"}, effective_date=DAY)
    url = reverse("scheduling:cancel", args=[change.pk])
    # outside 秘書部門: the visible part only, no hint of the rest, no cancel
    client.force_login(world.users["branch_a"])
    panel = panel_of(client.get(card(world.customer_a)).content.decode())
    assert "部長" in panel and "新しいメモ" not in panel and "VIPメモ" not in panel
    assert "見られない" not in panel and url not in panel
    assert client.post(url).status_code == 404
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.PENDING
    # a member of 秘書部門 who did not write it sees all of it and may cancel it
    colleague = secretary_colleague(world)
    client.force_login(colleague)
    panel = panel_of(client.get(card(world.customer_a)).content.decode())
    assert "新しいメモ" in panel and url in panel
    assert client.post(url).status_code == 302
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.CANCELLED and change.finished_by == colleague


def test_c11_22_6_the_author_cancels_their_own_change_after_leaving_the_group(world, client):
    from django.contrib.auth.models import Group

    secretary = world.users["secretary"]
    change = scheduling.schedule_change(customer=world.customer_a, user=secretary,
                                        changes={"remark8": "新しいメモ", "title": "部長"}, effective_date=DAY)
    secretary.groups.remove(Group.objects.get(name="秘書部門"))
    client.force_login(secretary)
    panel = panel_of(client.get(card(world.customer_a)).content.decode())
    assert "部長" in panel and "新しいメモ" not in panel
    assert reverse("scheduling:cancel", args=[change.pk]) in panel
    assert client.post(reverse("scheduling:cancel", args=[change.pk])).status_code == 302
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.CANCELLED


def test_c11_22_5_another_branchs_objects_answer_as_missing_ones_and_are_logged(world, client):
    from audit.models import AuditEvent

    change_b = scheduling.schedule_change(customer=world.customer_b, user=world.users["branch_b"],
                                          changes={"title": "部長"}, effective_date=DAY)
    scheduling.follow_customer(user=world.users["branch_b"], customer_id=world.customer_b.pk, on=True)
    world.customer_b.tel = "03-1111-2222"
    services.customer_save(customer=world.customer_b, user=world.users["hq_admin"])
    notice_b = Notification.objects.get(user=world.users["branch_b"])
    missing = ScheduledChange.objects.order_by("-pk").first().pk + 1000
    client.force_login(world.users["branch_a"])
    urls = {
        reverse("scheduling:cancel", args=[change_b.pk]): reverse("scheduling:cancel", args=[missing]),
        reverse("scheduling:follow_customer", args=[world.customer_b.pk]):
            reverse("scheduling:follow_customer", args=[world.customer_b.pk + 1000]),
        reverse("scheduling:open_notification", args=[notice_b.pk]):
            reverse("scheduling:open_notification", args=[notice_b.pk + 1000]),
    }
    for theirs, absent in urls.items():
        for method in ("get", "post"):
            if method == "post" and "notifications" in theirs:
                continue  # opening a notification is a GET only
            response = getattr(client, method)(theirs, {"follow": "1"} if method == "post" else None)
            reference = getattr(client, method)(absent, {"follow": "1"} if method == "post" else None)
            assert response.status_code == reference.status_code == 404, (method, theirs)
            assert not response.has_header("Location")
            assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, user=world.users["branch_a"],
                                             detail__path=theirs).exists(), (method, theirs)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, detail__path__in=list(urls.values())).exists()
    change_b.refresh_from_db()
    assert change_b.status == ScheduledChange.Status.PENDING
    assert not Follow.objects.filter(user=world.users["branch_a"]).exists()


def test_c11_22_4_every_failure_names_only_what_its_reader_sees(world):
    # given: failures as they are kept (a code and the fields concerned), and one kept as a sentence
    # before issue 22
    def failed(code, fields, changes=None, legacy=""):
        return ScheduledChange.objects.create(
            customer=world.customer_a, customer_label="x", changes=changes or {"remark8": "a", "title": "b"},
            effective_date=DAY, status=ScheduledChange.Status.FAILED, failure_code=code, failure_fields=fields,
            failure_reason=legacy)

    Failure = ScheduledChange.Failure
    invalid = failed(Failure.INVALID, {"remark8": ["長すぎます。"], "title": ["短すぎます。"], "__all__": ["制約違反"]})
    only_hidden = failed(Failure.INVALID, {"remark8": ["長すぎます。"]})
    legacy = failed("", {}, legacy="予約の後で他の人が同じ項目を変更したため、適用しませんでした: VIPメモ")
    outsider, member = world.users["branch_a"], world.users["secretary"]
    with translation.override("ja"):
        # then: the outsider reads the visible field's message only; the non-field one might be about VIPメモ
        text = scheduling_selectors.failure_text(invalid, user=outsider)
        assert "役職: 短すぎます。" in text and "VIPメモ" not in text and "長すぎます" not in text
        assert "制約違反" not in text
        assert "VIPメモ: 長すぎます。" in scheduling_selectors.failure_text(invalid, user=member)
        assert "制約違反" in scheduling_selectors.failure_text(invalid, user=member)
        assert scheduling_selectors.failure_text(only_hidden, user=outsider) == "値が正しくなくなったため、適用しませんでした。"
        assert scheduling_selectors.failure_text(legacy, user=outsider) == "適用できませんでした。"
        assert scheduling_selectors.failure_text(legacy, user=member) == legacy.failure_reason
        assert "VIPメモ" in scheduling_selectors.failure_text(invalid)  # the operator's console names all


def test_c11_22_4_a_value_no_longer_valid_is_named_only_to_those_who_see_its_field(world, client):
    # given: a secretary's change whose VIPメモ is too long and whose Eメール is not an address
    secretary = world.users["secretary"]
    change = scheduling.schedule_change(customer=world.customer_a, user=secretary,
                                        changes={"remark8": "メ" * 501, "email": "not-an-address"}, effective_date=DAY)
    # when
    run_scheduled(DAY)
    change.refresh_from_db()
    assert change.failure_code == ScheduledChange.Failure.INVALID
    assert sorted(change.failure_fields) == ["email", "remark8"]
    # then
    client.force_login(world.users["branch_a"])
    panel = panel_of(client.get(card(world.customer_a)).content.decode())
    assert "Eメール" in panel and "メールアドレス" in panel and "VIPメモ" not in panel and "501" not in panel
    client.force_login(secretary)
    page = home(client)
    assert "VIPメモ" in notices(page) and "Eメール" in notices(page)

"""R4: the audit log records logins, changes, refusals and admin changes; nobody edits it; R5 basics."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.helpers import card_post_data
from tests.personas import build_world

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action
PASSWORD = "pass-Kokyaku-2026"


@pytest.fixture
def world(db):
    return build_world()


def login_post(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password},
                       REMOTE_ADDR="192.0.2.10")


def test_r4_login_success_failure_and_logout_with_ip(world):
    client = Client()
    assert login_post(client, "branch_a", "wrong").status_code == 200
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.username == "branch_a" and failed.ip_address == "192.0.2.10"
    assert login_post(client, "branch_a", PASSWORD).status_code == 302
    login = AuditEvent.objects.get(action=Action.LOGIN)
    assert login.user == world.users["branch_a"] and login.ip_address == "192.0.2.10"
    client.post(reverse("admin:logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT, user=world.users["branch_a"]).exists()


def test_r5_lockout_after_repeated_failures_japanese_message_and_admin_unlock(world, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login_post(client, "read_only", "wrong")
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, username="read_only").exists()
    response = login_post(client, "read_only", PASSWORD)  # right password, still locked
    assert response.status_code in (403, 429)
    assert "ロックされています" in response.content.decode()

    admin_client = Client()
    admin_client.force_login(world.users["hq_admin"])
    admin_client.post(reverse("admin:crm_staff_changelist"), {
        "action": "unlock", "_selected_action": [world.users["read_only"].pk],
    })
    assert login_post(client, "read_only", PASSWORD).status_code == 302


def test_r4_create_update_delete_are_logged_with_the_history_record(world):
    client = Client()
    client.force_login(world.users["hq_admin"])
    a = world.customer_a
    client.post(reverse("admin:crm_customer_change", args=[a.pk]), card_post_data(a, title="社長"))
    update = AuditEvent.objects.get(action=Action.UPDATE)
    assert update.customer_code == a.code and "title" in update.detail["fields"]  # by name: labels are the viewer's
    assert update.history_id == a.history.first().history_id
    client.post(reverse("admin:crm_customer_delete", args=[a.pk]), {"post": "yes"})
    deletion = AuditEvent.objects.get(action=Action.DELETE)
    assert deletion.customer_code == a.code and deletion.history_id


def test_r4_bulk_delete_is_logged(world):
    from tests.factories import CustomerFactory

    extra = CustomerFactory(branch=world.branch_a, last_name="追加")
    client = Client()
    client.force_login(world.users["hq_admin"])
    client.post(reverse("admin:crm_customer_changelist"), {
        "action": "delete_selected", "_selected_action": [world.customer_a.pk, extra.pk], "post": "yes",
    })
    bulk = AuditEvent.objects.get(action=Action.BULK)
    assert bulk.row_count == 2 and bulk.detail["action"] == "delete_selected"
    assert AuditEvent.objects.filter(action=Action.DELETE).count() == 2


def test_r4_refused_attempts_are_logged(world):
    client = Client()
    client.force_login(world.users["branch_a"])
    assert client.get(reverse("admin:crm_customer_change", args=[world.customer_b.pk])).status_code == 404
    assert client.get(reverse("admin:crm_staff_changelist")).status_code == 403
    refused = AuditEvent.objects.filter(action=Action.DENIED, user=world.users["branch_a"])
    assert refused.count() == 2


def test_r4_field_configuration_and_role_changes_are_logged(world):
    from fieldconfig.models import FieldSetting

    client = Client()
    client.force_login(world.users["hq_admin"])
    row = FieldSetting.objects.get(model="customer", field_name="remark2")
    client.post(reverse("admin:fieldconfig_fieldsetting_change", args=[row.pk]),
                {"label": "紹介者", "input_type": "text", "choices": "", "position": "0"})
    assert AuditEvent.objects.filter(action=Action.CONFIG, target_id=str(row.pk)).exists()
    staff = world.users["read_only"]
    from django.contrib.auth.models import Group

    response = client.post(reverse("admin:crm_staff_change", args=[staff.pk]), {
        "username": staff.username, "display_name": staff.display_name, "is_active": "on", "is_staff": "on",
        "groups": [Group.objects.get(name="一般").pk], "branches": [world.branch_a.pk, world.branch_b.pk],
        "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action=Action.ROLE, target_id=str(staff.pk)).exists()
    from crm.permissions import staff_branches

    assert set(staff_branches(staff)) == {world.branch_a, world.branch_b}


def test_r4_nobody_edits_or_deletes_the_log(world):
    client = Client()
    client.force_login(world.users["hq_admin"])
    event = AuditEvent.objects.create(action=Action.LOGIN, username="x")
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"username": "y"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    with pytest.raises(PermissionError):
        event.username = "y"
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_r4_admin_filters_and_exports_the_log(world):
    client = Client()
    client.force_login(world.users["hq_admin"])
    AuditEvent.objects.create(action=Action.LOGIN, username="branch_a", user=world.users["branch_a"])
    AuditEvent.objects.create(action=Action.LOGIN_FAILED, username="=HYPERLINK(evil)")
    listing = client.get(reverse("admin:audit_auditevent_changelist"), {"action__exact": "login_failed"})
    assert "HYPERLINK" in listing.content.decode()
    response = client.get(reverse("admin:audit_auditevent_export_csv"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "branch_a" in content and "'=HYPERLINK(evil)" in content
    assert AuditEvent.objects.filter(action=Action.EXPORT, detail__what="audit log").exists()


def test_r4_audit_log_is_in_the_sidebar_of_admins_and_names_the_customer_with_a_link(world):
    admin_client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    admin_client.force_login(world.users["hq_admin"])
    a = world.customer_a
    admin_client.post(reverse("admin:crm_customer_change", args=[a.pk]), card_post_data(a, tel="03-9999-0000"))
    listing = admin_client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    log_url = reverse("admin:audit_auditevent_changelist")
    assert f'href="{log_url}"' in admin_client.get(reverse("admin:index")).content.decode()
    card_url = reverse("admin:crm_customer_change", args=[a.pk])
    assert f'href="{card_url}">{a.code} 渋谷 一郎</a>' in listing
    assert "crm.Customer" not in listing

    general = Client(HTTP_ACCEPT_LANGUAGE="ja")
    general.force_login(world.users["branch_a"])
    assert f'href="{log_url}"' not in general.get(reverse("admin:index")).content.decode()


# --- issue 22 point 8: a 管理者 limited to one branch reads its branch's part of the log -----------------
@pytest.fixture
def branch_log(world):
    """Entries about both branches' data and by both branches' staff; a store manager of 渋谷店."""
    from audit import events
    from crm import roles
    from tests.factories import EventFactory, StaffFactory

    manager = StaffFactory(username="store_manager", roles=[roles.ADMIN], branches=[world.branch_a])
    hq = Client()
    hq.force_login(world.users["hq_admin"])
    for customer in (world.customer_a, world.customer_b):  # head office edits a customer of each branch
        hq.post(reverse("admin:crm_customer_change", args=[customer.pk]), card_post_data(customer, title="部長"))
    for name in ("branch_a", "branch_b"):  # each branch's staff logs in, fails a login, exports
        user = world.users[name]
        events.record(Action.LOGIN, user=user)
        events.record(Action.LOGIN_FAILED, username=name)
        events.record(Action.EXPORT, user=user, row_count=3, detail={"what": "customers", "format": "csv"})
    events.record(Action.LOGIN_FAILED, username="nobody_known")
    event_b = EventFactory(name="2026年 新宿のお歳暮", branch=world.branch_b)
    events.object_saved(request=None, obj=event_b, created=True)
    return manager


def test_r2_branch_admin_reads_only_its_branchs_entries_of_the_audit_log(world, branch_log):
    a, b = world.customer_a, world.customer_b
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(branch_log)
    url = reverse("admin:audit_auditevent_changelist")

    # the list: 渋谷店's customer and staff, nothing of 新宿店 (its customer, its event, its staff)
    listing = client.get(url)
    shown = list(listing.context["cl"].result_list)
    text = listing.content.decode()
    assert a.code in text and b.code not in text and "新宿" not in text
    assert {e.username for e in shown} >= {"hq_admin", "branch_a"} and not {"branch_b", "nobody_known"} & {
        e.username for e in shown}
    assert not [e for e in shown if e.username == "hq_admin" and e.action == Action.LOGIN]
    # a search, a filter by the other branch's staff, the filter's choices
    assert client.get(url, {"q": b.code}).context["cl"].result_count == 0
    staff_b = world.users["branch_b"]
    assert client.get(url, {"user__id__exact": staff_b.pk}).context["cl"].result_count == 0
    user_filter = next(f for f in listing.context["cl"].filter_specs if getattr(f, "field_path", "") == "user")
    offered = {pk for pk, _name in user_filter.lookup_choices}
    assert world.users["branch_a"].pk in offered and staff_b.pk not in offered
    assert world.users["hq_admin"].pk not in offered
    # an entry of 新宿店 answers 404 as a missing one; one of 渋谷店 opens
    entry_b = AuditEvent.objects.get(customer_code=b.code)
    entry_a = AuditEvent.objects.get(customer_code=a.code)
    assert client.get(reverse("admin:audit_auditevent_change", args=[entry_b.pk])).status_code == 404
    assert client.get(reverse("admin:audit_auditevent_change", args=[entry_a.pk])).status_code == 200
    # the CSV: the same entries
    export = client.get(reverse("admin:audit_auditevent_export_csv"))
    content = b"".join(export.streaming_content).decode("utf-8-sig")
    assert a.code in content and b.code not in content and "新宿" not in content and "branch_b" not in content

    # head office reads every entry
    hq = Client(HTTP_ACCEPT_LANGUAGE="ja")
    hq.force_login(world.users["hq_admin"])
    everything = hq.get(url).content.decode()
    assert b.code in everything and "新宿のお歳暮" in everything and "nobody_known" in everything


# --- issue 22 point 9: a restricted field is 「制限項目」 outside 項目名設定 --------------------------------
def test_r3_audit_entry_names_a_restricted_field_only_to_its_group(world):
    a = world.customer_a
    secretary = Client(HTTP_ACCEPT_LANGUAGE="ja")
    secretary.force_login(world.users["secretary"])
    # given: a secretary changes the VIP memo (備考8, 「VIPメモ」), a VIP checkbox and the job title
    data = card_post_data(a, remark8="新しい秘密", title="会長")
    data.pop("check40")  # チェック40 unticked (it was ticked)
    response = secretary.post(reverse("admin:crm_customer_change", args=[a.pk]), data)
    assert response.status_code == 302
    entry = AuditEvent.objects.get(action=Action.UPDATE)
    # then: the entry stores the fields by name, never by label
    assert {"remark8", "title", "check40"} <= set(entry.detail["fields"])
    assert "VIPメモ" not in str(entry.detail)

    admin = Client(HTTP_ACCEPT_LANGUAGE="ja")
    admin.force_login(world.users["hq_admin"])  # an admin outside 秘書部門
    page = admin.get(reverse("admin:audit_auditevent_change", args=[entry.pk])).content.decode()
    assert "制限項目" in page and "役職" in page
    assert "VIPメモ" not in page and "新しい秘密" not in page
    export = admin.get(reverse("admin:audit_auditevent_export_csv"))
    content = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "制限項目" in content and "役職" in content and "VIPメモ" not in content
    # and the secretary's group reads the label
    from crm import roles
    from tests.factories import StaffFactory

    member = StaffFactory(username="vip_admin", is_head_office=True, roles=[roles.ADMIN])
    member.groups.add(*world.users["secretary"].groups.all())
    reader = Client(HTTP_ACCEPT_LANGUAGE="ja")
    reader.force_login(member)
    assert "VIPメモ" in reader.get(reverse("admin:audit_auditevent_change", args=[entry.pk])).content.decode()


def test_r3_stored_labels_become_field_names_and_entries_get_their_branch(world):
    """The migration of entries written before: labels → names, customer entries → their branch."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("crm.migrations.0022_audit_entries_by_branch_and_field_name")
    b = world.customer_b
    old = AuditEvent.objects.create(action=Action.UPDATE, target_type="crm.Customer", target_id=str(b.pk),
                                    customer_code=b.code, detail={"fields": ["VIPメモ", "役職", "家族の名前"]})
    AuditEvent.objects.filter(pk=old.pk).update(branch_id=None)
    migration.branches(apps, None)
    migration.fields_by_name(apps, None)
    old.refresh_from_db()
    assert old.branch_id == world.branch_b.pk
    assert old.detail["fields"] == ["remark8", "title", "家族の名前"]  # a label of no customer field stays
    admin = Client(HTTP_ACCEPT_LANGUAGE="ja")
    admin.force_login(world.users["hq_admin"])
    page = admin.get(reverse("admin:audit_auditevent_change", args=[old.pk])).content.decode()
    assert "VIPメモ" not in page and "家族の名前" not in page and "制限項目" in page

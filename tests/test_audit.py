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
    assert update.customer_code == a.code and "役職" in update.detail["fields"]  # by label
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

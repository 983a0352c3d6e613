"""S5 bulk actions on the customer list: company block and checkboxes, with history, audit and scope."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import Customer
from jobs.models import Job
from tests.factories import CustomerFactory
from tests.helpers import ja_client, run_worker
from tests.personas import build_world

pytestmark = pytest.mark.django_db
LIST = reverse("admin:crm_customer_changelist")


@pytest.fixture
def world(db):
    return build_world()


def company_post(ids, *, apply=True, across=False, **values):
    data = {"action": "update_company_block", ACTION_CHECKBOX_NAME: [str(i) for i in ids], "reason": "社名変更"}
    if across:
        data["select_across"] = "1"
    if apply:
        data["apply"] = "1"
        for name, value in values.items():
            data[f"change_{name}"] = "on"
            data[name] = value
    return data


def test_s5_company_block_on_the_ticked_customers_with_history_and_one_audit_entry(world):
    others = [CustomerFactory(branch=world.branch_a, company_name="旧商事") for _ in range(2)]
    client = ja_client(world.users["branch_a"])
    ids = [c.pk for c in others]
    page = client.post(LIST, company_post(ids, apply=False))
    assert page.status_code == 200 and page.context["count"] == 2
    assert 'id="bulk-count"' in page.content.decode()
    response = client.post(LIST, company_post(ids, company_name="新商事ホールディングス", postal_code="150-0002",
                                              address="東京都渋谷区渋谷2-1-1"))
    assert response.status_code == 302
    for customer in others:
        customer.refresh_from_db()
        assert (customer.company_name, customer.postal_code) == ("新商事ホールディングス", "150-0002")
        assert customer.history.first().history_change_reason == "社名変更"
        assert customer.history.first().history_user == world.users["branch_a"]
    found = client.get(LIST, {"q": "新商事ホールディングス"}).content.decode()  # search keys follow the change
    assert all(customer.code in found for customer in others)
    assert AuditEvent.objects.filter(action="bulk", row_count=2).count() == 1
    world.customer_a.refresh_from_db()
    assert world.customer_a.company_name == "渋谷商事"  # not ticked


def test_s5_bad_value_says_so_at_the_field_and_keeps_what_was_typed(world):
    client = ja_client(world.users["hq_admin"])
    response = client.post(LIST, company_post([world.customer_a.pk], company_name="新社名", postal_code="12-34"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "新社名" in body and response.context["form"].errors["postal_code"]
    world.customer_a.refresh_from_db()
    assert world.customer_a.company_name == "渋谷商事"


def test_s5_a_customer_out_of_scope_is_refused_and_nothing_changes(world):
    client = ja_client(world.users["branch_a"])
    response = client.post(LIST, company_post([world.customer_a.pk, world.customer_b.pk], company_name="乗っ取り"))
    assert response.status_code == 302
    for customer in (world.customer_a, world.customer_b):
        customer.refresh_from_db()
        assert customer.company_name != "乗っ取り"


def test_s5_whole_search_result_and_checkboxes(world):
    for i in range(3):
        CustomerFactory(branch=world.branch_a, last_name=f"一括{i}", check5=True)
    client = ja_client(world.users["hq_admin"])
    url = LIST + "?q=一括"
    data = {"action": "set_checkboxes", ACTION_CHECKBOX_NAME: [str(Customer.objects.filter(last_name="一括0").get().pk)],
            "select_across": "1"}
    page = client.post(url, data)
    assert page.context["count"] == 3
    response = client.post(url, {**data, "apply": "1", "tick": ["check1", "check2"], "untick": ["check5"],
                                 "reason": "DM送付"})
    assert response.status_code == 302
    for customer in Customer.objects.filter(last_name__startswith="一括"):
        assert customer.check1 and customer.check2 and not customer.check5
    assert not Customer.objects.get(pk=world.customer_a.pk).check1


def test_s5_read_only_cannot_run_a_bulk_action(world):
    client = ja_client(world.users["read_only"])
    client.post(LIST, company_post([world.customer_a.pk], company_name="閲覧者"))
    world.customer_a.refresh_from_db()
    assert world.customer_a.company_name == "渋谷商事"


def test_s5_a_large_selection_runs_on_the_worker(world, settings):
    settings.BULK_SYNC_MAX_ROWS = 1
    extra = CustomerFactory(branch=world.branch_a, company_name="旧")
    client = ja_client(world.users["hq_admin"])
    response = client.post(LIST, company_post([world.customer_a.pk, extra.pk], fax="03-1111-2222"))
    assert response.status_code == 302 and "/admin/jobs/job/" in response["Location"]
    run_worker()
    job = Job.objects.get(kind="bulk_update")
    assert job.state == "succeeded", job.message
    extra.refresh_from_db()
    assert extra.fax == "03-1111-2222" and extra.history.first().history_change_reason == "社名変更"

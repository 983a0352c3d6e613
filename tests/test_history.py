"""C4: who, when, which fields (by configured label), why; open a past version read-only; restore it."""

import re

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from crm.models import Customer, Purchase
from fieldconfig.models import FieldSetting
from tests.factories import CustomerFactory, FamilyMemberFactory, PurchaseFactory
from tests.helpers import card_post_data

pytestmark = pytest.mark.django_db


def edit(client, customer, **changes):
    response = client.post(reverse("admin:crm_customer_change", args=[customer.pk]), card_post_data(customer, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    return customer


def test_c4_history_records_who_when_what_and_why(admin_client, admin_user, hq_branch):
    customer = CustomerFactory(branch=hq_branch, address="東京都港区東品川1-1-100")
    edit(admin_client, customer, address="大阪府大阪市北区梅田1-1", change_reason="移転のため住所を変更")
    record = customer.history.first()
    assert record.history_user == admin_user
    assert record.history_change_reason == "移転のため住所を変更"

    page = admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).content.decode()
    assert "移転のため住所を変更" in page
    assert "住所" in page and "大阪府大阪市北区梅田1-1" in page and "東京都港区東品川1-1-100" in page
    assert str(admin_user) in page


def test_c4_history_diff_uses_the_configured_label(admin_client, hq_branch):
    row = FieldSetting.objects.get(model="customer", field_name="title")
    row.label = "肩書き"
    row.save()
    customer = CustomerFactory(branch=hq_branch, title="課長")
    edit(admin_client, customer, title="部長", change_reason="昇進")
    page = admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).content.decode()
    assert "肩書き" in page and "部長" in page


def test_c4_past_version_opens_read_only(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, department="営業部")
    first_version = customer.history.earliest()
    edit(admin_client, customer, department="総務部")
    url = reverse("admin:crm_customer_simple_history", args=[customer.pk, first_version.history_id])
    page = admin_client.get(url).content.decode()
    assert "営業部" in page
    assert 'name="department"' not in page  # read-only: shown, not editable


def test_c4_restore_a_past_version(admin_client, admin_user, hq_branch):
    customer = CustomerFactory(branch=hq_branch, department="営業部", tel="03-1111-1111")
    first_version = customer.history.earliest()
    edit(admin_client, customer, department="総務部", tel="03-2222-2222")
    url = reverse("admin:crm_customer_simple_history", args=[customer.pk, first_version.history_id])
    response = admin_client.post(url, {"change_reason": ""})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.department == "営業部" and customer.tel == "03-1111-1111"
    latest = customer.history.first()
    assert "復元" in latest.history_change_reason and latest.history_user == admin_user
    assert "0311111111" in Customer.objects.get(pk=customer.pk).search_text


def test_c4_records_hanging_off_the_customer_keep_history_too(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    FamilyMemberFactory(customer=customer, name="山田 徹")
    data = card_post_data(customer, change_reason="家族情報を更新")
    data["family-0-occupation"] = "学生"
    edit(admin_client, customer, **data)
    family = customer.family.get()
    assert family.occupation == "学生"
    assert family.history.first().history_change_reason == "家族情報を更新"


def test_c4_history_page_queries_do_not_grow_with_versions(admin_client, hq_branch, django_assert_max_num_queries):
    customer = CustomerFactory(branch=hq_branch)
    for n in range(25):
        edit(admin_client, customer, building=f"ビル{n}")
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).status_code == 200


# --- issue 11, point 8: a past version says which it is; a restore is 復元 and returns to the card ---
def test_c4_point8_version_page_says_its_date_author_and_purpose(admin_client, admin_user, hq_branch):
    # given
    customer = CustomerFactory(branch=hq_branch, department="営業部")
    edit(admin_client, customer, department="総務部", change_reason="部署異動のため")
    version = customer.history.first()

    # when
    url = reverse("admin:crm_customer_simple_history", args=[customer.pk, version.history_id])
    page = admin_client.get(url).content.decode()

    # then
    facts = page[page.index('id="version-facts"'):]
    facts = facts[:facts.index("</div>")]
    stamp = localtime(version.history_date).strftime("%Y/%m/%d %H:%M")
    assert f"{stamp} の版" in facts
    assert "保存した人" in facts and str(admin_user) in facts
    assert "更新目的" in facts and "部署異動のため" in facts
    assert "種別" in facts and "変更" in facts


def test_c4_point8_restore_is_recorded_as_restore_and_returns_to_the_card(admin_client, admin_user, hq_branch):
    # given
    customer = CustomerFactory(branch=hq_branch, department="営業部")
    first_version = customer.history.earliest()
    edit(admin_client, customer, department="総務部")

    # when
    url = reverse("admin:crm_customer_simple_history", args=[customer.pk, first_version.history_id])
    response = admin_client.post(url, {"change_reason": "誤って変更したため"})

    # then: back on the card, told in Japanese what happened
    card = reverse("admin:crm_customer_change", args=[customer.pk])
    assert response.status_code == 302 and response["Location"] == card
    stamp = localtime(first_version.history_date).strftime("%Y/%m/%d %H:%M")
    page = admin_client.get(card).content.decode()
    assert f"{stamp} の版に復元しました。" in page
    # recorded as 復元, with the version and the user's own words
    latest = customer.history.first()
    assert latest.history_change_reason == f"復元（{stamp} の版）: 誤って変更したため"
    assert latest.history_user == admin_user
    customer.refresh_from_db()
    assert customer.department == "営業部"
    # the history list shows the row's kind as 復元; the ordinary change stays 変更
    history = admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).content.decode()
    kinds = [re.sub(r"\s+", "", cell) for cell in re.findall(r"<td>\s*(復元|変更|登録)\s*</td>", history)]
    assert kinds == ["復元", "変更", "登録"]
    # and the restored version's own page says so
    version_page = admin_client.get(
        reverse("admin:crm_customer_simple_history", args=[customer.pk, latest.history_id])).content.decode()
    facts = version_page[version_page.index('id="version-facts"'):]
    assert "復元" in facts[:facts.index("</div>")]


def test_c4_point8_restore_without_words_and_of_a_purchase(admin_client, hq_branch):
    # given
    customer = CustomerFactory(branch=hq_branch)
    purchase = PurchaseFactory(customer=customer, remark="初回")
    first_version = purchase.history.earliest()
    purchase.remark = "二回目"
    purchase.save()

    # when
    url = reverse("admin:crm_purchase_simple_history", args=[purchase.pk, first_version.history_id])
    data = {f.name: "" if getattr(first_version, f.attname) is None else str(getattr(first_version, f.attname))
            for f in Purchase._meta.fields if f.editable and f.name not in ("id",)}
    data = {k: v for k, v in data.items() if v not in ("False",)}
    data["customer"] = str(customer.pk)
    response = admin_client.post(url, data)

    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("admin:crm_purchase_change", args=[purchase.pk])
    purchase.refresh_from_db()
    assert purchase.remark == "初回"
    stamp = localtime(first_version.history_date).strftime("%Y/%m/%d %H:%M")
    assert purchase.history.first().history_change_reason == f"復元（{stamp} の版）"
